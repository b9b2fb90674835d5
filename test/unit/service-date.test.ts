import { describe, expect, it } from 'vitest';
import {
  calendarOf,
  dispatchCutoffOf,
  instantOf,
  localDateOf,
  nextWorkingDay,
  serviceDateFor,
  timeWindowErrors,
} from '../../shared/domain/calendar';
import { FleetConfig, RegionCalendar } from '../../shared/schemas/batching';

const stockholm = RegionCalendar.parse({ timeZone: 'Europe/Stockholm' });
const newYork = RegionCalendar.parse({ timeZone: 'America/New_York' });
const at = Date.parse;

describe('service dates (contract §3a)', () => {
  // Thursday 2026-11-26, 14:00 in Stockholm.
  const received = at('2026-11-26T13:00:00Z');

  it('without a window: SAME_DAY is the day received, NEXT_DAY and ECONOMY the next working day', () => {
    expect(serviceDateFor({ serviceLevel: 'SAME_DAY' }, received, stockholm)).toBe('2026-11-26');
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY' }, received, stockholm)).toBe('2026-11-27');
    expect(serviceDateFor({ serviceLevel: 'ECONOMY' }, received, stockholm)).toBe('2026-11-27');
  });

  it('with a window: the local date of its start, whatever the service level', () => {
    const timeWindow = { start: '2026-11-30T07:00:00Z', end: '2026-11-30T15:00:00Z' };
    for (const serviceLevel of ['SAME_DAY', 'NEXT_DAY', 'ECONOMY'] as const)
      expect(serviceDateFor({ serviceLevel, timeWindow }, received, stockholm)).toBe('2026-11-30');
  });

  it('takes the date in the region time zone: 23:30 local is another UTC date', () => {
    // 23:30 on 3 December in New York is 04:30 UTC on 4 December.
    const late = { start: '2026-12-04T04:30:00Z', end: '2026-12-04T05:30:00Z' };
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY', timeWindow: late }, received, newYork)).toBe(
      '2026-12-03',
    );
    // 00:30 on 4 December in Stockholm is 23:30 UTC on 3 December.
    const early = { start: '2026-12-03T23:30:00Z', end: '2026-12-04T02:00:00Z' };
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY', timeWindow: early }, received, stockholm)).toBe(
      '2026-12-04',
    );
    // Received at 23:30 local (04:30 UTC the next day): SAME_DAY is the local day, NEXT_DAY the day after it.
    const lateNight = at('2026-12-02T04:30:00Z'); // Tuesday 1 December, 23:30 in New York
    expect(serviceDateFor({ serviceLevel: 'SAME_DAY' }, lateNight, newYork)).toBe('2026-12-01');
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY' }, lateNight, newYork)).toBe('2026-12-02');
  });

  it('skips days the region does not work: Friday → Monday, closed dates, own working days', () => {
    const friday = at('2026-11-27T10:00:00Z');
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY' }, friday, stockholm)).toBe('2026-11-30');
    expect(serviceDateFor({ serviceLevel: 'ECONOMY' }, friday, stockholm)).toBe('2026-11-30');
    const saturday = at('2026-11-28T10:00:00Z');
    expect(serviceDateFor({ serviceLevel: 'NEXT_DAY' }, saturday, stockholm)).toBe('2026-11-30');
    // 24-26 December closed: Wednesday 23 December → Monday 28 December.
    const christmas = { ...stockholm, closedDates: ['2026-12-24', '2026-12-25'] };
    expect(nextWorkingDay('2026-12-23', christmas)).toBe('2026-12-28');
    const sixDays = RegionCalendar.parse({ workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] });
    expect(nextWorkingDay('2026-11-27', sixDays)).toBe('2026-11-28');
  });

  it('takes a region calendar over the fleet-wide one, field by field', () => {
    const fleet = FleetConfig.parse({
      calendar: { timeZone: 'Europe/Stockholm', workingDays: ['MON', 'TUE', 'WED', 'THU'] },
      regions: { ny: { calendar: { timeZone: 'America/New_York' } } },
    });
    expect(calendarOf('ny', fleet)).toMatchObject({
      timeZone: 'America/New_York',
      workingDays: ['MON', 'TUE', 'WED', 'THU'],
    });
    expect(calendarOf('anywhere', fleet).timeZone).toBe('Europe/Stockholm');
  });

  it('converts local times on a date to instants across daylight-saving changes', () => {
    expect(instantOf('2026-12-03', '08:00', 'Europe/Stockholm')).toBe(at('2026-12-03T07:00:00Z'));
    expect(instantOf('2026-07-03', '08:00', 'Europe/Stockholm')).toBe(at('2026-07-03T06:00:00Z'));
    expect(instantOf('2026-12-03', '24:00', 'America/New_York')).toBe(at('2026-12-04T05:00:00Z'));
    // 02:30 does not exist on 29 March 2026 in Stockholm: the instant after the gap (03:30 CEST).
    expect(instantOf('2026-03-29', '02:30', 'Europe/Stockholm')).toBe(at('2026-03-29T01:30:00Z'));
    // 02:30 exists twice on 25 October 2026: its first occurrence (CEST).
    expect(instantOf('2026-10-25', '02:30', 'Europe/Stockholm')).toBe(at('2026-10-25T00:30:00Z'));
    expect(localDateOf(at('2026-03-29T01:30:00Z'), 'Europe/Stockholm')).toBe('2026-03-29');
  });

  it('puts the dispatch cutoff at 20:00 local the day before by default', () => {
    expect(dispatchCutoffOf('2026-11-27', stockholm)).toBe(at('2026-11-26T19:00:00Z'));
    expect(dispatchCutoffOf('2026-11-30', newYork)).toBe(at('2026-11-30T01:00:00Z'));
    const sameMorning = { ...stockholm, dispatchCutoff: { time: '06:00', daysBefore: 0 } };
    expect(dispatchCutoffOf('2026-11-27', sameMorning)).toBe(at('2026-11-27T05:00:00Z'));
  });
});

describe('time windows that cannot be planned (contract §3a: 400 naming the field)', () => {
  const now = at('2026-11-26T13:00:00Z');
  it('rejects a window that has ended, and one that starts beyond the horizon', () => {
    expect(timeWindowErrors({ start: '2026-11-26T08:00:00Z', end: '2026-11-26T12:00:00Z' }, now, 14)).toEqual(
      [{ field: 'timeWindow.end', message: expect.stringContaining('ended in the past') }],
    );
    expect(timeWindowErrors({ start: '2026-12-10T13:00:01Z', end: '2026-12-10T16:00:00Z' }, now, 14)).toEqual(
      [{ field: 'timeWindow.start', message: expect.stringContaining('planning horizon of 14 days') }],
    );
    expect(
      timeWindowErrors({ start: '2026-12-05T08:00:00Z', end: '2026-12-05T16:00:00Z' }, now, 7),
    ).toHaveLength(1);
  });

  it('accepts a window still open, tomorrow, or at the horizon, and no window', () => {
    expect(timeWindowErrors({ start: '2026-11-26T08:00:00Z', end: '2026-11-26T16:00:00Z' }, now, 14)).toEqual(
      [],
    );
    expect(timeWindowErrors({ start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' }, now, 14)).toEqual(
      [],
    );
    expect(timeWindowErrors({ start: '2026-12-10T13:00:00Z', end: '2026-12-10T16:00:00Z' }, now, 14)).toEqual(
      [],
    );
    expect(timeWindowErrors(undefined, now, 14)).toEqual([]);
  });
});
