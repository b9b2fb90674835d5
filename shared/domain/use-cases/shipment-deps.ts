import type { FleetConfig } from '../../schemas/batching';
import type { Clock } from '../clock';
import type { CoreLogger, EventPublisher, IdGenerator, ShipmentStore } from '../ports';
import type { PriorityPolicy } from '../priority';

/** What the shipment use cases are given: the ports they call and their settings. */
export interface ShipmentDeps {
  store: ShipmentStore;
  publisher: EventPublisher;
  clock: Clock;
  ids: IdGenerator;
  priorityPolicy: PriorityPolicy;
  logger: CoreLogger;
  /** Region calendars and the planning horizon (FLEET_CONFIG); absent: the defaults (UTC, Mon-Fri, 14 days). */
  fleet?: Pick<FleetConfig, 'calendar' | 'regions' | 'planningHorizonDays'>;
  /** Farthest a destination may be from its origin depot, km (MAX_DELIVERY_RADIUS_KM; default 1000). */
  maxDeliveryRadiusKm?: number;
  /** Counts optimistic-lock conflicts (the `VersionConflicts` metric). */
  onConcurrencyConflict?: () => void;
}
