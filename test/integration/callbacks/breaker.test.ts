import { afterEach, describe, expect, it } from 'vitest';
import { acquirePermit, DEFAULT_BREAKER, recordAnswer } from '../../../shared/domain/callbacks/breaker';
import { type Harness, START, startHarness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const circuitEvents = () =>
  h.publisher.published.filter((m) => m.detailType.startsWith('callback.circuit_')).map((m) => m.detailType);
const breaker = () => h.deps.breakers.get(h.deps.config.endpoint);
const idsOf = (envelopes: { detail: unknown }[]) =>
  envelopes.map((e) => `msg_${(e.detail as { eventId: string }).eventId}`);

describe('circuit breaker', () => {
  it('closed → open → half-open → closed, and → open again; held deliveries arrive once, none lost', async () => {
    h = await startHarness();
    // Five deliveries fail once each: five consecutive failures open the breaker.
    h.scm.control({ failNext: 5, failWith: 500 });
    const first = [];
    for (let i = 0; i < 5; i++) first.push(await h.optimizedShipment(`SHP-${i}`));
    for (const e of first) h.machine.start(e);
    await h.settle();
    expect((await breaker()).state).toBe('open');
    expect(h.metrics.filter((m) => m === 'CircuitOpened')).toHaveLength(1);
    // While open, new deliveries make no attempt: they wait for the breaker.
    const held = [];
    for (let i = 5; i < 10; i++) held.push(await h.optimizedShipment(`SHP-${i}`));
    for (const e of held) h.machine.start(e);
    await h.settle();
    expect(h.scm.received()).toHaveLength(5);
    expect(h.waits.filter((w) => w.state === 'WaitForBreaker').length).toBeGreaterThanOrEqual(5);
    // At +30 s the first five retry: still open, held too. At +60 s one probe (half-open) succeeds: closed.
    await h.runToEnd({ until: START + 59_000 });
    expect(h.scm.received()).toHaveLength(5);
    expect((await breaker()).state).toBe('open');
    await h.runToEnd();
    expect((await breaker()).state).toBe('closed');
    expect(circuitEvents()).toEqual(['callback.circuit_opened', 'callback.circuit_closed']);
    const probe = h.scm.received()[5];
    expect(probe && (Date.parse(probe.receivedAt) - START) / 1000).toBe(60);
    // None lost, none twice: every delivery answered 200 exactly once.
    const ids = idsOf([...first, ...held]);
    const applied = h.scm
      .received()
      .filter((r) => r.answer === 200)
      .map((r) => r.webhookId);
    expect(applied.sort()).toEqual([...ids].sort());
    expect(await h.drainDlq()).toEqual([]);

    // Open again; a failing probe re-opens it (half-open → open), the next probe closes it.
    h.publisher.published.length = 0;
    h.scm.control({ failNext: 6, failWith: 503 });
    const again = [];
    for (let i = 10; i < 15; i++) again.push(await h.optimizedShipment(`SHP-${i}`));
    for (const e of again) h.machine.start(e);
    const t0 = h.clock.now();
    await h.settle();
    expect((await breaker()).state).toBe('open');
    await h.runToEnd();
    expect(circuitEvents()).toEqual([
      'callback.circuit_opened',
      'callback.circuit_opened',
      'callback.circuit_closed',
    ]);
    const probes = h.scm
      .received()
      .slice(20)
      .map((r) => [(Date.parse(r.receivedAt) - t0) / 1000, r.answer]);
    expect(probes[0]).toEqual([60, 503]); // the first probe fails: open for another 60 s
    expect(probes[1]).toEqual([120, 200]);
    const appliedAgain = h.scm
      .received()
      .filter((r) => r.answer === 200)
      .map((r) => r.webhookId);
    expect(new Set(appliedAgain).size).toBe(appliedAgain.length);
    expect(appliedAgain).toEqual(expect.arrayContaining(idsOf(again)));
  });

  it('conditional writes: of 20 processes asking at once after the reopen time, exactly one probes', async () => {
    h = await startHarness();
    const endpoint = h.deps.config.endpoint;
    // No BreakerMemory: each call stands for a different Lambda container.
    const container = { ...h.deps, breakerMemory: undefined };
    for (let i = 0; i < 5; i++) await recordAnswer(container, endpoint, `d${i}`, false, DEFAULT_BREAKER);
    expect((await breaker()).state).toBe('open');
    h.clock.advanceTo(START + 60_000);
    const grants = await Promise.all(
      Array.from({ length: 20 }, (_, i) => acquirePermit(container, endpoint, `p${i}`, DEFAULT_BREAKER)),
    );
    expect(grants.filter((g) => g.kind === 'probe')).toHaveLength(1);
    expect(grants.filter((g) => g.kind === 'hold')).toHaveLength(19);
    const state = await breaker();
    expect(state.state).toBe('half_open');
    expect(grants[Number(state.probeId?.slice(1))]?.kind).toBe('probe');
  });

  it('only one delivery probes a half-open breaker', async () => {
    h = await startHarness();
    h.scm.control({ failNext: 5, failWith: 500 });
    const envelopes = [];
    for (let i = 0; i < 5; i++) envelopes.push(await h.optimizedShipment(`SHP-${i}`));
    for (const e of envelopes) h.machine.start(e);
    await h.settle();
    h.scm.control({ failNext: 0, failWith: 'timeout' });
    h.scm.control({ failNext: 1 }); // the probe hangs: nobody else may try meanwhile
    await h.runToEnd({ until: START + 65_000 });
    expect((await breaker()).state).toBe('half_open');
    const during = h.scm.received().filter((r) => Date.parse(r.receivedAt) >= START + 60_000);
    expect(during).toHaveLength(1);
    await h.runToEnd();
    expect(h.scm.received().filter((r) => r.answer === 200)).toHaveLength(5);
  });

  it('the SCM down for 30 minutes while 500 callbacks fall due: all delivered after, none in the DLQ, each once', async () => {
    h = await startHarness();
    h.scm.control({ downForSeconds: 30 * 60 });
    const envelopes: Awaited<ReturnType<Harness['optimizedShipment']>>[] = [];
    for (let i = 0; i < 500; i += 25) {
      const batch = Array.from({ length: 25 }, (_, j) =>
        h.optimizedShipment(`SHP-${String(i + j).padStart(3, '0')}`),
      );
      envelopes.push(...(await Promise.all(batch)));
    }
    // They fall due over the first 25 minutes of the outage, 20 a minute.
    let started = 0;
    const startDue = () => {
      const dueCount = Math.min(500, 20 * (Math.floor((h.clock.now() - START) / 60_000) + 1));
      while (started < dueCount) h.machine.start(envelopes[started++]);
    };
    startDue();
    const timer = h.clock.sleep(25 * 60_000);
    for (let m = 1; m <= 25; m++) void h.clock.sleep(m * 60_000).then(startDue);
    await h.runToEnd();
    await timer;
    expect(started).toBe(500);
    const ok = h.scm.received().filter((r) => r.answer === 200);
    expect(ok).toHaveLength(500);
    expect(new Set(ok.map((r) => r.webhookId)).size).toBe(500);
    expect(Math.min(...ok.map((r) => Date.parse(r.receivedAt)))).toBeGreaterThanOrEqual(START + 30 * 60_000);
    expect(await h.drainDlq()).toEqual([]);
    expect(h.failures).toEqual([]);
    // While open nothing was sent: at most the failures that opened it and one probe a minute.
    const refused = h.scm.received().filter((r) => r.answer === 'network');
    expect(refused.length).toBeLessThan(20 + 35);
    expect((await h.shipment('SHP-499'))?.status).toBe('ROUTE_APPLIED');
  }, 120_000);

  it('the SCM answering 500 for 3 hours with 50 deliveries waiting: failed probes count for nobody, 0 in the DLQ, each delivered once after', async () => {
    h = await startHarness();
    const outageEnd = START + 3 * 3600_000;
    h.scm.control({ failNext: 1_000_000, failWith: 500 });
    const envelopes = [];
    for (let i = 0; i < 50; i++)
      envelopes.push(await h.optimizedShipment(`SHP-${String(i).padStart(2, '0')}`));
    for (const e of envelopes) h.machine.start(e);
    let recovered = false;
    await h.runToEnd({
      onStep: (now) => {
        if (!recovered && now >= outageEnd) {
          recovered = true;
          h.scm.control({ failNext: 0 });
        }
      },
    });
    expect(recovered).toBe(true);
    expect(await h.drainDlq()).toEqual([]);
    expect(h.failures).toEqual([]);
    const ok = h.scm.received().filter((r) => r.answer === 200);
    expect(ok.map((r) => r.webhookId).sort()).toEqual(idsOf(envelopes).sort());
    expect(Math.min(...ok.map((r) => Date.parse(r.receivedAt)))).toBeGreaterThanOrEqual(outageEnd);
    // While open nothing was sent but one probe per open period (60 s): about 180 in 3 hours
    // (measured: 193 answers 500, of which 179 failed probes).
    const failed = h.scm.received().filter((r) => r.answer === 500);
    expect(failed.length).toBeLessThan(50 + 3 * 60 + 5);
    expect(h.metrics.filter((m) => m === 'CallbackProbeFailed').length).toBeGreaterThanOrEqual(170);
    for (let i = 0; i < 50; i++) {
      expect((await h.shipment(`SHP-${String(i).padStart(2, '0')}`))?.status).toBe('ROUTE_APPLIED');
      const record = await h.deps.callbacks.get(idsOf(envelopes)[i] ?? '');
      // The attempts that opened the breaker and the one that succeeded: never past the schedule.
      expect(record?.attempts).toBeLessThanOrEqual(5);
      expect(record?.status).toBe('COMPLETED');
    }
  }, 180_000);
});
