import type {
  BatchJob,
  BatchRecord,
  BatchWindow,
  FleetBookings,
  RegionPlan,
  RouteRecord,
  WindowMember,
} from '../../schemas/batching';
import type { Priority } from '../../schemas/shipment';

export interface WindowKey {
  priority: Priority;
  region: string;
}

export interface AddMemberResult {
  window: BatchWindow;
  /** False when the shipment (same version) was already a member: a duplicate delivery. */
  added: boolean;
  /** The add took the last slot: the window must close now. */
  full: boolean;
}

/** Windows with their members; every state change is a conditional write. */
export interface WindowStore {
  addMember(
    key: WindowKey,
    member: { shipmentId: string; version: number },
    options: { now: string; closesAt: string; maxSize: number; newWindowId: () => string },
  ): Promise<AddMemberResult>;
  get(windowId: string): Promise<BatchWindow | undefined>;
  members(windowId: string): Promise<WindowMember[]>;
  /** OPEN windows whose closesAt <= now. */
  dueWindows(now: string, limit: number): Promise<BatchWindow[]>;
  /**
   * CLOSING windows last looked at before `claimedBefore` (their job may be lost): claimed then,
   * or pushed back by `recordAttempt` / `recordResend`.
   */
  closingWindows(claimedBefore: string, limit: number): Promise<BatchWindow[]>;
  /**
   * An optimizer run starts on a CLOSING window: counts it, and the window counts as looked at
   * until `busyUntil` (the tick leaves it alone until then plus the stuck time).
   */
  recordAttempt(windowId: string, busyUntil: string): Promise<void>;
  /** Keeps the last error of a run (best effort, for the reason shown when the window is given up). */
  recordError(windowId: string, message: string): Promise<void>;
  /**
   * The tick re-sends the job of a CLOSING window: its count becomes `resends` (from `resends - 1`,
   * one winner) and it counts as looked at until `busyUntil`. False when another tick won.
   */
  recordResend(windowId: string, resends: number, busyUntil: string): Promise<boolean>;
  /** CLOSING → FAILED with the reason; exactly one caller wins (true). */
  markFailed(windowId: string, reason: string, now: string): Promise<boolean>;
  /** OPEN → CLOSING; exactly one caller wins, the others get undefined. */
  claim(windowId: string, reason: 'due' | 'full', now: string): Promise<BatchWindow | undefined>;
  markClosed(windowId: string, now: string): Promise<void>;
}

export interface BatchStore {
  putBatch(record: BatchRecord): Promise<void>;
  getBatch(batchId: string): Promise<BatchRecord | undefined>;
  listBatches(region: string, options?: { limit?: number }): Promise<BatchRecord[]>;
  putRoutes(routes: RouteRecord[]): Promise<void>;
  getRoute(routeId: string): Promise<RouteRecord | undefined>;
  /** The current plan of a region for one service date. */
  getRegionPlan(region: string, serviceDate: string): Promise<RegionPlan | undefined>;
  /** Writes the plan if the stored revision is still `plan.revision - 1`; false when another writer won. */
  putRegionPlan(plan: RegionPlan): Promise<boolean>;
  /** The regions that have a plan for this service date. */
  planRegions(serviceDate: string): Promise<string[]>;
  /** The region's vehicle bookings on a service date (revision 0 and none when nothing was booked yet). */
  getBookings(region: string, serviceDate: string): Promise<FleetBookings>;
  /** Writes the bookings if the stored revision is still `bookings.revision - 1`; false otherwise. */
  putBookings(bookings: FleetBookings): Promise<boolean>;
}

/** A lease: at most one holder per name until it is released or expires. */
export interface LeaseLock {
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

export interface JobQueue {
  /** `delaySeconds` (wall time, at most 900): the job is not received before then. */
  enqueue(job: BatchJob, options?: { delaySeconds?: number }): Promise<void>;
}
