import { ConfigurationError } from '../domain/errors';
import type { Environment } from '../schemas/environment';
import {
  cachedMatrix,
  greatCircleMatrix,
  type MatrixFallbackEvent,
  type MatrixPort,
  withFallback,
} from '../solver';
import { amazonLocationMatrix } from './location/route-matrix';
import { osrmMatrix } from './osrm/table-matrix';

export type RoutingMatrixSettings = Pick<
  Environment,
  | 'AWS_REGION'
  | 'ROUTING_MATRIX'
  | 'OSRM_URL'
  | 'OSRM_PROFILE'
  | 'OSRM_MAX_TABLE_SIZE'
  | 'AMAZON_LOCATION_TRAVEL_MODE'
  | 'AMAZON_LOCATION_ENDPOINT'
  | 'ROUTING_MATRIX_TIMEOUT_MS'
  | 'ROUTING_MATRIX_CACHE_POINTS'
>;

export interface RoutingMatrixOptions {
  /** Great-circle estimate: road distance per straight-line distance, and average speed (FLEET_CONFIG). */
  roadFactor: number;
  speedKmh: number;
  /** Told when a provider call was answered by the great-circle estimate (log, metric). */
  onFallback?: (event: MatrixFallbackEvent & { provider: string }) => void;
  /** The road-network port to use instead of the one ROUTING_MATRIX names (tests). */
  provider?: MatrixPort;
}

/**
 * The matrix port of the configuration (ROUTING_MATRIX):
 *
 * - `great-circle`: straight-line distance × roadFactor at speedKmh; no network, no cost.
 * - `osrm` / `amazon-location`: the road network, behind a per-container cache (only rows and
 *   columns of new points are requested) and a fallback: a call that fails (network, throttling
 *   after the SDK's retries, a malformed answer) or takes longer than ROUTING_MATRIX_TIMEOUT_MS is
 *   answered by the great-circle estimate, so batches and the URGENT budget are never lost to a
 *   provider outage; `onFallback` reports it.
 */
export function routingMatrix(env: RoutingMatrixSettings, options: RoutingMatrixOptions): MatrixPort {
  const estimate = greatCircleMatrix({ roadFactor: options.roadFactor, speedKmh: options.speedKmh });
  if (env.ROUTING_MATRIX === 'great-circle') return estimate;
  const provider = options.provider ?? roadNetwork(env);
  return withFallback(cachedMatrix(provider, { maxPoints: env.ROUTING_MATRIX_CACHE_POINTS }), estimate, {
    timeoutMs: env.ROUTING_MATRIX_TIMEOUT_MS,
    onFallback: (event) => options.onFallback?.({ ...event, provider: env.ROUTING_MATRIX }),
  });
}

function roadNetwork(env: RoutingMatrixSettings): MatrixPort {
  if (env.ROUTING_MATRIX === 'osrm') {
    if (!env.OSRM_URL) throw new ConfigurationError('ROUTING_MATRIX=osrm needs OSRM_URL');
    return osrmMatrix({
      baseUrl: env.OSRM_URL,
      profile: env.OSRM_PROFILE,
      maxLocations: env.OSRM_MAX_TABLE_SIZE,
      timeoutMs: env.ROUTING_MATRIX_TIMEOUT_MS,
    });
  }
  return amazonLocationMatrix({
    region: env.AWS_REGION,
    ...(env.AMAZON_LOCATION_ENDPOINT ? { endpoint: env.AMAZON_LOCATION_ENDPOINT } : {}),
    travelMode: env.AMAZON_LOCATION_TRAVEL_MODE,
  });
}
