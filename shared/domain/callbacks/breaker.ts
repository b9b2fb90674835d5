import { CIRCUIT_CLOSED, CIRCUIT_OPENED, type CircuitEventDetail } from '../../schemas/callbacks';
import { ConcurrencyConflictError } from '../errors';
import type { CoreLogger, EventPublisher } from '../ports';
import type { BreakerStore, CallbackMetrics } from './ports';

/**
 * Circuit breaker per SCM endpoint (contract §4). Closed: attempts pass, consecutive unhealthy
 * answers are counted; at `failureThreshold` it opens. Open: no attempt is made and none is counted;
 * deliveries are held until `reopenAt`. Then the first delivery to ask becomes the one probe
 * (half-open, leased so a lost probe does not block the endpoint for ever); its healthy answer
 * closes the breaker, an unhealthy one opens it again.
 */
export interface BreakerState {
  endpoint: string;
  state: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  /** Epoch ms on the service clock: when an open breaker lets a probe through. */
  reopenAt?: number;
  /** The delivery (webhook-id) holding the half-open probe, and until when. */
  probeId?: string;
  probeLeaseUntil?: number;
  /** Optimistic-lock counter; 0 when nothing is stored yet. */
  rev: number;
}

export interface BreakerConfig {
  failureThreshold: number;
  openMs: number;
  /**
   * How long a half-open probe may take before another delivery may probe instead; deliveries
   * held behind a probe look again after this long. As long as the open period: a failed probe
   * reopens the breaker for that long anyway, so held deliveries wake once per period.
   */
  probeLeaseMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { failureThreshold: 5, openMs: 60_000, probeLeaseMs: 60_000 };

export const closedBreaker = (endpoint: string): BreakerState => ({
  endpoint,
  state: 'closed',
  consecutiveFailures: 0,
  rev: 0,
});

export type Permit =
  | { kind: 'pass' }
  | { kind: 'probe'; next?: BreakerState }
  | { kind: 'hold'; until: number };

/** May `deliveryId` make an attempt now? Pure: returns the state to write, if any. */
export function decidePermit(
  s: BreakerState,
  now: number,
  deliveryId: string,
  config: BreakerConfig,
): Permit {
  if (s.state === 'closed') return { kind: 'pass' };
  if (s.state === 'open') {
    const reopenAt = s.reopenAt ?? 0;
    if (now < reopenAt) return { kind: 'hold', until: reopenAt };
    return { kind: 'probe', next: takeProbe(s, now, deliveryId, config) };
  }
  if (s.probeId === deliveryId) return { kind: 'probe' };
  const leaseUntil = s.probeLeaseUntil ?? 0;
  if (now < leaseUntil) return { kind: 'hold', until: leaseUntil };
  return { kind: 'probe', next: takeProbe(s, now, deliveryId, config) };
}

function takeProbe(s: BreakerState, now: number, deliveryId: string, config: BreakerConfig): BreakerState {
  return {
    ...s,
    state: 'half_open',
    probeId: deliveryId,
    probeLeaseUntil: now + config.probeLeaseMs,
    rev: s.rev + 1,
  };
}

/** The permit as the caller sees it. */
export type Grant = { kind: 'pass' } | { kind: 'probe' } | { kind: 'hold'; until: number };

export type BreakerTransition = { next?: BreakerState; event?: 'opened' | 'closed' };

/** What an answer from the endpoint does to the breaker. Pure. */
export function afterAnswer(
  s: BreakerState,
  now: number,
  deliveryId: string,
  healthy: boolean,
  config: BreakerConfig,
): BreakerTransition {
  const base = { endpoint: s.endpoint, rev: s.rev + 1 };
  if (healthy) {
    if (s.state === 'closed' && s.consecutiveFailures === 0) return {};
    return {
      next: { ...base, state: 'closed', consecutiveFailures: 0 },
      ...(s.state === 'closed' ? {} : { event: 'closed' as const }),
    };
  }
  if (s.state === 'open') return {}; // a straggler that started before it opened: not counted
  if (s.state === 'half_open' && s.probeId !== deliveryId) return {};
  const failures = s.consecutiveFailures + 1;
  if (s.state === 'half_open' || failures >= config.failureThreshold) {
    return {
      next: { ...base, state: 'open', consecutiveFailures: failures, reopenAt: now + config.openMs },
      event: 'opened',
    };
  }
  return { next: { ...s, consecutiveFailures: failures, rev: s.rev + 1 } };
}

/**
 * What this process knows about each endpoint's breaker: until when no attempt can pass (open until
 * its reopen time, or half-open with another delivery's probe until the probe lease ends). Nothing
 * can pass before then, so a delivery held on this knowledge is held correctly without reading the
 * table; and permit decisions for one endpoint are taken one at a time in this process, so when a
 * thousand held deliveries wake together, one reads the table (and probes) and the rest are held
 * on what it learned. A Lambda container keeps this between invocations.
 */
export class BreakerMemory {
  private readonly holds = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();

  heldUntil(endpoint: string, now: number): number | undefined {
    const until = this.holds.get(endpoint);
    if (until === undefined) return undefined;
    if (now < until) return until;
    this.holds.delete(endpoint);
    return undefined;
  }

  remember(endpoint: string, until: number): void {
    this.holds.set(endpoint, until);
  }

  forget(endpoint: string): void {
    this.holds.delete(endpoint);
  }

  /** Runs `fn` after every earlier call for the same endpoint has finished. */
  async exclusive<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(endpoint) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.queues.set(endpoint, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.queues.get(endpoint) === tail) this.queues.delete(endpoint);
    }
  }
}

export interface BreakerDeps {
  breakers: BreakerStore;
  breakerMemory?: BreakerMemory;
  publisher: EventPublisher;
  metrics: CallbackMetrics;
  logger: CoreLogger;
  clock: { now(): number };
}

const MAX_CONFLICTS = 20;

/** Asks the breaker for a permit, retrying the read-decide-write on a lost conditional write. */
export async function acquirePermit(
  deps: BreakerDeps,
  endpoint: string,
  deliveryId: string,
  config: BreakerConfig,
): Promise<Grant> {
  const memory = deps.breakerMemory;
  const decide = async (): Promise<Grant> => {
    const known = memory?.heldUntil(endpoint, deps.clock.now());
    if (known !== undefined) return { kind: 'hold', until: known };
    for (let i = 0; i < MAX_CONFLICTS; i++) {
      const current = await deps.breakers.get(endpoint);
      const now = deps.clock.now();
      const permit = decidePermit(current, now, deliveryId, config);
      if (permit.kind === 'hold') {
        memory?.remember(endpoint, permit.until);
        return permit;
      }
      if (permit.kind === 'pass' || !permit.next) return { kind: permit.kind };
      if (await deps.breakers.save(permit.next, current.rev)) {
        // Everyone else in this process waits for this probe's lease (or its answer).
        memory?.remember(endpoint, permit.next.probeLeaseUntil ?? now);
        deps.logger.info('circuit half-open: this delivery probes', { endpoint, webhookId: deliveryId });
        return { kind: 'probe' };
      }
    }
    throw new ConcurrencyConflictError(`breaker of ${endpoint} kept changing under ${deliveryId}`);
  };
  if (!memory) return decide();
  const known = memory.heldUntil(endpoint, deps.clock.now());
  if (known !== undefined) return { kind: 'hold', until: known };
  return memory.exclusive(endpoint, decide);
}

/** Applies an answer to the breaker; emits `callback.circuit_opened|closed` and the metric. */
export async function recordAnswer(
  deps: BreakerDeps,
  endpoint: string,
  deliveryId: string,
  healthy: boolean,
  config: BreakerConfig,
): Promise<BreakerTransition['event']> {
  for (let i = 0; i < MAX_CONFLICTS; i++) {
    const current = await deps.breakers.get(endpoint);
    const now = deps.clock.now();
    const transition = afterAnswer(current, now, deliveryId, healthy, config);
    if (!transition.next) return undefined;
    if (!(await deps.breakers.save(transition.next, current.rev))) continue;
    if (transition.next.state === 'open' && transition.next.reopenAt !== undefined) {
      deps.breakerMemory?.remember(endpoint, transition.next.reopenAt);
    } else if (transition.next.state === 'closed') deps.breakerMemory?.forget(endpoint);
    if (transition.event) await announce(deps, transition.next, transition.event, now);
    return transition.event;
  }
  throw new ConcurrencyConflictError(`breaker of ${endpoint} kept changing under ${deliveryId}`);
}

async function announce(deps: BreakerDeps, s: BreakerState, event: 'opened' | 'closed', now: number) {
  const detail: CircuitEventDetail = {
    endpoint: s.endpoint,
    state: event === 'opened' ? 'open' : 'closed',
    consecutiveFailures: s.consecutiveFailures,
    ...(s.reopenAt !== undefined && event === 'opened'
      ? { reopenAt: new Date(s.reopenAt).toISOString() }
      : {}),
    occurredAt: new Date(now).toISOString(),
  };
  deps.metrics.count(event === 'opened' ? 'CircuitOpened' : 'CircuitClosed');
  deps.metrics.count('CircuitState', event === 'opened' ? 1 : 0, { endpoint: s.endpoint });
  const log = event === 'opened' ? deps.logger.warn : deps.logger.info;
  log.call(deps.logger, `circuit ${event}`, { ...detail });
  try {
    await deps.publisher.publish([
      { detailType: event === 'opened' ? CIRCUIT_OPENED : CIRCUIT_CLOSED, detail },
    ]);
  } catch (error) {
    // The breaker state is stored; the metric and its alarm still fire. The event is best effort.
    deps.logger.warn('circuit event not published', { endpoint: s.endpoint, error: String(error) });
  }
}
