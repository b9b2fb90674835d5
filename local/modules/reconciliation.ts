import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../shared/runtime/observability';
import { CALLBACKS_DESCRIPTOR, type CallbacksDescriptor } from './callbacks';
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
      ],
      async stop() {
        abort.abort();
        await loop;
      },
    };
  },
};
