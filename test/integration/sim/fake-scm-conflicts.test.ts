import { afterAll, describe, expect, it } from 'vitest';
import { type FakeScm, startFakeScm } from '../../../local/fake-scm/server';
import { signatureHeader } from '../../../shared/adapters/webhooks/signature';

const SECRET = `whsec_${Buffer.from('fake-scm-conflict-share-secret!!').toString('base64')}`;

/** The fake SCM's `conflictShare`: that share of routes answered 409, the same answer on a retry. */
describe('fake SCM conflictShare', () => {
  let scm: FakeScm | undefined;
  afterAll(async () => scm?.close());

  const post = async (id: string, type: string) => {
    const body = JSON.stringify({ type, data: { shipmentId: id, version: 1 } });
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const res = await fetch(`${scm?.webhookUrl}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(at.getTime() / 1000),
        'webhook-signature': signatureHeader([SECRET], id, at, body),
      },
      body,
    });
    return res.status;
  };

  it('answers about the share with 409, a retry of one webhook the same, notices never', async () => {
    scm = await startFakeScm({ secret: SECRET });
    scm.control({ conflictShare: 0.3 });
    const ids = Array.from({ length: 200 }, (_, i) => `msg_conflict_${i}`);
    const first = await Promise.all(ids.map((id) => post(id, 'shipment.route_optimized')));
    const conflicts = first.filter((s) => s === 409).length;
    expect(conflicts).toBeGreaterThan(30);
    expect(conflicts).toBeLessThan(90);
    expect(first.every((s) => s === 200 || s === 409)).toBe(true);
    expect(await Promise.all(ids.map((id) => post(id, 'shipment.route_optimized')))).toEqual(first);
    const notices = await Promise.all(ids.map((id) => post(`${id}_n`, 'shipment.unassigned')));
    expect(notices.every((s) => s === 200)).toBe(true);
    // Only the 2xx routes are applied (what GET /shipments lists).
    const listed = (await (await fetch(`${scm.url}/shipments`)).json()) as unknown[];
    expect(listed).toHaveLength(200 - conflicts);
    scm.control({ conflictShare: 0 });
    expect(await post('msg_conflict_0', 'shipment.route_optimized')).toBe(200);
  });
});
