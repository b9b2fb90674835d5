import { describe, expect, it } from 'vitest';
import { batchingSettings } from '../../functions/composition';
import { OPTIMIZER_SLACK_SECONDS } from '../../shared/schemas/batching';
import { parseEnvironment } from '../../shared/schemas/environment';

const env = (extra: Record<string, string> = {}) =>
  parseEnvironment({
    SHIPMENTS_TABLE: 's',
    IDEMPOTENCY_TABLE: 'i',
    EVENT_BUS_NAME: 'b',
    BATCHING_TABLE: 't',
    ...extra,
  });

describe('batching settings from the environment', () => {
  it('in AWS: a 30 s solver budget and a region lease as long as the optimizer may run', () => {
    const s = batchingSettings(env());
    expect(s.batchBudgetMs).toBe(30_000);
    expect(s.windowMs.STANDARD).toBe(600_000);
    expect(s.optimizeLeaseMs).toBe((30 + OPTIMIZER_SLACK_SECONDS) * 1000);
    // A window closing for 3 minutes with no optimizer run has its job sent again.
    expect(s.stuckWindowMs).toBe(180_000);
  });

  it('on a clock scaled by TIME_SCALE: windows shrink, the wall-time budget shrinks, the lease outlasts a run', () => {
    const s = batchingSettings(env({ TIME_SCALE: '60' }));
    expect(s.batchBudgetMs).toBe(500);
    // The lease is clock time; the run it protects takes wall time (up to the optimizer timeout).
    const longestRunWallMs = (30 + OPTIMIZER_SLACK_SECONDS) * 1000;
    expect(s.optimizeLeaseMs / 60).toBeGreaterThanOrEqual(longestRunWallMs);
    // A window waiting its turn behind others is not "stuck" after 3 s of wall time: the stuck
    // time is the same 3 minutes of wall time, as clock time.
    expect(s.stuckWindowMs / 60).toBe(180_000);
  });
});
