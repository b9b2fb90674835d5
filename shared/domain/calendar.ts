import type { FleetConfig, RegionCalendar, Weekday } from '../schemas/batching';
import type { ShipmentBody } from '../schemas/shipment';
import type { FieldError } from './errors';
import { ownEntry } from './lookup';

/**
 * Service dates and local times of a region (contract §3a). A service date is a local date
 * (YYYY-MM-DD) in the region's time zone; shifts and cutoffs are local times on it. Pure: time
 * zones come from the platform's ICU data (Intl), never from the host's zone.
 */

const DAY_MS = 86_400_000;
const WEEKDAYS: readonly Weekday[] = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone. */
function wallClock(epochMs: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The time zone's offset from UTC at an instant, in milliseconds (Stockholm in winter: +3,600,000). */
function offsetMs(epochMs: number, timeZone: string): number {
  const w = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The local date of an instant in a time zone. */
export function localDateOf(epochMs: number, timeZone: string): string {
  const w = wallClock(epochMs, timeZone);
  return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * The instant of a local time (HH:MM, `24:00` is the next midnight) on a local date. A time that
 * does not exist (the hour skipped when clocks go forward) is the instant after the gap; a time
 * that exists twice (clocks go back) is its first occurrence.
 */
export function instantOf(date: string, hhmm: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0);
  // The offsets a day either side: at most one change of offset lies between them.
  const before = wall - offsetMs(wall - DAY_MS, timeZone);
  const after = wall - offsetMs(wall + DAY_MS, timeZone);
  const valid = [before, after].filter((t) => t + offsetMs(t, timeZone) === wall);
  return valid.length > 0 ? Math.min(...valid) : before;
}

export function addDays(date: string, days: number): string {
  const [y, mo, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

export function weekdayOf(date: string): Weekday {
  const [y, mo, d] = date.split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1)).getUTCDay()] ?? 'MON';
}

export function isWorkingDay(date: string, calendar: RegionCalendar): boolean {
  return calendar.workingDays.includes(weekdayOf(date)) && !calendar.closedDates.includes(date);
}

/** The first working day after `date`. */
export function nextWorkingDay(date: string, calendar: RegionCalendar): string {
  let next = addDays(date, 1);
  // A calendar has at least one working day a week; closed dates can push it further.
  for (let i = 0; i < 400 && !isWorkingDay(next, calendar); i++) next = addDays(next, 1);
  return next;
}

/** The region's calendar: the fleet-wide one with the region's own fields over it. */
export function calendarOf(region: string, fleet: Pick<FleetConfig, 'calendar' | 'regions'>): RegionCalendar {
  const own = ownEntry(fleet.regions, region)?.calendar;
  return own ? { ...fleet.calendar, ...own } : fleet.calendar;
}

/**
 * Contract §3a: the local date of the window's start; without a window, SAME_DAY → the day it was
 * received, NEXT_DAY and ECONOMY → the next working day after it.
 */
export function serviceDateFor(
  shipment: Pick<ShipmentBody, 'serviceLevel' | 'timeWindow'>,
  receivedAtMs: number,
  calendar: RegionCalendar,
): string {
  if (shipment.timeWindow) return localDateOf(Date.parse(shipment.timeWindow.start), calendar.timeZone);
  const received = localDateOf(receivedAtMs, calendar.timeZone);
  return shipment.serviceLevel === 'SAME_DAY' ? received : nextWorkingDay(received, calendar);
}

/** A shift of local times on a service date, as epoch seconds; an end at or before the start is the next day. */
export function shiftOn(
  date: string,
  shift: { start: string; end: string },
  timeZone: string,
): { start: number; end: number } {
  const start = instantOf(date, shift.start, timeZone);
  let end = instantOf(date, shift.end, timeZone);
  if (end <= start) end = instantOf(addDays(date, 1), shift.end, timeZone);
  return { start: start / 1000, end: end / 1000 };
}

/** When the plan of a service date freezes (epoch ms): the cutoff's local time, `daysBefore` earlier. */
export function dispatchCutoffOf(date: string, calendar: RegionCalendar): number {
  return instantOf(
    addDays(date, -calendar.dispatchCutoff.daysBefore),
    calendar.dispatchCutoff.time,
    calendar.timeZone,
  );
}

/**
 * The checks of a time window that need the clock (contract §3a): it may not have ended already
 * nor start beyond the planning horizon. (A window ending before it starts is the schema's check.)
 */
export function timeWindowErrors(
  timeWindow: ShipmentBody['timeWindow'],
  nowMs: number,
  horizonDays: number,
): FieldError[] {
  if (!timeWindow) return [];
  const errors: FieldError[] = [];
  if (Date.parse(timeWindow.end) <= nowMs)
    errors.push({ field: 'timeWindow.end', message: `the window ended in the past (now is ${iso(nowMs)})` });
  const horizon = nowMs + horizonDays * DAY_MS;
  if (Date.parse(timeWindow.start) > horizon)
    errors.push({
      field: 'timeWindow.start',
      message: `the window starts after the planning horizon of ${horizonDays} days (${iso(horizon)})`,
    });
  return errors;
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (ms: number) => new Date(ms).toISOString();
