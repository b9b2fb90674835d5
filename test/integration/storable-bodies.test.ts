import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import { httpEndpoint } from '../../shared/runtime/http/handler';
import { METADATA_MAX_DEPTH, ShipmentBody } from '../../shared/schemas/shipment';
import { PROTOTYPE_NAMES, sampleShipment } from '../support/arbitraries';
import { testDeps } from '../support/deps';
import { dynamoForSuite } from '../support/dynamo';

/**
 * Bodies the schema accepts must be stored and read back exactly. The local DynamoDB enforces
 * DynamoDB's documented limits (local/services/dynamodb-limits.ts), so what passes here passes in AWS.
 */
const dynamo = dynamoForSuite();

/** Metadata nested exactly `depth` levels (the metadata object is level 1), through objects and arrays. */
function nested(depth: number): Record<string, unknown> {
  let value: unknown = { leaf: 1.5, n: 9.9e125 };
  for (let level = depth - 1; level >= 2; level--)
    value = level % 2 ? [value, 'x'] : { [`l${level}`]: value };
  return { root: value };
}

/** Keys that are names of Object.prototype members, with values that fooled the marshaller's type test. */
const prototypeKeyed: Record<string, unknown> = {
  constructor: { name: 'Number' },
  toString: 'kept',
  hasOwnProperty: { name: 'Set' },
  valueOf: { name: 'String', length: 3 },
  isPrototypeOf: [{ constructor: { name: 'Map' } }, { constructor: { name: 'Buffer' } }],
  nested: { constructor: 'x', toString: { constructor: { name: 'Object' } } },
};

const bigNumbers = {
  aboveSafeInteger: 2 ** 60,
  huge: 9.9e125,
  tiny: 1e-130,
  negative: -1.2345678901234567e100,
  exponent: 1e21,
  precise: Number('12345678901234567890'),
};

describe('storing what the schema accepts (dynalite with DynamoDB limits)', () => {
  it('refuses, like DynamoDB, a number it cannot store and an item nested past 32 levels', async () => {
    const put = (value: Record<string, unknown>) =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: SHIPMENTS_TABLE.id,
          Item: { pk: { S: 'LIMITS' }, sk: { S: 'x' }, v: value as never },
        }),
      );
    await expect(put({ N: '1e-131' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put({ N: '1e126' })).rejects.toMatchObject({ name: 'ValidationException' });
    let deep: Record<string, unknown> = { S: 'leaf' };
    for (let i = 0; i < 31; i++) deep = { M: { a: deep } };
    await expect(put(deep)).resolves.toBeDefined(); // the leaf is at level 32
    await expect(put({ M: { a: deep } })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Nesting Levels'),
    });
  });

  it('stores metadata keyed by prototype names and reads it back exactly (state, projection, trail)', async () => {
    const { deps } = testDeps(dynamo.client);
    const body = ShipmentBody.parse(sampleShipment({ shipmentId: 'PROTO-KEYS', metadata: prototypeKeyed }));
    await submitShipment({ body, correlationId: 'c-proto', mode: 'create' }, deps);
    expect((await deps.store.get('PROTO-KEYS'))?.shipment.metadata).toEqual(prototypeKeyed);
    expect((await deps.store.readProjection('PROTO-KEYS'))?.shipment.metadata).toEqual(prototypeKeyed);
    const [created] = await deps.store.events('PROTO-KEYS');
    expect(created?.patch.shipment?.metadata).toEqual(prototypeKeyed);
    // Own keys, not inherited members: the read-back object is plain data.
    const read = (await deps.store.get('PROTO-KEYS'))?.shipment.metadata as Record<string, unknown>;
    expect(Object.keys(read).sort()).toEqual(Object.keys(prototypeKeyed).sort());
    for (const name of PROTOTYPE_NAMES) expect(Object.hasOwn(read, name)).toBe(true);
  });

  it('stores numbers past 2^53 and at the ends of DynamoDB range, and reads back the same doubles', async () => {
    const { deps } = testDeps(dynamo.client);
    const body = ShipmentBody.parse(
      sampleShipment({
        shipmentId: 'BIG-NUMBERS',
        metadata: bigNumbers,
        declaredValue: 1e12,
        currency: 'EUR',
      }),
    );
    await submitShipment({ body, correlationId: 'c-big', mode: 'create' }, deps);
    const state = await deps.store.get('BIG-NUMBERS');
    expect(state?.shipment.metadata).toEqual(bigNumbers);
    // JSON carries them unchanged to the SCM (no BigInt, no string).
    expect(JSON.parse(JSON.stringify(state?.shipment.metadata))).toEqual(bigNumbers);
  });

  it(`stores metadata nested ${METADATA_MAX_DEPTH} levels, the deepest the schema accepts`, async () => {
    const { deps } = testDeps(dynamo.client);
    const metadata = nested(METADATA_MAX_DEPTH);
    const body = ShipmentBody.parse(sampleShipment({ shipmentId: 'DEEPEST', metadata }));
    expect(ShipmentBody.safeParse(sampleShipment({ metadata: nested(METADATA_MAX_DEPTH + 1) })).success).toBe(
      false,
    );
    await submitShipment({ body, correlationId: 'c-deep', mode: 'create' }, deps);
    expect((await deps.store.get('DEEPEST'))?.shipment.metadata).toEqual(metadata);
  });

  it('keeps the idempotency record of a response whose metadata has prototype-named keys and big numbers', async () => {
    const { deps } = testDeps(dynamo.client);
    const persistence = new DynamoDBPersistenceLayer({
      tableName: IDEMPOTENCY_TABLE.id,
      awsSdkV3Client: dynamo.client,
    });
    const endpoint = httpEndpoint(
      {
        body: ShipmentBody,
        maxBodyBytes: 262_144,
        idempotency: { persistence: () => persistence, scope: 'test.storable', ttlSeconds: 60 },
      },
      async (req) => {
        const { state } = await submitShipment(
          { body: req.body, correlationId: req.correlationId, mode: 'create' },
          deps,
        );
        return { statusCode: 202, body: { shipment: state.shipment } };
      },
    );
    const metadata = { ...prototypeKeyed, ...bigNumbers };
    const event = {
      httpMethod: 'POST',
      resource: '/v1/shipments',
      path: '/v1/shipments',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'idem-proto-1' },
      body: JSON.stringify(sampleShipment({ shipmentId: 'IDEM-PROTO', metadata })),
      isBase64Encoded: false,
      pathParameters: null,
    } as unknown as APIGatewayProxyEvent;
    const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
    const first = await endpoint(structuredClone(event), context);
    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body).shipment.metadata).toEqual(metadata);
    const again = await endpoint(structuredClone(event), context);
    expect(again.statusCode).toBe(202);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
  });

  it('keeps a shipment stored under looser rules readable (metadata 20 levels deep, a window in 1970)', async () => {
    const { deps } = testDeps(dynamo.client);
    // What an earlier version of the API accepted and DynamoDB stored; the API refuses it now.
    const older = {
      ...sampleShipment({ shipmentId: 'OLDER-RULES', metadata: nested(20) }),
      timeWindow: { start: '1970-01-01T08:00:00Z', end: '1970-01-01T12:00:00Z' },
    };
    expect(ShipmentBody.safeParse(older).success).toBe(false);
    await commit(deps, undefined, {
      type: 'shipment.created',
      status: 'QUEUED',
      version: 1,
      correlationId: 'c-older',
      patch: { shipment: older, bodyHash: 'h', priority: 'STANDARD', region: older.region },
    });
    const state = await deps.store.get('OLDER-RULES');
    expect(state?.shipment).toEqual(older);
    expect((await deps.store.events('OLDER-RULES'))[0]?.patch.shipment).toEqual(older);
  });
});
