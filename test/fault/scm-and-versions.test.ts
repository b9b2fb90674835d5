import { describe, expect, it } from 'vitest';
import { inPool } from '../support/raw-http';
import { appliedAtScm, expectSettled, faultRig, postAll, shipment, until } from './fault-rig';

/**
 * The fault tier (issue 8), without kills: the SCM down for longer than the whole retry schedule,
 * the same POST many times, the same version with the same body, versions out of order.
 */
describe('fault tier: SCM outages, duplicates and out-of-order versions', () => {
  it('the SCM down for 30 simulated minutes (past the whole retry schedule), then back: every callback delivered once, none dead-lettered', async () => {
    const rig = await faultRig();
    try {
      // 30 s of wall time at TIME_SCALE=60: longer than 30+60+120+300 s of retries (8.5 s here).
      const start = Date.now();
      rig.scm.control({ downForSeconds: 30 });
      const bodies = Array.from({ length: 30 }, (_, i) =>
        shipment(`OUT-${i}`, i, { serviceLevel: i % 3 === 0 ? 'SAME_DAY' : 'NEXT_DAY' }),
      );
      const { accepted, failed } = await postAll(rig, bodies);
      expect(failed).toEqual([]);
      await until(
        'the outage to end',
        async () => (Date.now() > start + 30_000 ? true : undefined),
        40_000,
        500,
      );
      await expectSettled(rig, accepted, 'SCM down for 30 simulated minutes');
      const applied = appliedAtScm(rig.scm).byVersion;
      expect(accepted.filter((id) => applied.get(`${id}@v1`) !== 1)).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('the same POST 20 times at once, and the same version with the same body again later: stored once, applied once', async () => {
    const rig = await faultRig();
    try {
      const bodies = [
        shipment('DUP-NEXT', 1),
        shipment('DUP-URGENT', 2, { serviceLevel: 'SAME_DAY' }),
        shipment('DUP-ECONOMY', 3, { serviceLevel: 'ECONOMY' }),
      ];
      const statuses: number[] = [];
      await Promise.all(
        bodies.flatMap((body) =>
          Array.from({ length: 20 }, async () => {
            statuses.push((await rig.call('POST', '/v1/shipments', body)).status);
          }),
        ),
      );
      // An identical replay of a version is not a conflict: every one of them is accepted.
      expect(statuses.filter((s) => s >= 300)).toEqual([]);
      const keyed = shipment('DUP-KEYED', 4);
      const keyedStatuses = await Promise.all(
        Array.from(
          { length: 10 },
          async () =>
            (await rig.call('POST', '/v1/shipments', keyed, { 'Idempotency-Key': 'dup-keyed-1' })).status,
        ),
      );
      expect(keyedStatuses.filter((s) => s !== 409 && s >= 300)).toEqual([]);
      expect(keyedStatuses.filter((s) => s < 300).length).toBeGreaterThanOrEqual(1);
      const ids = [...bodies, keyed].map((b) => b.shipmentId);
      await expectSettled(rig, ids, 'duplicates');
      // The same version and body once more after it was applied: a replay, nothing new is sent.
      const again = await rig.call('POST', '/v1/shipments', bodies[0]);
      expect(again.status).toBeLessThan(300);
      expect(again.body.status).toBe('ROUTE_APPLIED');
      for (const id of ids) {
        const trail = (await rig.call('GET', `/v1/shipments/${id}/events`)).body.events as { type: string }[];
        expect(
          trail.filter((e) => e.type === 'shipment.created'),
          id,
        ).toHaveLength(1);
      }
      await new Promise((r) => setTimeout(r, 3_000));
      const applied = appliedAtScm(rig.scm);
      expect(ids.map((id) => applied.byVersion.get(`${id}@v1`))).toEqual(ids.map(() => 1));
      expect(applied.twice).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('versions out of order: older ones are refused with 409 naming the stored version, the newest is the one applied last, each at most once', async () => {
    const rig = await faultRig();
    try {
      const ids = Array.from({ length: 6 }, (_, i) => `ORDER-${i}`);
      const conflicts: { id: string; status: number; storedVersion?: number }[] = [];
      await inPool(ids, 3, async (id) => {
        const i = Number(id.split('-')[1]);
        const urgent = i % 3 === 0;
        const v = (version: number) =>
          shipment(id, i, {
            version,
            weightKg: 2 + version,
            ...(urgent ? { serviceLevel: 'SAME_DAY' } : {}),
          });
        expect((await rig.call('POST', '/v1/shipments', v(3))).status).toBeLessThan(300);
        for (const old of [1, 2]) {
          const res = await rig.call('POST', '/v1/shipments', v(old));
          conflicts.push({ id, status: res.status, storedVersion: res.body?.storedVersion });
        }
        // A newer version overtakes v3 wherever it is in the pipeline; v4 after v5 is refused.
        expect((await rig.call('PUT', `/v1/shipments/${id}`, v(5))).status).toBeLessThan(300);
        const late = await rig.call('PUT', `/v1/shipments/${id}`, v(4));
        conflicts.push({ id, status: late.status, storedVersion: late.body?.storedVersion });
      });
      expect(
        conflicts.filter((c) => c.status !== 409 || !(c.storedVersion === 3 || c.storedVersion === 5)),
      ).toEqual([]);
      await expectSettled(rig, ids, 'out-of-order versions');
      await new Promise((r) => setTimeout(r, 3_000));
      for (const id of ids) {
        const got = (await rig.call('GET', `/v1/shipments/${id}`)).body as {
          version: number;
          status: string;
        };
        expect(got, id).toMatchObject({ version: 5, status: 'ROUTE_APPLIED' });
      }
      const applied = appliedAtScm(rig.scm);
      expect(applied.twice).toEqual([]);
      // Versions 1, 2 and 4 were never accepted: the SCM never hears of them.
      const never = [...applied.byVersion.keys()].filter((k) => /@v[124]$/.test(k));
      expect(never).toEqual([]);
      // The last route the SCM applied for each shipment is that of version 5.
      const lastApplied = new Map<string, number>();
      for (const r of rig.scm.received()) {
        if (typeof r.answer !== 'number' || r.answer >= 300) continue;
        const { data } = JSON.parse(r.body) as { data: { shipmentId: string; version: number } };
        lastApplied.set(data.shipmentId, data.version);
      }
      expect(ids.map((id) => lastApplied.get(id))).toEqual(ids.map(() => 5));
    } finally {
      await rig.close();
    }
  });
});
