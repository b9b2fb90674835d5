import { describe, expect, it } from 'vitest';
import { routingMatrix } from '../../shared/adapters/routing-matrix';
import { ConfigurationError, parseEnvironment } from '../../shared/schemas/environment';
import { greatCircleMatrix, type MatrixPort } from '../../shared/solver';

const base = {
  SHIPMENTS_TABLE: 'shipments',
  IDEMPOTENCY_TABLE: 'idempotency',
  BATCHING_TABLE: 'batching',
  EVENT_BUS_NAME: 'bus',
};
const points = [
  { lat: 59.33, lon: 18.06 },
  { lat: 59.4, lon: 17.95 },
];

describe('routing matrix configuration', () => {
  it('defaults to the great-circle estimate, with cache and timeout settings', () => {
    const env = parseEnvironment(base);
    expect(env).toMatchObject({
      ROUTING_MATRIX: 'great-circle',
      OSRM_MAX_TABLE_SIZE: 100,
      AMAZON_LOCATION_TRAVEL_MODE: 'Car',
      ROUTING_MATRIX_TIMEOUT_MS: 4000,
      ROUTING_MATRIX_CACHE_POINTS: 2000,
    });
  });

  it('fails at cold start when osrm is chosen without a URL', () => {
    expect(() => parseEnvironment({ ...base, ROUTING_MATRIX: 'osrm' })).toThrow(ConfigurationError);
    expect(() => parseEnvironment({ ...base, ROUTING_MATRIX: 'osrm' })).toThrow(
      /OSRM_URL: required when ROUTING_MATRIX=osrm/,
    );
    expect(parseEnvironment({ ...base, ROUTING_MATRIX: 'osrm', OSRM_URL: 'http://osrm:5000' }).OSRM_URL).toBe(
      'http://osrm:5000',
    );
  });

  it('rejects an unknown provider, travel mode or endpoint, naming the variable', () => {
    expect(() => parseEnvironment({ ...base, ROUTING_MATRIX: 'google' })).toThrow(/ROUTING_MATRIX/);
    expect(() =>
      parseEnvironment({
        ...base,
        ROUTING_MATRIX: 'amazon-location',
        AMAZON_LOCATION_TRAVEL_MODE: 'Bicycle',
      }),
    ).toThrow(/AMAZON_LOCATION_TRAVEL_MODE/);
    expect(() => parseEnvironment({ ...base, AMAZON_LOCATION_ENDPOINT: 'not a url' })).toThrow(
      /AMAZON_LOCATION_ENDPOINT/,
    );
    expect(() => parseEnvironment({ ...base, OSRM_MAX_TABLE_SIZE: '1' })).toThrow(/OSRM_MAX_TABLE_SIZE/);
  });

  it('great-circle: the estimate at FLEET_CONFIG road factor and speed', async () => {
    const env = parseEnvironment(base);
    const port = routingMatrix(env, { roadFactor: 1.5, speedKmh: 30 });
    const expected = await greatCircleMatrix({ roadFactor: 1.5, speedKmh: 30 }).matrix(points);
    const got = await port.matrix(points);
    expect(Array.from(got.distances as Int32Array)).toEqual(Array.from(expected.distances as Int32Array));
    expect(Array.from(got.durations as Int32Array)).toEqual(Array.from(expected.durations as Int32Array));
  });

  it('a road-network provider that fails is replaced by the estimate for that call, reported once', async () => {
    const env = parseEnvironment({ ...base, ROUTING_MATRIX: 'amazon-location' });
    const events: unknown[] = [];
    let calls = 0;
    const broken: MatrixPort = {
      matrix: async () => {
        calls++;
        throw new Error('network down');
      },
    };
    const port = routingMatrix(env, {
      roadFactor: 1.3,
      speedKmh: 40,
      provider: broken,
      onFallback: (e) => events.push(e),
    });
    const got = await port.matrix(points);
    const expected = await greatCircleMatrix({ roadFactor: 1.3, speedKmh: 40 }).matrix(points);
    expect(Array.from(got.distances as Int32Array)).toEqual(Array.from(expected.distances as Int32Array));
    expect(calls).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({ provider: 'amazon-location', points: 2, timedOut: false }),
    ]);
  });

  it('a road-network provider is cached: a repeated matrix is not asked again', async () => {
    const env = parseEnvironment({ ...base, ROUTING_MATRIX: 'osrm', OSRM_URL: 'http://osrm:5000' });
    let calls = 0;
    const counting: MatrixPort = {
      matrix: async (pts) => {
        calls++;
        return greatCircleMatrix({ roadFactor: 1.1, speedKmh: 60 }).matrix(pts);
      },
    };
    const port = routingMatrix(env, { roadFactor: 1.3, speedKmh: 40, provider: counting });
    const first = await port.matrix(points);
    const second = await port.matrix([...points].reverse());
    expect(calls).toBe(1);
    expect((second.distances as Float64Array)[1]).toBe((first.distances as Float64Array)[1]);
  });
});
