import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpEndpoint } from '../../shared/runtime/http/handler';
import { METADATA_MAX_DEPTH, ShipmentBody } from '../../shared/schemas/shipment';
import { sampleShipment } from '../support/arbitraries';

/**
 * Bodies that are valid JSON and small, but nested far deeper than anything stores: every one is a
 * 400 naming the field, before any use case or idempotency record is touched.
 */
const handled: unknown[] = [];
const persistenceUsed = (): BasePersistenceLayer => {
  throw new Error('the idempotency layer must not be reached by an invalid body');
};
const endpoint = httpEndpoint(
  {
    body: ShipmentBody,
    maxBodyBytes: 262_144,
    idempotency: { persistence: persistenceUsed, scope: 'test.hostile', ttlSeconds: 60 },
  },
  async (req) => {
    handled.push(req.body);
    return { statusCode: 202, body: { ok: true } };
  },
);

const post = (raw: string, headers: Record<string, string> = {}) =>
  endpoint(
    {
      httpMethod: 'POST',
      resource: '/v1/shipments',
      path: '/v1/shipments',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
      isBase64Encoded: false,
      pathParameters: null,
    } as unknown as APIGatewayProxyEvent,
    { getRemainingTimeInMillis: () => 10_000 } as Context,
  );

/** A shipment body with `value` spliced in as the raw JSON of one field. */
const withRaw = (field: string, rawValue: string) => {
  const marker = '"__RAW__"';
  return JSON.stringify({ ...sampleShipment(), [field]: '__RAW__' }).replace(marker, rawValue);
};
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('deeply nested bodies at the API', () => {
  it.each([
    ['metadata, 1,500 levels of objects', withRaw('metadata', deepObjects(1_500)), 'metadata.a'],
    ['metadata, 10,000 levels of objects', withRaw('metadata', deepObjects(10_000)), 'metadata.a'],
    ['metadata, 100,000 levels of arrays', withRaw('metadata', `{"x":${deepArrays(100_000)}}`), 'metadata.x'],
    ['metadata that is itself a deep array', withRaw('metadata', deepArrays(50_000)), 'metadata'],
    ['an unknown field', withRaw('extra', deepObjects(10_000)), 'extra'],
    ['a string field', withRaw('region', deepArrays(10_000)), 'region'],
    ['the body itself', deepArrays(120_000), ''],
  ])('%s → 400 naming the field, with or without an Idempotency-Key', async (_name, raw, field) => {
    expect(Buffer.byteLength(raw)).toBeLessThan(262_144);
    const variants: Record<string, string>[] = [{}, { 'Idempotency-Key': `deep-${field}` }];
    for (const headers of variants) {
      const response = await post(raw, headers);
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['Content-Type']).toBe('application/problem+json');
      const problem = JSON.parse(response.body) as { errors: { field: string; message: string }[] };
      expect(problem.errors.length).toBeGreaterThan(0);
      for (const e of problem.errors) expect(e.field.startsWith(field)).toBe(true);
    }
    expect(handled).toEqual([]);
  });

  it(`names the first level past ${METADATA_MAX_DEPTH} and says why`, async () => {
    const response = await post(withRaw('metadata', deepObjects(10_000)));
    const problem = JSON.parse(response.body) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      {
        field: ['metadata', ...Array(METADATA_MAX_DEPTH).fill('a')].join('.'),
        message: `nested deeper than ${METADATA_MAX_DEPTH} levels`,
      },
    ]);
  });

  it('accepts metadata at the depth limit', async () => {
    const response = await post(withRaw('metadata', deepObjects(METADATA_MAX_DEPTH)));
    expect(response.statusCode).toBe(202);
    expect(handled).toHaveLength(1);
    handled.length = 0;
  });
});
