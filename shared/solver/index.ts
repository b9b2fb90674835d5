/**
 * Route-optimization engine: multi-depot VRP with time windows, heterogeneous fleet and
 * vehicle/shipment compatibility, solved by SISR ruin-and-recreate (see docs/adr/0002-solver-algorithm.md).
 * Pure TypeScript: no AWS, middy or Powertools, no HTTP (matrix providers are in shared/adapters).
 */
export { summarize } from './api/build';
export { ProblemValidationError } from './api/errors';
export { insertShipment } from './api/insert';
export { greatCircleMatrix, UNREACHABLE } from './api/matrix';
export { type BlockLimits, type BlockRange, planBlocks, readBlock, runLimited } from './api/matrix-blocks';
export { type CachedMatrixOptions, cachedMatrix, type MatrixCacheStats } from './api/matrix-cache';
export {
  type MatrixFallbackEvent,
  type MatrixFallbackOptions,
  MatrixTimeoutError,
  withFallback,
} from './api/matrix-fallback';
export { planRoutes, soloDistanceMeters } from './api/plan';
export type {
  DepotInput,
  FrozenPlan,
  GeoPoint,
  InsertResult,
  MatrixPort,
  MatrixResult,
  MatrixValues,
  PlannedRoute,
  PlannedStop,
  RoutingInput,
  RoutingPlan,
  ShipmentJobInput,
  SolveOptions,
  UnassignedReason,
  VehicleInput,
} from './api/types';
export { validateInput } from './api/validate';
export { createProblem, type Problem, type ProblemData } from './model/problem';
export { type CoreSolution, type CoreSolveOptions, solveProblem } from './solve';
export { prewarmSolverWorkers, shutdownSolverWorkers, solveInWorker } from './worker/solve-in-worker';
