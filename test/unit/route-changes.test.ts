import { describe, expect, it } from 'vitest';
import { assignmentChanged } from '../../shared/domain/batching/route-changes';

const had = { vehicleId: 'D1-V1', routeId: 'R1', eta: '2026-11-27T09:00:00.000Z' };
const MIN = 60_000;

describe('assignmentChanged (contract §3a: what a re-plan tells the SCM)', () => {
  it('tells another vehicle or another route', () => {
    expect(assignmentChanged(had, { ...had, vehicleId: 'D1-V2' }, 15 * MIN)).toBe(true);
    expect(assignmentChanged(had, { ...had, routeId: 'R2' }, 15 * MIN)).toBe(true);
  });

  it('tells an ETA moved by more than the tolerance, either way, and not one within it', () => {
    expect(assignmentChanged(had, { ...had, eta: '2026-11-27T09:15:00.000Z' }, 15 * MIN)).toBe(false);
    expect(assignmentChanged(had, { ...had, eta: '2026-11-27T08:45:00.000Z' }, 15 * MIN)).toBe(false);
    expect(assignmentChanged(had, { ...had, eta: '2026-11-27T09:15:01.000Z' }, 15 * MIN)).toBe(true);
    expect(assignmentChanged(had, { ...had, eta: '2026-11-27T08:44:59.000Z' }, 15 * MIN)).toBe(true);
  });

  it('with tolerance 0 tells every ETA change; the same assignment is never told', () => {
    expect(assignmentChanged(had, { ...had, eta: '2026-11-27T09:00:01.000Z' }, 0)).toBe(true);
    expect(assignmentChanged(had, { ...had }, 0)).toBe(false);
  });

  it('an ETA that does not parse is a change, never silence', () => {
    expect(assignmentChanged(had, { ...had, eta: 'not a time' }, 15 * MIN)).toBe(true);
  });
});
