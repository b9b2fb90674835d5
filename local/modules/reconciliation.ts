import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../shared/runtime/observability';
import { CALLBACKS_DESCRIPTOR, type CallbacksDescriptor } from './callbacks';
import type { LocalModule } from './types';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

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
    // Daily: the comparison with the SCM listing, once per service day (when an SCM is configured).
    const daily = process.env.SCM_BASE_URL
      ? (async () => {
          const { dailyReconcileDependencies } = await import('../../functions/schedule/reconcile');
          const { reconcileDaily } = await import('../../shared/domain/operations/reconcile-daily');
          const dailyDeps = dailyReconcileDependencies();
          while (!abort.signal.aborted) {
            try {
              await ctx.clock.sleep(DAY, abort.signal);
            } catch {
              return; // stopped
            }
            await reconcileDaily(dailyDeps, { runId: randomUUID() }).catch((error: unknown) =>
              logger.error('daily reconciliation run failed', { error: error as Error }),
            );
          }
        })()
      : Promise.resolve();
    const loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await ctx.clock.sleep(HOUR, abort.signal);
        } catch {
          return; // stopped
        }
        await reconcileHourly(deps, { runId: randomUUID() }).catch((error: unknown) =>
          logger.error('reconciliation run failed', { error: error as Error }),
        );
      }
    })();
    return {
      banner: [
        `reconcile hourly on the service clock (every ${Math.round(3600 / ctx.timeScale)} s here)   npm run reconcile -- --hourly [--dry-run] [--json]`,
        process.env.SCM_BASE_URL
          ? `reconcile daily against ${process.env.SCM_BASE_URL} (every ${Math.round(86_400 / ctx.timeScale)} s here)   npm run reconcile -- --daily [--dry-run] [--json]`
          : 'reconcile daily: off (no SCM_BASE_URL)',
      ],
      async stop() {
        abort.abort();
        await Promise.all([loop, daily]);
      },
    };
  },
};
