import { afterEach, describe, expect, it } from 'vitest';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * Issue 8.1 on the local runtime itself (API, consumers and optimizer in one process): whichever
 * of the API and the queue consumers uses idempotency first, every shipment is stored, planned
 * and answered with its own response.
 */
let runtime: RuntimeProcess | undefined;

afterEach(async () => {
  await runtime?.stop();
  runtime?.cleanup();
  runtime = undefined;
});

const depot = { depotId: 'IDEM-DEPOT-1', lat: 59.33, lon: 18.06 };
function body(shipmentId: string, i: number): ShipmentBody {
  const angle = (i * 137.5 * Math.PI) / 180;
  return {
    shipmentId,
    version: 1,
    region: 'idem-e2e',
    serviceLevel: 'NEXT_DAY',
    origin: depot,
    destination: { lat: depot.lat + 0.03 * Math.sin(angle), lon: depot.lon + 0.05 * Math.cos(angle) },
    weightKg: 4 + i,
  };
}

/** Waits until none of the shipments is QUEUED any more (its window closed and was optimized). */
async function planned(call: ReturnType<typeof api>, ids: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let statuses: string[] = [];
  while (Date.now() < deadline) {
    statuses = await Promise.all(
      ids.map(async (id) => (await call('GET', `/v1/shipments/${id}`)).body?.status),
    );
    if (statuses.every((s) => s !== 'QUEUED' && s !== 'RECEIVED')) return statuses;
    await new Promise((r) => setTimeout(r, 500));
  }
  return statuses;
}

describe('idempotency scopes on the local runtime (issue 8.1)', () => {
  it('API first: a keyed POST, then unkeyed POSTs; all of them are planned', async () => {
    runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
    const call = api(runtime);
    const keyed = await call('POST', '/v1/shipments', body('IDEM-A-0', 0), { 'Idempotency-Key': 'idem-a' });
    expect(keyed.status).toBe(202);
    const ids = ['IDEM-A-1', 'IDEM-A-2', 'IDEM-A-3'];
    for (const [i, id] of ids.entries()) {
      const r = await call('POST', '/v1/shipments', body(id, i + 1));
      expect(r.body.shipmentId).toBe(id);
    }
    const statuses = await planned(call, ['IDEM-A-0', ...ids]);
    expect(statuses.filter((s) => s === 'QUEUED' || s === 'RECEIVED')).toEqual([]);
  });

  it('consumer first: keyed POSTs are answered with their own shipment and stored, and planned', async () => {
    runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
    const call = api(runtime);
    await call('POST', '/v1/shipments', body('IDEM-C-0', 0));
    // The window consumer has handled it (and used idempotency) once it is planned.
    expect(await planned(call, ['IDEM-C-0'])).not.toContain('QUEUED');
    const ids = ['IDEM-C-1', 'IDEM-C-2', 'IDEM-C-3', 'IDEM-C-4'];
    for (const [i, id] of ids.entries()) {
      const r = await call('POST', '/v1/shipments', body(id, i + 1), { 'Idempotency-Key': `idem-c-${i}` });
      expect(r.status).toBe(202);
      expect(r.headers.get('idempotent-replayed')).toBeNull();
      expect(r.body.shipmentId).toBe(id);
      expect((await call('GET', `/v1/shipments/${id}`)).status).toBe(200);
    }
    const statuses = await planned(call, ids);
    expect(statuses.filter((s) => s === 'QUEUED' || s === 'RECEIVED')).toEqual([]);
  });
});
