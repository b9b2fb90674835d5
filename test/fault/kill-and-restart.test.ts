import { describe, expect, it } from 'vitest';
import { inPool } from '../support/raw-http';
import { appliedAtScm, expectSettled, faultRig, postAll, shipment, until } from './fault-rig';

/**
 * The fault tier (issue 8): kill -9 of the local runtime at chosen points, then a restart on the same
 * DATA_DIR. Every accepted shipment ends terminal within a few windows of the restart (10 s each at
 * TIME_SCALE=60), nothing reaches a dead-letter queue, and the SCM applies each version at most once.
 */

describe('fault tier: kill -9 of the local runtime, then a restart on the same DATA_DIR', () => {
  it('kill -9 under load: every shipment accepted before, during and after it ends terminal, each version applied once', async () => {
    const rig = await faultRig();
    try {
      const mix = ['NEXT_DAY', 'NEXT_DAY', 'NEXT_DAY', 'ECONOMY', 'SAME_DAY'] as const;
      const bodies = Array.from({ length: 150 }, (_, i) =>
        shipment(`LOAD-${i}`, i, { serviceLevel: mix[i % mix.length] as (typeof mix)[number] }),
      );
      let sent = 0;
      const killed = until('60 accepted', async () => (sent >= 60 ? true : undefined), 60_000, 20).then(() =>
        rig.kill9(),
      );
      const accepted: string[] = [];
      const unanswered: typeof bodies = [];
      await inPool(bodies, 6, async (body) => {
        const res = await rig.call('POST', '/v1/shipments', body).catch(() => undefined);
        if (res && res.status < 300) {
          accepted.push(body.shipmentId);
          sent++;
        } else unanswered.push(body);
      });
      await killed;
      expect(accepted.length).toBeGreaterThanOrEqual(60);
      await rig.restart();
      // The SCM sends again what got no answer: some of those were stored before the kill.
      const retried = await postAll(rig, unanswered);
      expect(retried.failed.map((b) => b.shipmentId)).toEqual([]);
      await expectSettled(rig, [...accepted, ...retried.accepted], 'kill -9 under load');
    } finally {
      await rig.close();
    }
  });

  it('kill -9 after accept, before the window closes: the queued shipments are batched after the restart', async () => {
    const rig = await faultRig();
    try {
      const bodies = Array.from({ length: 40 }, (_, i) =>
        shipment(`QUEUED-${i}`, i, { serviceLevel: i % 4 === 0 ? 'ECONOMY' : 'NEXT_DAY' }),
      );
      const { accepted, failed } = await postAll(rig, bodies);
      expect(failed).toEqual([]);
      const got = await rig.call('GET', `/v1/shipments/${accepted[0]}`);
      expect(got.body.status).toBe('QUEUED');
      await rig.kill9();
      await rig.restart();
      await expectSettled(rig, accepted, 'kill -9 before the batch');
    } finally {
      await rig.close();
    }
  });

  it('kill -9 during optimization: the batch is optimized again after the restart', async () => {
    // No early stop: each optimization runs its whole budget (30 s, 0.5 s at TIME_SCALE=60).
    const rig = await faultRig({ BATCH_STALL_ITERATIONS: '1000000000' });
    try {
      const bodies = Array.from({ length: 60 }, (_, i) => shipment(`OPT-${i}`, i, { regionIndex: 0 }));
      const { accepted, failed } = await postAll(rig, bodies);
      expect(failed).toEqual([]);
      await until(
        'a shipment OPTIMIZING',
        async () =>
          (await rig.call('GET', `/v1/shipments/${accepted[0]}`)).body.status === 'OPTIMIZING'
            ? true
            : undefined,
        40_000,
        25,
      );
      await rig.kill9();
      await rig.restart();
      await expectSettled(rig, accepted, 'kill -9 during optimization');
    } finally {
      await rig.close();
    }
  });

  it('kill -9 while callbacks are pending (SCM down): each is delivered once after the restart', async () => {
    const rig = await faultRig();
    try {
      rig.scm.control({ downForSeconds: 3600 });
      const bodies = Array.from({ length: 20 }, (_, i) =>
        shipment(`PEND-${i}`, i, { serviceLevel: i % 2 === 0 ? 'SAME_DAY' : 'NEXT_DAY' }),
      );
      const { accepted, failed } = await postAll(rig, bodies);
      expect(failed).toEqual([]);
      await until(
        'every shipment CALLBACK_PENDING',
        async () => {
          for (const id of accepted)
            if ((await rig.call('GET', `/v1/shipments/${id}`)).body.status !== 'CALLBACK_PENDING')
              return undefined;
          return true;
        },
        40_000,
        500,
      );
      await rig.kill9();
      rig.scm.control({ downForSeconds: 0 });
      await rig.restart();
      await expectSettled(rig, accepted, 'kill -9 with callbacks pending');
      const applied = appliedAtScm(rig.scm).byVersion;
      expect(accepted.filter((id) => applied.get(`${id}@v1`) !== 1)).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});
