import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../shared/runtime/observability';
import { CALLBACKS_DESCRIPTOR, type CallbacksDescriptor } from './callbacks';
import { DAILY_RECONCILIATION_UTC, nextDailyAt, onSchedule } from './schedule';
import type { LocalModule } from './types';

const HOUR = 3600_000;

/**
 * The hourly reconciliation, locally: the same function as the scheduled Lambda, every hour of the
 * service clock (a minute at TIME_SCALE=60), restarting stuck deliveries on the local state machine.
 */
export const reconciliationModule: LocalModule = {
  name: 'reconciliation',
  async start(ctx) {
    const callbacks = JSON.parse(
      readFileSync(join(ctx.dataDir, CALLBACKS_DESCRIPTOR), 'utf8'),
    ) as CallbacksDescriptor;
    ctx.setEnv({
      CALLBACK_STATE_MACHINE_ARN: callbacks.stateMachineArn,
      STEPFUNCTIONS_ENDPOINT: callbacks.stepFunctionsEndpoint,
    });
    const { reconcileDependencies } = await import('../../functions/schedule/reconcile');
    const { reconcileHourly } = await import('../../shared/domain/operations/reconcile');
    const deps = reconcileDependencies();
    const abort = new AbortController();
    const onError = (what: string) => (error: unknown) => logger.error(what, { error: error as Error });
    // Daily: the comparison with the SCM listing at 03:30 UTC of each service day, as the AWS
    // schedule (when an SCM is configured).
    const daily = process.env.SCM_BASE_URL
      ? (async () => {
          const { dailyReconcileDependencies } = await import('../../functions/schedule/reconcile');
          const { reconcileDaily } = await import('../../shared/domain/operations/reconcile-daily');
          const dailyDeps = dailyReconcileDependencies();
          await onSchedule(
            ctx.clock,
            (now) => nextDailyAt(now, DAILY_RECONCILIATION_UTC),
            abort.signal,
            () => reconcileDaily(dailyDeps, { runId: randomUUID() }),
            onError('daily reconciliation run failed'),
          );
        })()
      : Promise.resolve();
    // Hourly: every hour of the service clock from the start.
    const loop = onSchedule(
      ctx.clock,
      (now) => now + HOUR,
      abort.signal,
      () => reconcileHourly(deps, { runId: randomUUID() }),
      onError('reconciliation run failed'),
    );
    return {
      banner: [
        `reconcile hourly on the service clock (every ${Math.round(3600 / ctx.timeScale)} s here)   npm run reconcile -- --hourly [--dry-run] [--json]`,
        process.env.SCM_BASE_URL
          ? `reconcile daily against ${process.env.SCM_BASE_URL} at 03:30 UTC of each service day (a day is ${Math.round(86_400 / ctx.timeScale)} s here)   npm run reconcile -- --daily [--dry-run] [--json]`
          : 'reconcile daily: off (no SCM_BASE_URL)',
      ],
      async stop() {
        abort.abort();
        await Promise.all([loop, daily]);
      },
    };
  },
};
