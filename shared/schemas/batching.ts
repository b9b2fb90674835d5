import { z } from 'zod';
import { Priority } from './shipment';

/**
 * A per-region, per-priority collection window (contract §3). FAILED: its optimization was given up
 * (the job failed on every receive, or was re-sent too often); its shipments were released with the reason.
 */
export const WindowStatus = z.enum(['OPEN', 'CLOSING', 'CLOSED', 'FAILED']);
export type WindowStatus = z.infer<typeof WindowStatus>;

export const BatchWindow = z.strictObject({
  windowId: z.string(),
  priority: Priority,
  region: z.string(),
  status: WindowStatus,
  openedAt: z.iso.datetime({ offset: true }),
  closesAt: z.iso.datetime({ offset: true }),
  /** Slots taken (a duplicate add does not take one). */
  count: z.int().min(0),
  closedAt: z.iso.datetime({ offset: true }).optional(),
  closeReason: z.enum(['due', 'full']).optional(),
  /** Optimizer runs that started on this window (each receive of its job). */
  attempts: z.int().min(0).optional(),
  /** Times the scheduler tick sent its job again because no optimizer was working on it. */
  resends: z.int().min(0).optional(),
  /** The last error an optimizer run of this window ended with. */
  lastError: z.string().optional(),
  failedAt: z.iso.datetime({ offset: true }).optional(),
  failureReason: z.string().optional(),
});
export type BatchWindow = z.infer<typeof BatchWindow>;

export const WindowMember = z.strictObject({
  shipmentId: z.string(),
  version: z.int().min(1),
  addedAt: z.string(),
});
export type WindowMember = z.infer<typeof WindowMember>;

/** Work item of the batch optimizer queue: one closed window. */
export const BatchJob = z.strictObject({ windowId: z.string(), priority: Priority, region: z.string() });
export type BatchJob = z.infer<typeof BatchJob>;

export const RouteStop = z.strictObject({
  shipmentId: z.string(),
  version: z.int().min(1),
  sequence: z.int().min(1),
  eta: z.iso.datetime({ offset: true }),
  departure: z.iso.datetime({ offset: true }),
  destination: z.strictObject({ lat: z.number(), lon: z.number() }),
});

/** One optimized route (GET /v1/routes/{routeId}). */
export const RouteRecord = z.strictObject({
  routeId: z.string(),
  batchId: z.string(),
  region: z.string(),
  vehicleId: z.string(),
  depotId: z.string(),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  distanceMeters: z.number().min(0),
  durationSeconds: z.number().min(0),
  cost: z.number(),
  stops: z.array(RouteStop),
  createdAt: z.iso.datetime({ offset: true }),
});
export type RouteRecord = z.infer<typeof RouteRecord>;

/** What one optimization run did, with its consolidation gain. */
export const BatchRecord = z.strictObject({
  batchId: z.string(),
  kind: z.enum(['window', 'realtime']),
  windowId: z.string().optional(),
  region: z.string(),
  priority: Priority,
  /** The service dates the batch planned (contract §3a); absent in batches recorded before them. */
  serviceDates: z.array(z.string()).optional(),
  /** The revision of each day's plan this batch wrote, with the plan's totals after it. */
  plans: z
    .array(
      z.strictObject({
        serviceDate: z.string(),
        revision: z.int().min(1),
        distanceMeters: z.number().min(0),
        cost: z.number(),
        stops: z.int().min(0),
      }),
    )
    .optional(),
  shipmentIds: z.array(z.string()),
  routeIds: z.array(z.string()),
  optimized: z.int().min(0),
  stale: z.array(z.string()),
  unassigned: z.array(z.strictObject({ shipmentId: z.string(), reason: z.string() })),
  distanceMeters: z.number().min(0),
  /** The distance the same shipments would need if each were routed alone. */
  soloDistanceMeters: z.number().min(0),
  /** 1 - distance / solo distance, in percent. */
  consolidationGainPct: z.number(),
  vehiclesUsed: z.int().min(0),
  solverSeconds: z.number().min(0),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
});
export type BatchRecord = z.infer<typeof BatchRecord>;

/** The current plan of a region and service date, which URGENT shipments are inserted into. */
export const RegionPlan = z.object({
  region: z.string(),
  /** The local date the plan's routes are driven on (absent in plans written before service dates). */
  serviceDate: z.string().optional(),
  /** Optimistic-lock token. */
  revision: z.int().min(0),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Solver input and plan (shared/solver types), stored as JSON. */
  input: z.unknown(),
  plan: z.unknown(),
  /** routeId per vehicle of the plan. */
  routeIds: z.record(z.string(), z.string()),
  batchId: z.string(),
  /**
   * Routes of the day that have left and are no longer re-planned (epoch seconds): their vehicle is
   * free again from `end` for another route.
   */
  dispatched: z
    .array(z.object({ vehicleId: z.string(), routeId: z.string(), start: z.number(), end: z.number() }))
    .optional(),
  /** The shipment version of each stop of the plan. */
  versions: z.record(z.string(), z.int().min(1)).optional(),
  /** When its first revision was written (absent in plans written before the dispatch cutoff). */
  createdAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * When the plan froze at its dispatch cutoff (contract §3a): its shipments no longer move, a
   * later one is only inserted between them or left unassigned `after_cutoff`.
   */
  frozenAt: z.iso.datetime({ offset: true }).optional(),
});
export type RegionPlan = z.infer<typeof RegionPlan>;

/**
 * Until when each vehicle of a region with a configured fleet is booked (epoch seconds), so that
 * consecutive windows, the two priorities and URGENT insertions never give a vehicle two
 * overlapping routes. `previous` is the booking a window replaced: a re-run of that window ignores
 * its own booking and falls back to it.
 */
export const VehicleBooking = z.object({
  until: z.number(),
  previous: z.number(),
  windowId: z.string().optional(),
  batchId: z.string(),
});
export type VehicleBooking = z.infer<typeof VehicleBooking>;

export const FleetBookings = z.object({
  region: z.string(),
  /** Bookings are per service date: a vehicle works one shift a day. */
  serviceDate: z.string().optional(),
  /** Optimistic-lock token; 0 when nothing was booked yet. */
  revision: z.int().min(0),
  vehicles: z.record(z.string(), VehicleBooking),
});
export type FleetBookings = z.infer<typeof FleetBookings>;

/** A local time of day in the region's time zone; `24:00` is the end of the day. */
const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM, local time (00:00-24:00)');

export const Weekday = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
export type Weekday = z.infer<typeof Weekday>;

/** A local date, YYYY-MM-DD. */
export const LocalDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD');

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Stockholm');

/** When a plan for a service date stops changing: `time` local, `daysBefore` the service date. */
export const DispatchCutoff = z.strictObject({
  time: hhmm,
  daysBefore: z.int().min(0).max(7),
});

/**
 * A region's calendar (contract §3a): its time zone, the days it delivers, dates it is closed,
 * and the dispatch cutoff of a plan. Shifts and service dates are local to `timeZone`.
 */
export const RegionCalendar = z.strictObject({
  timeZone: TimeZone.default('UTC'),
  workingDays: z.array(Weekday).min(1).default(['MON', 'TUE', 'WED', 'THU', 'FRI']),
  closedDates: z.array(LocalDate).default([]),
  dispatchCutoff: DispatchCutoff.default({ time: '20:00', daysBefore: 1 }),
});
export type RegionCalendar = z.infer<typeof RegionCalendar>;

/** A region's own calendar fields, each over the fleet-wide `calendar`. */
export const RegionCalendarOverride = z.strictObject({
  timeZone: TimeZone.optional(),
  workingDays: z.array(Weekday).min(1).optional(),
  closedDates: z.array(LocalDate).optional(),
  dispatchCutoff: DispatchCutoff.optional(),
});

export const FleetVehicle = z.strictObject({
  /** Bookings are kept per vehicle id in a JSON object, where `__proto__` cannot be a key. */
  id: z
    .string()
    .min(1)
    .refine((id) => id !== '__proto__', '__proto__ cannot be a vehicle id'),
  depotId: z.string().min(1),
  endDepotId: z.string().min(1).optional(),
  capacityWeightKg: z.number().positive(),
  capacityVolumeM3: z.number().positive().optional(),
  /** Local times on the service date; an end at or before the start is on the next day. */
  shiftStart: hhmm,
  shiftEnd: hhmm,
  maxRouteHours: z.number().positive().optional(),
  fixedCost: z.number().min(0).default(50),
  costPerKm: z.number().min(0).default(1),
  costPerHour: z.number().min(0).default(30),
});
export type FleetVehicle = z.infer<typeof FleetVehicle>;

export const FleetDefaults = z.strictObject({
  vehiclesPerDepot: z.int().min(1).default(10),
  capacityWeightKg: z.number().positive().default(1000),
  capacityVolumeM3: z.number().positive().optional(),
  /** Local times of a default vehicle's shift on the service date (the whole day by default). */
  shiftStart: hhmm.default('00:00'),
  shiftEnd: hhmm.default('24:00'),
  /** Instead of `shiftEnd`: the shift lasts this many hours from `shiftStart`. */
  shiftHours: z.number().positive().max(24).optional(),
  fixedCost: z.number().min(0).default(50),
  costPerKm: z.number().min(0).default(1),
  costPerHour: z.number().min(0).default(30),
});
export type FleetDefaults = z.infer<typeof FleetDefaults>;

/**
 * FLEET_CONFIG (contract §3, §3a): vehicles and calendar per region; a region without vehicles gets
 * the default fleet, a region without a calendar the fleet-wide one.
 */
export const FleetConfig = z.strictObject({
  regions: z
    .record(
      z.string(),
      z.strictObject({
        depots: z
          .array(
            z.strictObject({
              id: z.string(),
              lat: z.number().min(-90).max(90),
              lon: z.number().min(-180).max(180),
            }),
          )
          .default([]),
        /** Absent: the default fleet, on this region's calendar. */
        vehicles: z.array(FleetVehicle).min(1).optional(),
        calendar: RegionCalendarOverride.optional(),
      }),
    )
    .default({}),
  defaults: FleetDefaults.default(FleetDefaults.parse({})),
  /** Every region's calendar, unless the region overrides a field. */
  calendar: RegionCalendar.default(RegionCalendar.parse({})),
  /** How re-plans treat what the SCM was already told (contract §3a). */
  replan: z
    .strictObject({
      /**
       * Cost units (those of a vehicle's fixedCost / costPerKm / costPerHour) a re-plan pays for each
       * shipment it moves to another vehicle or route than the one the SCM has: a move is made only
       * when it gains more. 0 = moves are free. Reordering on the same route is free. The default
       * (2) is the sweep of docs/benchmarks.md "Pipeline: the move penalty": 1.03x the whole-day
       * distance against 1.23x at 10, for about one more callback per shipment.
       */
      movePenalty: z.number().min(0).max(1e6).default(2),
      /** An ETA that moves by more than this (minutes) is told to the SCM (shipment.route_updated). */
      etaToleranceMinutes: z.number().min(0).max(1440).default(15),
      /**
       * false: until a plan's dispatch cutoff, a re-plan that only moves a shipment's ETA (same
       * vehicle, same route) tells the SCM nothing; the final callback at the cutoff carries the
       * ETA. A move to another vehicle or route is told as always. Plans without a cutoff ahead
       * (SAME_DAY, or frozen) tell ETA changes beyond the tolerance either way.
       */
      etaUpdatesBeforeCutoff: z.boolean().default(true),
      /**
       * false: until a plan's dispatch cutoff the SCM is sent no assignment of it at all (no
       * route_optimized, no route_updated); at the cutoff each shipment gets one callback,
       * `shipment.route_optimized` with `final: true`. Re-plans then move shipments freely (the
       * SCM has nothing to un-learn: no move penalty). `shipment.unassigned` is sent at once as
       * always, and plans without a cutoff ahead (SAME_DAY, frozen) are told as they change.
       */
      callbacksBeforeCutoff: z.boolean().default(true),
      /**
       * A plan of more stops than this is re-planned in neighbourhoods of the new shipments of at
       * most this many stops each, not whole: each search builds the matrix of its stops only
       * (stops², pairs a billed matrix provider may charge for) and stays within the batch budget
       * however large the day grows. 400 (the default) converges within a 30 s budget; 1,000 made
       * plans of up to 1,000 stops worse (searched whole) — docs/benchmarks.md, "Plan growth: the
       * neighbourhood bound".
       */
      neighbourhoodStops: z.int().min(50).max(5000).default(400),
      /**
       * Stops a rotation slice may hold (each depot's routes by angle, never two depots in one
       * slice; the budget the new shipments' search leaves is shared by up to 4 slices). A plan
       * whose depots hold fewer stops than this is rotated a depot at a time. 1,000 (the default):
       * docs/benchmarks.md, "Plan growth: the neighbourhood bound".
       */
      rotationSliceStops: z.int().min(50).max(5000).default(1000),
    })
    .default({
      movePenalty: 2,
      etaToleranceMinutes: 15,
      etaUpdatesBeforeCutoff: true,
      callbacksBeforeCutoff: true,
      neighbourhoodStops: 400,
      rotationSliceStops: 1000,
    }),
  /**
   * An ECONOMY shipment without a time window whose day is full (no vehicle, capacity or shift
   * time left on it) moves to the next working day, at most this many times (contract §3a); 0 =
   * never moves.
   */
  economySpillDays: z.int().min(0).max(14).default(2),
  /** A time window may start at most this many days ahead (contract §3a). */
  planningHorizonDays: z.int().min(1).max(366).default(14),
  /** Road distance per great-circle distance, and average speed. */
  roadFactor: z.number().min(1).max(3).default(1.3),
  speedKmh: z.number().positive().max(150).default(40),
});
export type FleetConfig = z.infer<typeof FleetConfig>;

/** Batching settings (environment), per priority where the contract says so. */
/** The batch optimizer's Lambda timeout beyond its budget: room for reads, writes and events. */
export const OPTIMIZER_SLACK_SECONDS = 60;

export const BatchingSettings = z.strictObject({
  windowMs: z.record(Priority, z.int().positive()),
  maxBatchSize: z.int().min(1).max(500),
  batchBudgetMs: z.int().min(100).max(60_000),
  /** The engine stops early after this many iterations without improvement (small batches finish fast). */
  batchStallIterations: z.int().min(1),
  urgentBudgetMs: z.int().min(1).max(10_000),
  /** How long the engine may repair around a real-time insertion (within the budget). */
  realtimeRepairMs: z.int().min(1).max(10_000),
  /**
   * Clock time an idle vehicle that takes an URGENT shipment waits before it leaves its depot: the
   * URGENT shipments of that depot arriving meanwhile can join it (one vehicle each used the
   * default fleet up within minutes).
   */
  urgentDispatchLeadMs: z.int().min(0),
  maxConcurrentPerPriority: z.int().min(1),
  /**
   * A window CLOSING for longer than this (clock time) with no optimizer run has its job sent again,
   * at growing intervals (this, twice this, four times...), at most `maxWindowResends` times.
   */
  stuckWindowMs: z.int().positive(),
  /** Re-sends of a stuck window's job before the window is given up (FAILED). */
  maxWindowResends: z.int().min(0),
  /**
   * When a failed run's job comes back (the job queue's visibility timeout, clock time): the tick
   * does not re-send a job that SQS still retries, so a failing job is never duplicated.
   */
  jobRetryMs: z.int().positive(),
  /**
   * How long an optimization holds its region's lease (clock time): at least the longest run, so a
   * job sent again meanwhile waits instead of optimizing the same window a second time.
   */
  optimizeLeaseMs: z.int().positive(),
  /** A shipment left unassigned this many windows in a row is not re-queued again. */
  maxUnassignedWindows: z.int().min(1),
});
export type BatchingSettings = z.infer<typeof BatchingSettings>;
