import { batchingModule } from './batching';
import { callbacksModule } from './callbacks';
import { reconciliationModule } from './reconciliation';
import type { LocalModule } from './types';

/**
 * Capability modules of the local runtime, started in this order after the API's own services.
 * Each is the local composition root of one capability (its pollers, timers and bus targets).
 */
export const LOCAL_MODULES: LocalModule[] = [batchingModule, callbacksModule, reconciliationModule];
