import { relayOutbox } from '../../shared/domain/use-cases/publish';
import { lambdaHandler } from '../../shared/runtime/lambda';
import { logger } from '../../shared/runtime/observability';
import { dependencies } from '../composition';

/**
 * Scheduled (every minute) backstop of the transactional outbox: publishes committed events whose
 * bus message was not sent because the writer died or the bus was unavailable.
 */
export const handler = lambdaHandler(async () => {
  const result = await relayOutbox(dependencies(), { batchSize: 500, graceMs: 30_000 });
  logger.info('outbox relay run', result);
  return result;
});
