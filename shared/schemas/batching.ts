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

/** The region's current plan, which URGENT shipments are inserted into. */
export const RegionPlan = z.object({
  region: z.string(),
  /** Optimistic-lock token. */
  revision: z.int().min(0),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Solver input and plan (shared/solver types), stored as JSON. */
  input: z.unknown(),
  plan: z.unknown(),
  /** routeId per vehicle of the plan. */
  routeIds: z.record(z.string(), z.string()),
  batchId: z.string(),
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
  /** Optimistic-lock token; 0 when nothing was booked yet. */
  revision: z.int().min(0),
  vehicles: z.record(z.string(), VehicleBooking),
});
export type FleetBookings = z.infer<typeof FleetBookings>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)');

export const FleetVehicle = z.strictObject({
  id: z.string().min(1),
  depotId: z.string().min(1),
  endDepotId: z.string().min(1).optional(),
  capacityWeightKg: z.number().positive(),
  capacityVolumeM3: z.number().positive().optional(),
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
  /** Hours a default vehicle is available from the planning time. */
  shiftHours: z.number().positive().max(24).default(12),
  fixedCost: z.number().min(0).default(50),
  costPerKm: z.number().min(0).default(1),
  costPerHour: z.number().min(0).default(30),
});
export type FleetDefaults = z.infer<typeof FleetDefaults>;

/** FLEET_CONFIG (contract §3): vehicles per region; a region without an entry gets the default fleet. */
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
        vehicles: z.array(FleetVehicle).min(1),
      }),
    )
    .default({}),
  defaults: FleetDefaults.default(FleetDefaults.parse({})),
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
