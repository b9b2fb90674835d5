import { SQSClient } from '@aws-sdk/client-sqs';
import type { ServiceDependencies } from '../../functions/composition';
import { DynamoLeaseLock } from '../../shared/adapters/dynamodb/lease-lock';
import { BATCH_JOB_QUEUES } from '../../shared/adapters/sqs/queues';
import type { Environment } from '../../shared/schemas/environment';
import { type SqsHandler, startQueuePoller } from '../services/queue-poller';
import { ensureQueue } from '../services/sqs';
import type { LocalModule } from './types';

/**
 * Windowed batching and the URGENT queue, locally: the same consumers and optimizer functions,
 * driven by SQS pollers (the local event source mappings) and a scheduler tick on the scaled clock.
 * LOCAL_CONSUMERS=off leaves the queues alone (tests that inspect them).
 */
export const batchingModule: LocalModule = {
  name: 'batching',
  async start(ctx) {
    const sqs = new SQSClient({ endpoint: ctx.endpoints.sqs, region: ctx.region });
    const jobQueues = await Promise.all(
      BATCH_JOB_QUEUES.map(async (def) => ({ def, urls: await ensureQueue(sqs, def, ctx.timeScale) })),
    );
    ctx.setEnv(Object.fromEntries(jobQueues.map(({ def, urls }) => [def.envVar, urls.url])));
    if (process.env.LOCAL_CONSUMERS === 'off') {
      return { stop: async () => sqs.destroy(), banner: ['batching  consumers off (LOCAL_CONSUMERS=off)'] };
    }

    const { windowConsumer, urgentConsumer } = await import('../../functions/queue/shipments');
    const { handler: batchJob } = await import('../../functions/queue/batch-jobs');
    const { windowTick: tick } = await import('../../functions/schedule/window-tick');
    const { dependencies } = await import('../../functions/composition');
    const { logger } = await import('../../shared/runtime/observability');
    const onError = (error: unknown) => logger.error('local poller failed', { error: error as Error });
    const concurrency = dependencies().settings.maxConcurrentPerPriority;
    await recoverAfterRestart(dependencies());

    const pollers = [
      startQueuePoller({
        sqs,
        name: 'UrgentConsumer',
        queueUrl: ctx.queues.p0.url,
        queueArn: ctx.queues.p0.arn,
        handler: urgentConsumer as SqsHandler,
        onError,
      }),
      startQueuePoller({
        sqs,
        name: 'StandardConsumer',
        queueUrl: ctx.queues.p1.url,
        queueArn: ctx.queues.p1.arn,
        handler: windowConsumer as SqsHandler,
        onError,
      }),
      startQueuePoller({
        sqs,
        name: 'BulkConsumer',
        queueUrl: ctx.queues.p2.url,
        queueArn: ctx.queues.p2.arn,
        handler: windowConsumer as SqsHandler,
        onError,
      }),
      ...jobQueues.map(({ def, urls }) =>
        startQueuePoller({
          sqs,
          name: `${def.id}Optimizer`,
          queueUrl: urls.url,
          queueArn: urls.arn,
          handler: batchJob as SqsHandler,
          batchSize: 1,
          concurrency,
          onError,
        }),
      ),
    ];

    // EventBridge Scheduler's minute tick, on the wall clock: windows close by the scaled clock.
    let ticking = true;
    const ticker = (async () => {
      while (ticking) {
        await new Promise((r) => setTimeout(r, 500));
        if (ticking) await tick().catch(onError);
      }
    })();

    // The dispatch cutoff (contract §3a) on the service clock, like the Lambda's schedule in AWS;
    // once at start too, so a plan whose cutoff passed while the runtime was down freezes now.
    const { cutoffTick, DISPATCH_CUTOFF_EVERY_MINUTES } = await import(
      '../../functions/schedule/dispatch-cutoff'
    );
    const cutoffStop = new AbortController();
    const cutoffLoop = (async () => {
      for (;;) {
        await cutoffTick().catch(onError);
        try {
          await ctx.clock.sleep(DISPATCH_CUTOFF_EVERY_MINUTES * 60_000, cutoffStop.signal);
        } catch {
          return; // stopped
        }
      }
    })();

    const { env } = dependencies();
    return {
      banner: [
        `batching  windows of ${env.WINDOW_MINUTES_STANDARD} min (STANDARD) / ${env.WINDOW_MINUTES_BULK} min (BULK), scaled by TIME_SCALE`,
        `routing   ${matrixSource(env)} (ROUTING_MATRIX)`,
        `cutoff    plans freeze at their dispatch cutoff, checked every ${DISPATCH_CUTOFF_EVERY_MINUTES} service minutes`,
      ],
      async stop() {
        ticking = false;
        cutoffStop.abort();
        await Promise.all([ticker, cutoffLoop]);
        await Promise.all(pollers.map((p) => p.stop()));
        sqs.destroy();
      },
    };
  },
};

/**
 * What a previous run of this runtime left behind when it stopped (or was killed): its region
 * leases (nothing of that run is optimizing any more, so nothing should wait for their expiry) and
 * the jobs of windows it had closed (the job queues live in memory).
 */
const ALL_CLOSING = '9999-12-31T23:59:59.999Z';

async function recoverAfterRestart(deps: ServiceDependencies): Promise<void> {
  const released = deps.locks instanceof DynamoLeaseLock ? await deps.locks.releaseAllLeases() : 0;
  // Every CLOSING window, also those whose next look by the tick was pushed later (its resend back-off).
  const closing = await deps.windows.closingWindows(ALL_CLOSING, 100);
  for (const window of closing) {
    await deps.jobs.enqueue({ windowId: window.windowId, priority: window.priority, region: window.region });
  }
  if (released > 0 || closing.length > 0) {
    deps.logger.info('batching recovered after a restart', {
      leasesReleased: released,
      jobsResent: closing.length,
    });
  }
}

/** Where distances come from, for the start banner. */
function matrixSource(env: Environment): string {
  if (env.ROUTING_MATRIX === 'osrm') return `OSRM table at ${env.OSRM_URL}`;
  if (env.ROUTING_MATRIX === 'amazon-location') {
    return `Amazon Location route matrix, ${env.AMAZON_LOCATION_TRAVEL_MODE}${env.AMAZON_LOCATION_ENDPOINT ? ` at ${env.AMAZON_LOCATION_ENDPOINT}` : ''}`;
  }
  return 'great-circle estimate';
}
