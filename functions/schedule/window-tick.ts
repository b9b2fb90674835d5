import { closeDueWindows } from '../../shared/domain/batching/windows';
import { lambdaHandler } from '../../shared/runtime/lambda';
import { logger } from '../../shared/runtime/observability';
import { dependencies } from '../composition';

/**
 * The scheduler tick (EventBridge Scheduler, every minute): closes due windows and re-sends the
 * job of any window stuck in CLOSING. Windows of 10 minutes need this: an SQS event source batches
 * for at most 300 s.
 */
export const windowTick = async () => {
  const result = await closeDueWindows(dependencies());
  if (result.closed || result.resent) logger.info('window tick', result);
  else logger.debug('window tick', result);
  return result;
};

/** The Lambda entry point; the local runtime calls windowTick itself (no Lambda context to reset). */
export const handler = lambdaHandler(windowTick);
