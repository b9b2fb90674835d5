import { describe, expect, it } from 'vitest';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig, type RegionPlan } from '../../shared/schemas/batching';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/**
 * Contract §3a: ECONOMY freight without a time window is delivered on the next working day, and may
 * move to a later working day when its day is full. Received Thursday 26 November 2026 at 14:00 in
 * Stockholm: due Friday the 27th; the next working days are Monday 30 November and Tuesday 1 December.
 * One van of 100 kg takes two 40 kg parcels a day.
 */
const THURSDAY_1400 = Date.parse('2026-11-26T13:00:00Z');
const DEPOT = { id: 'STO-E', lat: 59.33, lon: 18.06 };

const fleet = (region: string, economySpillDays = 2) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    economySpillDays,
    regions: {
      [region]: {
        depots: [DEPOT],
        vehicles: [
          { id: 'VAN-1', depotId: DEPOT.id, capacityWeightKg: 100, shiftStart: '07:00', shiftEnd: '17:00' },
        ],
      },
    },
  });

let seq = 0;
function parcel(region: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  const body = sampleShipment({
    shipmentId: `EC-${region}-${seq}`,
    region,
    serviceLevel: 'ECONOMY',
    origin: { depotId: DEPOT.id, lat: DEPOT.lat, lon: DEPOT.lon },
    destination: { lat: 59.3 + (seq % 7) * 0.01, lon: 18.0 + (seq % 5) * 0.01 },
    weightKg: 40,
    ...overrides,
  });
  if (!('timeWindow' in overrides)) delete body.timeWindow;
  return body;
}

async function world(region: string, economySpillDays = 2) {
  const h = batchingDeps(dynamo.client, { fleet: fleet(region, economySpillDays) });
  h.deps.settings = { ...h.deps.settings, batchBudgetMs: 300 };
  await h.clock.advance(THURSDAY_1400 - h.clock.now());
  const detailOf = (s: ShipmentState) => announce(s, `evt-${s.shipmentId}-${s.revision}`, s.updatedAt);
  /** Puts the shipments (states) in the region's window, closes it and optimizes it. */
  const window = async (states: ShipmentState[]) => {
    for (const s of states) await enqueueShipment(detailOf(s), h.deps);
    await h.clock.advance(600_000);
    await closeDueWindows(h.deps);
    const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
    if (!job) throw new Error('no job');
    const outcome = await optimizeWindow(job, h.deps);
    if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.reason}`);
    return outcome.batch;
  };
  const submit = async (bodies: ShipmentBody[]) => {
    const out: ShipmentState[] = [];
    for (const body of bodies)
      out.push((await submitShipment({ body, correlationId: 'c', mode: 'create' }, h.deps)).state);
    return out;
  };
  const get = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await h.deps.store.get(id)) as ShipmentState));
  const planned = async (date: string) => {
    const plan: RegionPlan | undefined = await h.deps.batches.getRegionPlan(region, date);
    return ((plan?.plan as RoutingPlan | undefined)?.routes ?? []).flatMap((r) =>
      r.stops.map((s) => s.shipmentId),
    );
  };
  return { h, window, submit, get, planned };
}

describe('ECONOMY freight moves to the next working day when its day is full (contract §3a)', () => {
  it('a full Friday sends the rest to Monday, then Tuesday, at most economySpillDays times; GET shows the date', async () => {
    const region = 'spill-a';
    const w = await world(region);
    const states = await w.submit(Array.from({ length: 7 }, () => parcel(region)));
    expect(states.every((s) => s.serviceDate === '2026-11-27')).toBe(true);
    const ids = states.map((s) => s.shipmentId);

    await w.window(states);
    expect(await w.planned('2026-11-27')).toHaveLength(2);
    let now = await w.get(ids);
    const moved = now.filter((s) => s.status === 'QUEUED');
    expect(moved).toHaveLength(5);
    for (const s of moved) {
      // The weekend is skipped: Monday is the next working day.
      expect(s.serviceDate).toBe('2026-11-30');
      expect(s.serviceDateMoves).toBe(1);
      expect(s.statusReason).toMatch(
        /^economy: the plan of 2026-11-27 is full \(\w+\); moved to 2026-11-30, the next working day \(move 1 of at most 2\)$/,
      );
    }
    expect(now.filter((s) => s.status === 'OPTIMIZED')).toHaveLength(2);

    await w.window(moved);
    const monday = await w.planned('2026-11-30');
    expect(monday).toHaveLength(2);
    expect(monday.every((id) => moved.some((s) => s.shipmentId === id))).toBe(true);
    now = await w.get(ids);
    const tuesday = now.filter((s) => s.status === 'QUEUED');
    expect(tuesday).toHaveLength(3);
    expect(tuesday.every((s) => s.serviceDate === '2026-12-01' && s.serviceDateMoves === 2)).toBe(true);

    await w.window(tuesday);
    expect(await w.planned('2026-12-01')).toHaveLength(2);
    now = await w.get(ids);
    // Moved twice already: the last one stays on Tuesday and takes the unassigned path.
    const left = now.filter((s) => s.status === 'QUEUED');
    expect(left).toHaveLength(1);
    expect(left[0]?.serviceDate).toBe('2026-12-01');
    expect(left[0]?.serviceDateMoves).toBe(2);
    expect(left[0]?.unassignedWindows).toBe(1);
    expect(left[0]?.statusReason).toMatch(/^unassigned \(\w+\): re-queued for the next window$/);
    // Every planned one is on exactly one day's plan, on the date GET shows.
    for (const s of now.filter((x) => x.status === 'OPTIMIZED')) {
      expect(await w.planned(s.serviceDate as string)).toContain(s.shipmentId);
      expect(s.route?.vehicleId).toBe('VAN-1');
    }
  });

  it('ECONOMY with a time window, NEXT_DAY, and economySpillDays 0 never move', async () => {
    const region = 'spill-b';
    const w = await world(region);
    const windowed = parcel(region, {
      timeWindow: { start: '2026-11-27T08:00:00Z', end: '2026-11-27T14:00:00Z' },
    });
    const states = await w.submit([
      parcel(region),
      parcel(region),
      windowed,
      parcel(region, { serviceLevel: 'NEXT_DAY' }),
    ]);
    // ECONOMY is BULK, NEXT_DAY is STANDARD: two windows of the same day.
    await w.window(states.filter((s) => s.priority === 'BULK'));
    await w.window(states.filter((s) => s.priority === 'STANDARD'));
    const now = await w.get(states.map((s) => s.shipmentId));
    expect(await w.planned('2026-11-27')).toHaveLength(2);
    // The day is full: the NEXT_DAY one waits on its own date (the unassigned path), never moved.
    const nextDay = now.find((s) => s.shipment.serviceLevel === 'NEXT_DAY');
    expect(nextDay?.status).toBe('QUEUED');
    expect(nextDay?.serviceDate).toBe('2026-11-27');
    expect(nextDay?.serviceDateMoves).toBeUndefined();
    expect(nextDay?.statusReason).toMatch(/^unassigned/);
    // The windowed ECONOMY one is planned on its window's day or waits there, never moved.
    const pinned = now.find((s) => s.shipmentId === windowed.shipmentId);
    expect(pinned?.serviceDate).toBe('2026-11-27');
    expect(pinned?.serviceDateMoves).toBeUndefined();

    const never = await world('spill-c', 0);
    const three = await never.submit([parcel('spill-c'), parcel('spill-c'), parcel('spill-c')]);
    await never.window(three);
    const after = await never.get(three.map((s) => s.shipmentId));
    const waiting = after.filter((s) => s.status === 'QUEUED');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.serviceDate).toBe('2026-11-27');
    expect(waiting[0]?.statusReason).toMatch(/^unassigned/);
  });
});
