import type { BatchingSettings, FleetConfig } from '../../schemas/batching';
import type { MatrixPort, RoutingInput, RoutingPlan, SolveOptions } from '../../solver';
import type { ShipmentDeps } from '../use-cases/shipment-deps';
import type { BatchStore, JobQueue, LeaseLock, WindowStore } from './ports';

/** The routing engine as the batching use cases need it (shared/solver, or a fake in tests). */
export interface RoutingEngine {
  planRoutes(input: RoutingInput, options: SolveOptions): Promise<RoutingPlan>;
  soloDistanceMeters(input: RoutingInput, matrix?: MatrixPort): Promise<number>;
  insertShipment: typeof import('../../solver').insertShipment;
}

export interface BatchingMetrics {
  batchOptimized(values: {
    priority: string;
    region: string;
    shipments: number;
    stale: number;
    unassigned: number;
    solverSeconds: number;
    /** Wall seconds of the whole optimization (job taken → routes, plan and window saved). */
    seconds: number;
    consolidationGainPct: number;
  }): void;
  realtimeOptimized(values: { outcome: 'optimized' | 'timeout' | 'unassigned'; seconds: number }): void;
  staleResult(): void;
  /** A shipment was given up as unplannable (the ShipmentsUnassigned alarm's metric). */
  shipmentUnassigned(values: { region: string; priority: string }): void;
}

export const noMetrics: BatchingMetrics = {
  batchOptimized: () => {},
  realtimeOptimized: () => {},
  staleResult: () => {},
  shipmentUnassigned: () => {},
};

/** What the batching use cases are given: the shipment use cases' deps, the batching ports and settings. */
export interface BatchingDeps extends ShipmentDeps {
  windows: WindowStore;
  batches: BatchStore;
  locks: LeaseLock;
  jobs: JobQueue;
  engine: RoutingEngine;
  fleet: FleetConfig;
  settings: BatchingSettings;
  metrics: BatchingMetrics;
  matrix?: MatrixPort;
}
