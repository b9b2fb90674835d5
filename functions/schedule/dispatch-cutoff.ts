import { DISPATCH_CUTOFF_EVERY_MINUTES, freezeDuePlans } from '../../shared/domain/batching/cutoff';
import { lambdaHandler } from '../../shared/runtime/lambda';
import { logger } from '../../shared/runtime/observability';
import { dependencies } from '../composition';

export { DISPATCH_CUTOFF_EVERY_MINUTES };

/**
 * The dispatch cutoff tick (contract §3a): freezes every plan whose cutoff has passed and sends the
 * final callbacks still missing. Idempotent: a duplicate or overlapping invocation sends nothing twice.
 */
export const cutoffTick = async () => {
  const report = await freezeDuePlans(dependencies());
  logger.debug('dispatch cutoff tick', { ...report });
  return report;
};

/** The Lambda entry point; the local runtime calls cutoffTick itself (no Lambda context to reset). */
export const handler = lambdaHandler(cutoffTick);
