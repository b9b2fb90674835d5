import { describe, expect, it } from 'vitest';
import { API_ENDPOINTS } from '../../functions/api/endpoints';
import { openApiDocument } from '../../shared/schemas/openapi';
import { METADATA_MAX_BYTES, METADATA_MAX_DEPTH } from '../../shared/schemas/shipment';

type Operation = { responses: Record<string, unknown>; parameters?: { name: string }[] };

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };

  it('documents every route the API serves, and nothing else', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(API_ENDPOINTS.map((r) => `${r.method} ${r.resource}`).sort());
  });

  it('names the key, auth and throttling answers on every /v1 operation', () => {
    for (const route of API_ENDPOINTS.filter((r) => r.apiKey)) {
      const op = doc.paths[route.resource]?.[route.method.toLowerCase()];
      expect(
        op?.parameters?.map((p) => p.name),
        route.id,
      ).toContain('x-api-key');
      expect(Object.keys(op?.responses ?? {}), route.id).toEqual(
        expect.arrayContaining(['401', '403', '429']),
      );
    }
  });

  it('answers 409 on every operation that takes an Idempotency-Key, and says when', () => {
    const keyed = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .filter((op) => op.parameters?.some((p) => p.name === 'Idempotency-Key'));
    expect(keyed.length).toBe(3);
    for (const op of keyed) expect(Object.keys(op.responses)).toContain('409');
    const header = keyed[0]?.parameters?.find((p) => p.name === 'Idempotency-Key') as {
      description?: string;
    };
    expect(header.description).toMatch(/in progress, 409/);
  });

  it('answers 400 on every operation with a path parameter (a malformed id)', () => {
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.includes('{'))) {
      for (const [method, op] of Object.entries(ops))
        expect(Object.keys(op.responses), `${method} ${path}`).toContain('400');
    }
  });

  it('documents 200 (URGENT optimized in real time) and 202 (queued) for POST and PUT of a shipment', () => {
    for (const op of [doc.paths['/v1/shipments']?.post, doc.paths['/v1/shipments/{shipmentId}']?.put])
      expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '202']));
  });

  it('states the body limits the schema enforces: metadata size and depth, number range, delivery radius', () => {
    const post = (doc.paths['/v1/shipments'] as unknown as Record<string, Record<string, unknown>>).post as {
      description: string;
      requestBody: {
        content: { 'application/json': { schema: { properties: Record<string, { description?: string }> } } };
      };
    };
    const props = post.requestBody.content['application/json'].schema.properties;
    expect(props.metadata?.description).toContain(`${METADATA_MAX_BYTES} bytes`);
    expect(props.metadata?.description).toContain(`${METADATA_MAX_DEPTH} levels`);
    expect(props.metadata?.description).toContain('1e-130');
    expect(props.weightKg?.description).toContain('1e-130');
    expect(post.description).toContain('MAX_DELIVERY_RADIUS_KM');
  });
});
