import { closeDueWindows } from '../../shared/domain/batching/windows';
import { logger } from '../../shared/runtime/observability';
import { dependencies } from '../dependencies';

/**
 * The scheduler tick (EventBridge Scheduler, every minute): closes due windows and re-sends the
 * job of any window stuck in CLOSING. Windows of 10 minutes need this: an SQS event source batches
 * for at most 300 s.
 */
export const handler = async () => {
  const result = await closeDueWindows(dependencies());
  if (result.closed || result.resent) logger.info('window tick', result);
  else logger.debug('window tick', result);
  return result;
};
