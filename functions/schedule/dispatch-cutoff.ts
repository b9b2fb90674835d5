import { DISPATCH_CUTOFF_EVERY_MINUTES, freezeDuePlans } from '../../shared/domain/batching/cutoff';
import { logger } from '../../shared/runtime/observability';
import { dependencies } from '../dependencies';

export { DISPATCH_CUTOFF_EVERY_MINUTES };

/**
 * The dispatch cutoff tick (contract §3a): freezes every plan whose cutoff has passed and sends the
 * final callbacks still missing. Idempotent: a duplicate or overlapping invocation sends nothing twice.
 */
export const handler = async () => {
  const report = await freezeDuePlans(dependencies());
  logger.debug('dispatch cutoff tick', { ...report });
  return report;
};
