import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHING_TABLE, IDEMPOTENCY_TABLE } from '../../shared/adapters/dynamodb/tables';
import { sampleShipment } from '../support/arbitraries';
import { type InProcessServices, startInProcessServices } from '../support/in-process-api';

/**
 * Issue 8.1: the API and the queue consumers run in one process locally (and share a module in
 * AWS). Each use of Powertools idempotency must keep its own configuration and key scope, whichever
 * runs first: every shipment stored and put in its window, every response its own.
 */
let services: InProcessServices;

beforeAll(async () => {
  services = await startInProcessServices();
});

afterAll(async () => {
  await services?.close();
});

const freshProcess = () => services.process();

const tomorrow = (hour: number) => {
  const d = new Date(Date.now() + 24 * 3600_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const shipment = (shipmentId: string, region: string, i: number) =>
  sampleShipment({
    shipmentId,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: `${region}-DEPOT-1`, lat: 59.33, lon: 18.06 },
    destination: { lat: 59.33 + 0.01 * i, lon: 17.95 + 0.01 * i, address: `Sveavägen ${i}` },
    timeWindow: { start: tomorrow(8), end: tomorrow(16) },
  });

/** Shipment ids in an OPEN window of the region. */
async function inWindows(region: string): Promise<string[]> {
  const items =
    (await services.dynamo.client.send(new ScanCommand({ TableName: BATCHING_TABLE.id }))).Items ?? [];
  const windows = new Set(
    items
      .filter((i) => i.sk === 'META' && (i.window as { region?: string } | undefined)?.region === region)
      .map((i) => String(i.pk)),
  );
  return items
    .filter((i) => String(i.sk).startsWith('MEMBER#') && windows.has(String(i.pk)))
    .map((i) => (i.member as { shipmentId: string }).shipmentId)
    .sort();
}

describe('idempotency scopes in one process (API and queue consumers)', () => {
  it('API first: a keyed POST, then unkeyed POSTs; every consumer message has its own effect', async () => {
    const p = await freshProcess();
    try {
      const keyed = await p.post(shipment('IDS-A-1', 'ids-api-first', 1), {
        'Idempotency-Key': 'ids-a-key-1',
      });
      expect(keyed.status).toBe(202);
      expect(keyed.body.shipmentId).toBe('IDS-A-1');
      const ids = ['IDS-A-2', 'IDS-A-3', 'IDS-A-4'];
      for (const [i, id] of ids.entries()) {
        const r = await p.post(shipment(id, 'ids-api-first', i + 2));
        expect(r.status).toBe(202);
        expect(r.body.shipmentId).toBe(id);
      }
      const all = ['IDS-A-1', ...ids];
      expect(await p.consume(all)).toEqual({ batchItemFailures: [] });
      expect(await inWindows('ids-api-first')).toEqual(all);
      // A replay of the keyed POST still answers its own first response.
      const replay = await p.post(shipment('IDS-A-1', 'ids-api-first', 1), {
        'Idempotency-Key': 'ids-a-key-1',
      });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.shipmentId).toBe('IDS-A-1');
    } finally {
      await p.close();
    }
  });

  it('consumer first: keyed POSTs are answered with their own shipment and stored', async () => {
    const p = await freshProcess();
    try {
      const first = await p.post(shipment('IDS-C-0', 'ids-consumer-first', 0));
      expect(first.status).toBe(202);
      expect(await p.consume(['IDS-C-0'])).toEqual({ batchItemFailures: [] });
      const keyedIds = ['IDS-C-1', 'IDS-C-2', 'IDS-C-3', 'IDS-C-4'];
      for (const [i, id] of keyedIds.entries()) {
        const r = await p.post(shipment(id, 'ids-consumer-first', i + 1), {
          'Idempotency-Key': `ids-c-key-${i}`,
        });
        expect(r.status).toBe(202);
        expect(r.headers.get('idempotent-replayed')).toBeNull();
        expect(r.body.shipmentId).toBe(id);
        expect(await p.get(id)).toBe(200);
      }
      const unkeyed = await p.post(shipment('IDS-C-5', 'ids-consumer-first', 5));
      expect(unkeyed.body.shipmentId).toBe('IDS-C-5');
      expect(await p.consume([...keyedIds, 'IDS-C-5'])).toEqual({ batchItemFailures: [] });
      expect(await inWindows('ids-consumer-first')).toEqual(['IDS-C-0', ...keyedIds, 'IDS-C-5']);
    } finally {
      await p.close();
    }
  });

  it('API first, then URGENT shipments whose real-time budget ran out: the p0 consumer optimizes each', async () => {
    // A 1 ms real-time budget: SAME_DAY shipments are answered 202 and go to the p0 consumer.
    process.env.URGENT_BUDGET_MS = '1';
    const p = await freshProcess();
    delete process.env.URGENT_BUDGET_MS;
    try {
      const keyed = await p.post(shipment('IDS-U-0', 'ids-urgent', 0), { 'Idempotency-Key': 'ids-u-key' });
      expect(keyed.status).toBe(202);
      const urgent = ['IDS-U-1', 'IDS-U-2', 'IDS-U-3'];
      for (const [i, id] of urgent.entries()) {
        const r = await p.post({
          ...shipment(id, 'ids-urgent', i + 1),
          serviceLevel: 'SAME_DAY',
          timeWindow: undefined,
        });
        expect(r.status).toBe(202);
        expect(r.body.shipmentId).toBe(id);
      }
      expect(await p.consume(urgent, 'urgent')).toEqual({ batchItemFailures: [] });
      for (const id of urgent) expect(await p.status(id), id).toBe('OPTIMIZED');
    } finally {
      await p.close();
    }
  });

  it('keeps the records of each use apart (one key prefix per API route and per consumer)', async () => {
    const records =
      (await services.dynamo.client.send(new ScanCommand({ TableName: IDEMPOTENCY_TABLE.id }))).Items ?? [];
    const prefixes = new Set(records.map((r) => String(r.id).split('#')[0]));
    expect([...prefixes].sort()).toEqual(['api.CreateShipment', 'urgent-consumer', 'window-consumer']);
  });
});

describe('one Idempotency-Key, different bodies, at the same time (issue 8.9)', () => {
  it('answers 20 concurrent tries with 2xx, 409 or 422 problems, never 5xx', async () => {
    const p = await freshProcess();
    try {
      // Version 10 is stored: the tries with versions 1..10 fail (409) and remove their in-progress
      // record while the others are looking it up.
      await p.post({ ...shipment('IDS-K-1', 'ids-same-key', 0), version: 10 });
      const rounds = [
        (i: number) => ({ ...shipment('IDS-K-1', 'ids-same-key', i), version: i + 1 }),
        (i: number) => ({ ...shipment(`IDS-K-${i + 2}`, 'ids-same-key', i), weightKg: 5 + i }),
      ];
      const statuses: number[] = [];
      for (const [round, body] of rounds.entries()) {
        const tries = await Promise.all(
          Array.from({ length: 20 }, (_, i) => p.post(body(i), { 'Idempotency-Key': `ids-k-${round}` })),
        );
        for (const t of tries) {
          statuses.push(t.status);
          if (t.status >= 400) {
            expect(t.headers.get('content-type')).toBe('application/problem+json');
            expect((t.body as unknown as { type: string }).type).toMatch(
              /\/(idempotent-request-in-progress|idempotency-key-reuse|version-conflict)$/,
            );
          }
        }
      }
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(statuses.every((s) => [200, 202, 409, 422].includes(s))).toBe(true);
      expect(statuses).toContain(422);
    } finally {
      await p.close();
    }
  });
});

describe('correlation ids of a replay (issue 8.14)', () => {
  it('answers the first response as it was; X-Correlation-Id is this request, Original-Correlation-Id the first', async () => {
    const p = await freshProcess();
    try {
      const body = shipment('IDS-R-1', 'ids-replay', 1);
      const first = await p.post(body, { 'Idempotency-Key': 'ids-r-key', 'X-Correlation-Id': 'corr-first' });
      expect(first.status).toBe(202);
      expect(first.headers.get('x-correlation-id')).toBe('corr-first');
      expect(first.headers.get('original-correlation-id')).toBeNull();
      expect(first.body.correlationId).toBe('corr-first');

      const replay = await p.post(body, { 'Idempotency-Key': 'ids-r-key', 'X-Correlation-Id': 'corr-retry' });
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.headers.get('x-correlation-id')).toBe('corr-retry');
      expect(replay.headers.get('original-correlation-id')).toBe('corr-first');
      expect(replay.body).toEqual(first.body);

      // Without a correlation id of its own, the replay still gets one, distinct from the first.
      const anonymous = await p.post(body, { 'Idempotency-Key': 'ids-r-key' });
      expect(anonymous.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(anonymous.headers.get('original-correlation-id')).toBe('corr-first');

      // The same version and body without a key is a replay at the shipment level: same headers.
      const again = await p.post(body, { 'X-Correlation-Id': 'corr-again' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('x-correlation-id')).toBe('corr-again');
      expect(again.headers.get('original-correlation-id')).toBe('corr-first');
      expect(again.body.correlationId).toBe('corr-first');
    } finally {
      await p.close();
    }
  });
});
