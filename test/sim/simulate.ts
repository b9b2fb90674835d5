/**
 * npm run simulate -- [--volume 1x|10x|100x] [--hours H] [--start-hour H] [--time-scale N]
 *                     [--faults LIST] [--seed S] [--report DIR]
 *
 * A generated day through the local runtime's public HTTP API, with faults, counting every
 * shipment: accepted, terminal by state, lost (must be 0), versions applied at the SCM more than
 * once (must be 0). The runtime runs as a child process on its own DATA_DIR; the fake SCM runs in
 * this process, so what it received survives a kill -9 of the runtime.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFakeScm } from '../../local/fake-scm/server';
import { seedClock } from '../../local/services/clock';
import { vehiclesFor } from '../../shared/domain/batching/fleet';
import { numberOption, parseCli, runCli, UsageError } from '../../shared/runtime/cli';
import { FleetConfig } from '../../shared/schemas/batching';
import { greatCircleMatrix, type ShipmentJobInput } from '../../shared/solver';
import { type DistanceGroup, dayDistances, type GroupDistance } from '../bench/day-distance';
import { type DayShipment, generateDay, HOURLY, rng } from '../bench/day-generator';
import { progressLine } from '../bench/progress';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';
import { describeFault, type Fault, formatDuration, parseFaults } from './faults';
import { type Chart, percentile, writeReport } from './report';
import { renderReportPng } from './report-png';

const USAGE = `usage: npm run simulate -- [--volume 1x|10x|100x] [--hours H] [--start-hour H] [--time-scale N] [--faults LIST] [--seed S] [--report DIR]

Drives a generated day (3 regions, 2 depots each, arrival peaks of 400/h at 1x, 15 % URGENT,
updates and cancellations) through the local runtime's HTTP API, with faults, then waits for
quiescence and writes report.md and report.html. Exit 0 only when nothing is lost and no version
is applied twice at the SCM.

  --volume V       1x, 10x or 100x the design peak (default 1x)
  --hours H        simulated hours to run (default 24)
  --start-hour H   hour of the generated day the run starts at (default 0; 8 is the morning peak)
  --time-scale N   simulated seconds per wall second, the runtime's TIME_SCALE (default 60)
  --faults LIST    e.g. scm-down@1h+20m,scm-slow@2h+10m,scm-409@0h+3h:0.1,kill@1h30m,
                   duplicates,out-of-order,malformed:0.02,burst@2h:5x (times from the run's start)
  --seed S         seed of the generated day (default 7)
  --report DIR     where the report goes (default sim-report)
  --settle-s N     wall seconds without progress before quiescence is declared (default: 90, and
                   at least two 10-minute windows of wall time at the run's TIME_SCALE)
  --day-budget-s N whole-day optimization budget per region and service date for the distance
                   comparison, s (default 10; 0 skips it)
  --cpu-prof DIR   profile the runtime (node --cpu-prof, one .cpuprofile per runtime process in DIR)
  --whole-day-max N a region and service date with more routed shipments is not optimized as a
                   whole day (memory; default 3000)
  --png            also render report.html to report.png (needs chromium: apt-get install -y
                   chromium, or CHROMIUM_PATH)

Progress (simulated time, accepted, in flight, terminal, failures, how far the sender is behind
the timeline, ETA) goes to stderr: rewritten in place on a terminal, a line every 10 s otherwise.`;

interface Options {
  volume: number;
  hours: number;
  startHour: number;
  timeScale: number;
  faults: Fault[];
  seed: number;
  report: string;
  settleS: number;
  dayBudgetMs: number;
  wholeDayMax: number;
  cpuProf?: string;
  png: boolean;
}

function options(): Options {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      volume: { type: 'string', default: '1x' },
      hours: { type: 'string', default: '24' },
      'start-hour': { type: 'string', default: '0' },
      'time-scale': { type: 'string', default: '60' },
      faults: { type: 'string', default: '' },
      seed: { type: 'string', default: '7' },
      report: { type: 'string', default: 'sim-report' },
      'settle-s': { type: 'string' },
      'day-budget-s': { type: 'string', default: '10' },
      'whole-day-max': { type: 'string', default: '3000' },
      'cpu-prof': { type: 'string' },
      png: { type: 'boolean', default: false },
    },
  });
  const volume = { '1x': 1, '10x': 10, '100x': 100 }[values.volume];
  if (!volume) throw new UsageError(`--volume must be 1x, 10x or 100x, got '${values.volume}'`);
  const startHour = numberOption('--start-hour', values['start-hour'], { integer: true, min: 0, max: 23 });
  const timeScale = numberOption('--time-scale', values['time-scale'], { min: 1, max: 1000 });
  return {
    volume,
    hours: numberOption('--hours', values.hours, { min: 0, exclusiveMin: true, max: 24 - startHour }),
    startHour,
    timeScale,
    faults: parseFaults(values.faults),
    seed: numberOption('--seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    report: values.report,
    // Shipments waiting in an open window make no progress until it closes: at TIME_SCALE 2 a
    // 10-minute window is 300 s of wall time, and 90 s of quiet called 205 of them lost.
    settleS:
      values['settle-s'] === undefined
        ? Math.max(90, Math.ceil((2 * 600) / timeScale) + 30)
        : numberOption('--settle-s', values['settle-s'], { min: 1 }),
    dayBudgetMs: numberOption('--day-budget-s', values['day-budget-s'], { min: 0 }) * 1000,
    wholeDayMax: numberOption('--whole-day-max', values['whole-day-max'], { integer: true, min: 1 }),
    ...(values['cpu-prof'] ? { cpuProf: resolve(values['cpu-prof']) } : {}),
    png: values.png,
  };
}

const TIME_ZONE = 'Europe/Stockholm';
const REGION_IDS: Record<string, string> = {
  stockholm: 'se-stockholm',
  gothenburg: 'se-gothenburg',
  malmo: 'se-malmo',
};
/** Shipments a batch holds at most (contract §3). */
const MAX_BATCH = 100;
const TERMINAL = new Set(['ROUTE_APPLIED', 'CANCELLED', 'CALLBACK_FAILED']);

interface Tracked {
  id: string;
  s: DayShipment;
  region: string;
  urgent: boolean;
  /** The body last accepted. */
  body?: Record<string, unknown>;
  /** Latest version answered 2xx. */
  latest: number;
  /** Wall ms each accepted version was accepted at. */
  acceptedAt: Map<number, number>;
  cancelled: boolean;
}

interface Attempted {
  status: number;
  body: unknown;
  ms: number;
  attempts: number;
}

/** Local wall time `hh:00` on `date` (YYYY-MM-DD) in TIME_ZONE, as epoch ms. */
function zoned(date: string, hour: number): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, hour);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(guess));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return guess - (asUtc - guess);
}

function localDate(ms: number, plusDays = 0): string {
  const d = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(ms));
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, day + plusDays)).toISOString().slice(0, 10);
}

function localHour(ms: number): number {
  return Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', hourCycle: 'h23' }).format(
      new Date(ms),
    ),
  );
}

async function main(): Promise<void> {
  const opts = options();
  const random = rng(opts.seed ^ 0x5eed);
  const live = progressLine({ label: 'sim' });
  const say = (line: string) => live.log(line);

  // --- the day: arrivals of the simulated hours, in simulated seconds from the start of the run.
  const day = generateDay(opts.seed, 2500 * opts.volume);
  const from = day.day + opts.startHour * 3600;
  const until = from + opts.hours * 3600;
  const horizon = opts.hours * 3600;
  const tracked: Tracked[] = day.shipments
    .filter((s) => s.arrival >= from && s.arrival < until)
    .map((s) => ({
      id: `SIM-${opts.seed}-${s.job.id}`,
      s: { ...s, arrival: s.arrival - from },
      region: REGION_IDS[s.region] ?? s.region,
      urgent: s.priority === 'URGENT',
      latest: 0,
      acceptedAt: new Map(),
      cancelled: false,
    }));
  const faults = opts.faults;
  const has = (kind: Fault['kind']) => faults.some((f) => f.kind === kind);
  for (const f of faults) {
    if (f.kind !== 'burst') continue;
    // Extra shipments at `factor` times the peak, spread over the burst (from the same geography).
    const count = Math.round(((Math.max(...HOURLY) * opts.volume * f.factor) / 3600) * f.duration);
    const extra = generateDay(opts.seed + 1000 + f.at, Math.max(count * 3, 100)).shipments.slice(0, count);
    for (const [i, s] of extra.entries())
      tracked.push({
        id: `SIM-${opts.seed}-B${f.at}-${String(i).padStart(5, '0')}`,
        s: { ...s, arrival: f.at + (i / Math.max(1, count)) * f.duration },
        region: REGION_IDS[s.region] ?? s.region,
        urgent: s.priority === 'URGENT',
        latest: 0,
        acceptedAt: new Map(),
        cancelled: false,
      });
  }
  if (tracked.length === 0)
    throw new UsageError('no shipment arrives in the hours chosen (try --start-hour 8)');

  // --- the SCM (in this process) and the runtime (a child process on its own DATA_DIR).
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const scm = await startFakeScm({ secret });
  const dataDir = mkdtempSync(join(tmpdir(), 'simulate-'));
  const depots = day.regions.map((r) => ({
    region: REGION_IDS[r.region] ?? r.region,
    depots: r.depots.map((d) => ({ id: d.id, lat: d.location.lat, lon: d.location.lon })),
  }));
  const fleet = {
    calendar: { timeZone: TIME_ZONE, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
    defaults: {
      vehiclesPerDepot: Math.max(10, 10 * Math.ceil(opts.volume / 2)),
      shiftStart: '07:00',
      shiftEnd: '22:00',
    },
    regions: Object.fromEntries(depots.map((r) => [r.region, { depots: r.depots }])),
  };
  const env = {
    TIME_SCALE: String(opts.timeScale),
    SCM_CALLBACK_URL: scm.webhookUrl,
    SCM_WEBHOOK_SECRET: secret,
    SCM_BASE_URL: scm.url,
    FLEET_CONFIG: JSON.stringify(fleet),
    API_RATE_LIMIT: '10000',
    API_BURST_LIMIT: '20000',
    ...(opts.cpuProf
      ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${opts.cpuProf}`.trim() }
      : {}),
  };
  // The runtime's service clock starts at the simulated start hour, local time (the next one at or
  // after now: a clock never starts before the wall clock), so the shifts, cutoffs and peaks of the
  // generated day line up with the hours the report names, whatever hour the run starts at.
  const clockStart = (() => {
    const today = zoned(localDate(Date.now()), opts.startHour);
    return today >= Date.now() ? today : zoned(localDate(Date.now(), 1), opts.startHour);
  })();
  seedClock(dataDir, clockStart, opts.timeScale);
  let runtime: RuntimeProcess = await startRuntimeProcess({ dataDir, env, ownGroup: true });
  let down = false;
  const serviceNow = () => {
    const { clock } = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as {
      clock: { timeScale: number; wallMs: number; clockMs: number };
    };
    return clock.clockMs + (Date.now() - clock.wallMs) * clock.timeScale;
  };
  let serviceAnchor = serviceNow();
  let anchorWall = Date.now();
  const now = () => serviceAnchor + (Date.now() - anchorWall) * opts.timeScale;

  // --- HTTP: every write retried as an SCM integration would (same Idempotency-Key).
  const failures: string[] = [];
  const apiLatency = {
    ingest: [] as number[],
    urgent: [] as number[],
    ingestAt: [] as number[],
    urgentAt: [] as number[],
  };
  const wall0 = Date.now();
  const simNow = () => ((Date.now() - wall0) * opts.timeScale) / 1000;
  const send = async (
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Attempted> => {
    const deadline = Date.now() + 300_000;
    let attempts = 0;
    for (;;) {
      attempts++;
      const started = performance.now();
      try {
        const res = await fetch(`${runtime.url}${path}`, {
          method,
          headers: { 'x-api-key': runtime.apiKey, 'content-type': 'application/json', ...headers },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        const ms = performance.now() - started;
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // a non-JSON answer is kept as text
        }
        const inProgress = res.status === 409 && /idempotent-request-in-progress/.test(text);
        if ((res.status >= 500 || res.status === 429 || inProgress) && Date.now() < deadline) {
          if (res.status >= 500 && !down)
            failures.push(`${method} ${path}: ${res.status} ${text.slice(0, 160)}`);
          await sleep(250);
          continue;
        }
        return { status: res.status, body: parsed, ms, attempts };
      } catch (error) {
        if (Date.now() >= deadline) return { status: 0, body: String(error), ms: 0, attempts };
        await sleep(down ? 200 : 500);
      }
    }
  };

  const windowFor = (t: Tracked) => {
    // As an SCM sends it: a third of NEXT_DAY shipments with a 3-hour slot on the next day (the day
    // after when it arrives past 19:00 local, after the plan's cutoff), local time.
    if (t.s.priority !== 'STANDARD' || !t.s.job.timeWindow) return undefined;
    const at = now();
    const date = localDate(at, localHour(at) >= 19 ? 2 : 1);
    const startHour = 8 + Math.floor(random() * 7);
    return {
      start: new Date(zoned(date, startHour)).toISOString(),
      end: new Date(zoned(date, startHour + 3)).toISOString(),
    };
  };
  const bodyOf = (t: Tracked, version: number) => {
    const r = depots.find((d) => d.region === t.region);
    const depot = r?.depots.find((d) => d.id === t.s.job.originDepotId) ?? r?.depots[0];
    const timeWindow = version === 1 ? windowFor(t) : (t.body?.timeWindow as { start: string } | undefined);
    return {
      shipmentId: t.id,
      version,
      region: t.region,
      serviceLevel:
        t.s.priority === 'URGENT' ? 'SAME_DAY' : t.s.priority === 'STANDARD' ? 'NEXT_DAY' : 'ECONOMY',
      origin: { depotId: depot?.id, lat: depot?.lat, lon: depot?.lon },
      destination: { lat: t.s.job.destination.lat, lon: t.s.job.destination.lon },
      ...(timeWindow ? { timeWindow } : {}),
      serviceMinutes: Math.round(t.s.job.serviceSeconds / 60),
      weightKg: t.s.job.weightKg + (version - 1) * 0.5,
      volumeM3: Math.round((t.s.job.volumeM3 ?? 0.05) * 1000) / 1000,
      metadata: { simulation: true, order: `ORD-${t.s.job.id}` },
    };
  };

  const accept = (t: Tracked, version: number, res: Attempted, body: Record<string, unknown>) => {
    if (res.status === 200 || res.status === 202) {
      if (!t.acceptedAt.has(version)) t.acceptedAt.set(version, Date.now());
      if (version >= t.latest) {
        t.latest = version;
        t.body = body;
      }
      return true;
    }
    return false;
  };

  const counters = { requests: 0, malformed: 0, malformedWrong: 0, duplicates: 0, outOfOrder: 0, gaveUp: 0 };
  const create = async (t: Tracked) => {
    const body = bodyOf(t, 1);
    const key = `${t.id}-v1`;
    const first = send('POST', '/v1/shipments', body, { 'idempotency-key': key });
    const dup = has('duplicates')
      ? send('POST', '/v1/shipments', body, { 'idempotency-key': key })
      : undefined;
    const res = await first;
    counters.requests++;
    if (res.status === 0) counters.gaveUp++;
    (t.urgent ? apiLatency.urgent : apiLatency.ingest).push(res.ms);
    (t.urgent ? apiLatency.urgentAt : apiLatency.ingestAt).push(simNow());
    if (!accept(t, 1, res, body) && res.status !== 0)
      failures.push(`POST ${t.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    if (dup) {
      const d = await dup;
      counters.duplicates++;
      accept(t, 1, d, body);
      // And once more without a key, as a resend: the same version again is a replay or a 409.
      const again = await send('POST', '/v1/shipments', body);
      counters.duplicates++;
      if (![200, 202, 409].includes(again.status))
        failures.push(`duplicate POST ${t.id}: ${again.status} ${JSON.stringify(again.body).slice(0, 200)}`);
    }
  };
  const update = async (t: Tracked, versions: number[]) => {
    for (const v of versions) {
      if (t.cancelled || t.latest === 0) return;
      const body = bodyOf(t, v);
      const res = await send('PUT', `/v1/shipments/${t.id}`, body, { 'idempotency-key': `${t.id}-v${v}` });
      counters.requests++;
      if (accept(t, v, res, body)) continue;
      if (res.status === 409 && v < t.latest) counters.outOfOrder++;
      else if (res.status !== 0)
        failures.push(`PUT ${t.id} v${v}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
  };
  const cancel = async (t: Tracked) => {
    if (t.latest === 0) return;
    const res = await send(
      'POST',
      `/v1/shipments/${t.id}/cancel`,
      { reason: 'customer cancelled' },
      { 'idempotency-key': `${t.id}-cancel` },
    );
    counters.requests++;
    if (res.status === 200) t.cancelled = true;
    else failures.push(`cancel ${t.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  };
  const malformedBodies = (t: Tracked): unknown[] => {
    const b = bodyOf(t, 1);
    const id = `${t.id}-BAD`;
    return [
      '{"shipmentId": "x", "version": 1,',
      { ...b, shipmentId: id, destination: { lat: 123, lon: 18 } },
      { ...b, shipmentId: id, weightKg: -1 },
      { ...b, shipmentId: id, colour: 'red' },
      { ...b, shipmentId: 'has spaces and /slashes' },
      { ...b, shipmentId: id, version: 0 },
      { ...b, shipmentId: id, serviceLevel: 'WHENEVER' },
      { ...b, shipmentId: id, timeWindow: { start: '2026-13-40T99:00:00Z', end: 'soon' } },
    ];
  };
  const malformed = async (t: Tracked) => {
    const bodies = malformedBodies(t);
    const body = bodies[Math.floor(random() * bodies.length)];
    const res = await send('POST', '/v1/shipments', body);
    counters.malformed++;
    if (res.status < 400 || res.status >= 500) {
      counters.malformedWrong++;
      failures.push(`malformed POST answered ${res.status}: ${JSON.stringify(body).slice(0, 120)}`);
    }
  };

  // --- the timeline: arrivals, updates (8 %), cancellations (3 %), malformed requests, faults.
  type Event = { at: number; run: () => Promise<void> | void; what: string };
  const events: Event[] = [];
  const malformedShare = faults.find((f) => f.kind === 'malformed')?.share ?? 0;
  for (const t of tracked) {
    events.push({ at: t.s.arrival, run: () => create(t), what: 'create' });
    const u = random();
    if (u < 0.08) {
      const at = t.s.arrival + 600 + random() * 7200;
      const versions = has('out-of-order') && random() < 0.4 ? [3, 2] : [2];
      if (at < horizon) events.push({ at, run: () => update(t, versions), what: 'update' });
    } else if (u < 0.11) {
      const at = t.s.arrival + 300 + random() * 10_800;
      if (at < horizon) events.push({ at, run: () => cancel(t), what: 'cancel' });
    }
    if (random() < malformedShare)
      events.push({ at: t.s.arrival + 1, run: () => malformed(t), what: 'malformed' });
  }
  const restart = async () => {
    down = true;
    say(`kill -9 of the runtime (pid ${runtime.pid}) at ${formatDuration(simNow())}`);
    await runtime.stop('SIGKILL');
    // A restart recovers what the killed process left (deliveries, outbox, queues) before it
    // listens: after an SCM outage at 10x that is thousands of items, so give it minutes.
    runtime = await startRuntimeProcess({ dataDir, env, readyTimeoutMs: 300_000, ownGroup: true });
    serviceAnchor = serviceNow();
    anchorWall = Date.now();
    down = false;
    say(`runtime restarted (pid ${runtime.pid}) on the same DATA_DIR`);
  };
  for (const f of faults) {
    if (f.kind === 'scm-down')
      events.push({
        at: f.at,
        run: () => scm.control({ downForSeconds: f.duration / opts.timeScale }),
        what: 'fault',
      });
    if (f.kind === 'scm-slow') {
      events.push({
        at: f.at,
        run: () => scm.control({ failNext: 1_000_000_000, failWith: 'timeout' }),
        what: 'fault',
      });
      events.push({ at: f.at + f.duration, run: () => scm.control({ failNext: 0 }), what: 'fault' });
    }
    if (f.kind === 'scm-409') {
      events.push({ at: f.at, run: () => scm.control({ conflictShare: f.share }), what: 'fault' });
      events.push({ at: f.at + f.duration, run: () => scm.control({ conflictShare: 0 }), what: 'fault' });
    }
    if (f.kind === 'kill') events.push({ at: f.at, run: restart, what: 'kill' });
  }
  events.sort((a, b) => a.at - b.at);

  // --- progress: simulated time, accepted, in flight, terminal (applied at the SCM or cancelled).
  const appliedVersions = () => {
    const applied = new Map<string, number>();
    for (const r of scm.received()) {
      if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) continue;
      const m = /"type":"shipment\.route_optimized".*?"shipmentId":"([^"]+)","version":(\d+)/.exec(r.body);
      if (m?.[1]) applied.set(m[1], Math.max(applied.get(m[1]) ?? 0, Number(m[2])));
    }
    return applied;
  };
  // --- queue depths, sampled from the runtime's SQS (visible + in flight), every few wall seconds.
  const QUEUES = ['p0', 'p1', 'p2'] as const;
  const depthNames = [...QUEUES, ...QUEUES.map((q) => `${q} DLQ`)];
  const depths: { at: number; values: number[] }[] = [];
  let sqsOf: { endpoint: string; client: SQSClient } | undefined;
  const sampleDepths = async () => {
    if (down) return;
    const r = runtime;
    if (sqsOf?.endpoint !== r.endpoints.sqs) {
      sqsOf?.client.destroy();
      sqsOf = {
        endpoint: r.endpoints.sqs,
        client: new SQSClient({
          region: 'us-east-1',
          endpoint: r.endpoints.sqs,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      };
    }
    const client = sqsOf.client;
    const urls = [...QUEUES.map((q) => r.queues[q].url), ...QUEUES.map((q) => r.queues[q].dlqUrl)];
    try {
      const values = await Promise.all(
        urls.map(async (QueueUrl) => {
          const a = await client.send(
            new GetQueueAttributesCommand({
              QueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return (
            Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
          );
        }),
      );
      depths.push({ at: simNow(), values });
    } catch {
      // the runtime is restarting: no sample
    }
  };
  const sampler = setInterval(() => void sampleDepths(), opts.timeScale >= 10 ? 2000 : 5000);

  // The ETA: what is left of the timeline (or of the events, at the rate they go out when the
  // sender is behind), then the drain of what is in flight at the rate shipments became terminal
  // over the last minute.
  let sent = 0;
  let sentAt = 0;
  const seen: { wall: number; terminal: number; sent: number }[] = [];
  const progress = () => {
    const applied = appliedVersions();
    const accepted = tracked.filter((t) => t.latest > 0);
    const terminal = accepted.filter((t) => t.cancelled || (applied.get(t.id) ?? 0) >= t.latest).length;
    const inFlight = accepted.length - terminal;
    const wall = Date.now();
    seen.push({ wall, terminal, sent });
    while (seen.length > 2 && wall - (seen[0]?.wall ?? wall) > 60_000) seen.shift();
    const first = seen[0] ?? { wall, terminal, sent };
    const span = (wall - first.wall) / 1000;
    const terminalRate = span > 0 ? (terminal - first.terminal) / span : 0;
    const sendRate = span > 0 ? (sent - first.sent) / span : 0;
    const timelineLeft = Math.max(0, (wall0 + (horizon * 1000) / opts.timeScale - wall) / 1000);
    const eventsLeft = events.length - sent;
    const sendingLeft =
      eventsLeft === 0 ? 0 : Math.max(timelineLeft, sendRate > 0 ? eventsLeft / sendRate : timelineLeft);
    const drain = inFlight === 0 ? 0 : terminalRate > 0 ? inFlight / terminalRate : undefined;
    const lag = eventsLeft > 0 ? Math.max(0, simNow() - sentAt) : 0;
    live.update(
      `${formatDuration(Math.min(simNow(), horizon))}/${formatDuration(horizon)}  accepted ${accepted.length}/${tracked.length}  in flight ${inFlight}  terminal ${terminal}  failures ${failures.length}${lag > 120 ? `  sender behind by ${formatDuration(lag)}` : ''}${down ? '  (runtime down)' : ''}`,
      drain === undefined ? undefined : sendingLeft + drain,
    );
    return terminal;
  };
  const ticker = setInterval(progress, 1000);

  say(
    `simulate: ${tracked.length} shipments over ${formatDuration(horizon)} from ${String(opts.startHour).padStart(2, '0')}:00 at ${opts.volume}x, TIME_SCALE ${opts.timeScale} (about ${Math.ceil(horizon / opts.timeScale)} s of wall time); faults: ${faults.map(describeFault).join(', ') || 'none'}; DATA_DIR ${dataDir}`,
  );
  // Ctrl-C (SIGINT) or SIGTERM: stop sending, look at the shipments once, and write the report of
  // what was sent (marked interrupted); a second signal ends the process at once.
  let interrupted: { at: number; signal: string } | undefined;
  let wake: () => void = () => {};
  const woken = new Promise<void>((r) => {
    wake = r;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = { at: sentAt, signal };
    live.log(`${signal}: no more arrivals; writing the report of what was sent (again to stop at once)`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const pause = (ms: number) => Promise.race([sleep(ms), woken]);
  const limit = 16;
  let inFlight = 0;
  const running = new Set<Promise<void>>();
  for (const e of events) {
    const due = wall0 + (e.at * 1000) / opts.timeScale;
    if (due > Date.now()) await pause(due - Date.now());
    if (interrupted) break;
    sent++;
    sentAt = e.at;
    if (e.what === 'kill') {
      await e.run();
      continue;
    }
    while (inFlight >= limit) await Promise.race(running);
    inFlight++;
    let p: Promise<void> = Promise.resolve();
    p = (async () => {
      try {
        await e.run();
      } catch (error) {
        failures.push(`${e.what}: ${(error as Error).message}`);
      } finally {
        inFlight--;
        running.delete(p);
      }
    })();
    running.add(p);
  }
  await Promise.all(running);
  const endOfDay = wall0 + (horizon * 1000) / opts.timeScale;
  if (endOfDay > Date.now() && !interrupted) await pause(endOfDay - Date.now());
  scm.control({ reset: true, conflictShare: 0 });

  // One window's worth of messages per queue (p0, p1, p2; none for the DLQs): see the report.
  const windowWorth = (): (number | undefined)[] => {
    const urgentPer = new Map<number, number>();
    const per = {
      STANDARD: new Map<number, Map<string, number>>(),
      BULK: new Map<number, Map<string, number>>(),
    };
    for (const t of tracked) {
      const b = Math.floor(t.s.arrival / 600);
      if (t.s.priority === 'URGENT') urgentPer.set(b, (urgentPer.get(b) ?? 0) + 1);
      else {
        const m = per[t.s.priority].get(b) ?? new Map<string, number>();
        m.set(t.region, (m.get(t.region) ?? 0) + 1);
        per[t.s.priority].set(b, m);
      }
    }
    const batches = (m: Map<number, Map<string, number>>) =>
      Math.max(
        0,
        ...[...m.values()].map((r) => [...r.values()].reduce((a, n) => a + Math.ceil(n / MAX_BATCH), 0)),
      );
    return [Math.max(0, ...urgentPer.values()), batches(per.STANDARD), batches(per.BULK)];
  };

  /**
   * The planned distance of the routes the routed shipments are on (GET /v1/routes/{id}, each
   * route once), against each shipment alone and one optimization per region and service date
   * that knows all of them in advance (same fleet, --day-budget-s each), as bench:pipeline does.
   */
  const dayDistanceFigures = async (routed: Tracked[]) => {
    const fleetConfig = FleetConfig.parse(fleet);
    const matrix = greatCircleMatrix({ roadFactor: fleetConfig.roadFactor, speedKmh: fleetConfig.speedKmh });
    const groupOf = (t: Tracked) => `${t.region} ${statuses.get(t.id)?.serviceDate ?? '?'}`;
    const routeGroup = new Map<string, string>();
    for (const t of routed) {
      const routeId = statuses.get(t.id)?.route?.routeId;
      if (routeId && !routeGroup.has(routeId)) routeGroup.set(routeId, groupOf(t));
    }
    const planned = new Map<string, number>();
    let stops = 0;
    let missing = 0;
    const ids = [...routeGroup.keys()];
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map(async (routeId) => {
          const res = await send('GET', `/v1/routes/${encodeURIComponent(routeId)}`, undefined);
          const r = res.body as { distanceMeters?: number; stops?: unknown[] };
          if (res.status !== 200 || typeof r.distanceMeters !== 'number') {
            missing++;
            return;
          }
          const g = routeGroup.get(routeId) ?? '?';
          planned.set(g, (planned.get(g) ?? 0) + r.distanceMeters);
          stops += r.stops?.length ?? 0;
        }),
      );
    }
    const byGroup = new Map<string, Tracked[]>();
    for (const t of routed) byGroup.set(groupOf(t), [...(byGroup.get(groupOf(t)) ?? []), t]);
    const groups: DistanceGroup[] = [...byGroup.entries()].map(([name, ts]) => {
      const region = ts[0]?.region ?? '';
      const serviceDate = statuses.get(ts[0]?.id ?? '')?.serviceDate ?? localDate(now());
      const regionDepots = (depots.find((d) => d.region === region)?.depots ?? []).map((d) => ({
        id: d.id,
        location: { lat: d.lat, lon: d.lon },
      }));
      const planningStart = Math.floor(zoned(serviceDate, 0) / 1000);
      const jobs: ShipmentJobInput[] = ts.map((t) => {
        const b = t.body as ReturnType<typeof bodyOf>;
        const w = b.timeWindow as { start: string; end: string } | undefined;
        return {
          id: t.id,
          originDepotId: String(b.origin.depotId),
          destination: b.destination,
          weightKg: b.weightKg,
          volumeM3: b.volumeM3,
          serviceSeconds: b.serviceMinutes * 60,
          ...(w ? { timeWindow: { start: Date.parse(w.start) / 1000, end: Date.parse(w.end) / 1000 } } : {}),
          mustServe: t.urgent,
        };
      });
      return {
        name,
        depots: regionDepots,
        vehicles: vehiclesFor(region, regionDepots, fleetConfig, planningStart, serviceDate),
        shipments: jobs,
        planningStart,
      };
    });
    const results: GroupDistance[] = await dayDistances(groups, {
      budgetMs: Math.max(1, opts.dayBudgetMs),
      matrix,
      maxShipments: opts.dayBudgetMs > 0 ? opts.wholeDayMax : 0,
      onGroup: (done, g) =>
        live.update(
          `distance: whole day ${done}/${groups.length} (${g.name})`,
          ((groups.length - done) * opts.dayBudgetMs) / 1000,
        ),
    });
    const km = (m: number) => (m / 1000).toFixed(1);
    const sum = (f: (g: GroupDistance) => number) => results.reduce((a, g) => a + f(g), 0);
    const solo = sum((g) => g.soloMeters);
    const plannedAll = sum((g) => planned.get(g.name) ?? 0);
    const optimized = results.filter((g) => g.wholeDayMeters !== undefined);
    const soloOpt = optimized.reduce((a, g) => a + g.soloMeters, 0);
    const plannedOpt = optimized.reduce((a, g) => a + (planned.get(g.name) ?? 0), 0);
    const whole = optimized.reduce((a, g) => a + (g.wholeDayMeters ?? 0), 0);
    const less = (x: number, ref: number) => (ref > 0 ? `${((1 - x / ref) * 100).toFixed(1)} % less` : '—');
    const ratios = {
      plannedVsSolo: solo > 0 ? plannedAll / solo : 0,
      plannedVsWholeDay: whole > 0 ? plannedOpt / whole : 0,
    };
    const markdown = `Distance of the ${routed.length} shipments routed and applied (great-circle × ${fleetConfig.roadFactor} at ${fleetConfig.speedKmh} km/h, the runtime's estimate), grouped by region and service date (${results.length} groups):

| strategy | distance km | vs. each alone |
| --- | --- | --- |
| each shipment routed alone (depot → destination → depot) | ${km(solo)} | — |
| **the simulated day's planned routes** (${routeGroup.size} routes, ${stops} stops${missing ? `, ${missing} routes not found` : ''}) | **${km(plannedAll)}** | **${less(plannedAll, solo)}** |
| whole day known in advance (one optimization per region and service date, ${opts.dayBudgetMs / 1000} s each, same fleet${optimized.length < results.length ? `; ${results.length - optimized.length} groups above ${opts.wholeDayMax} shipments not optimized` : ''}) | ${opts.dayBudgetMs > 0 ? km(whole) : 'skipped'} | ${opts.dayBudgetMs > 0 ? less(whole, soloOpt) : '—'} |

Planned / each alone: ${ratios.plannedVsSolo.toFixed(3)}; planned / whole day (the ${optimized.length} groups optimized${optimized.reduce((a, g) => a + (g.unassigned ?? 0), 0) ? `, ${optimized.reduce((a, g) => a + (g.unassigned ?? 0), 0)} shipments unassigned in the whole-day plans` : ''}): ${opts.dayBudgetMs > 0 && whole > 0 ? ratios.plannedVsWholeDay.toFixed(3) : '—'}. The whole-day plan knows every shipment at the start of its day and ignores when each arrived, so it is a bound the pipeline cannot reach.`;
    return { markdown, ratios };
  };

  // --- quiescence: every accepted shipment terminal, or no progress for --settle-s.
  say('all arrivals sent; waiting for quiescence');
  let last = -1;
  let lastChange = Date.now();
  interface Listed {
    shipmentId: string;
    status: string;
    version: number;
    statusReason?: string;
    serviceDate?: string | null;
    route?: { routeId: string } | null;
  }
  const statuses = new Map<string, Listed>();
  const poll = async () => {
    told = toldUnassigned();
    statuses.clear();
    for (const region of new Set(tracked.map((t) => t.region))) {
      let cursor: string | null = null;
      do {
        const q: string = `/v1/shipments?region=${region}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await send('GET', q, undefined);
        if (res.status !== 200)
          throw new Error(`GET ${q}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        const page = res.body as {
          items: Listed[];
          nextCursor: string | null;
        };
        for (const i of page.items) statuses.set(i.shipmentId, i);
        cursor = page.nextCursor;
      } while (cursor);
    }
  };
  /** `${id}@v${version}` the SCM took a shipment.unassigned notice of (2xx): it knows it was not planned. */
  const toldUnassigned = () => {
    const told = new Set<string>();
    for (const r of scm.received()) {
      if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) continue;
      const m = /"type":"shipment\.unassigned".*?"shipmentId":"([^"]+)","version":(\d+)/.exec(r.body);
      if (m) told.add(`${m[1]}@v${m[2]}`);
    }
    return told;
  };
  let told = new Set<string>();
  // Terminal: applied, cancelled, dead-lettered, or STALE with the SCM told (given up, or a notice
  // of this version taken): a shipment the SCM was told could not be planned is not lost; one left
  // STALE that nobody told is.
  const isTerminal = (t: Tracked) => {
    const s = statuses.get(t.id);
    if (!s) return false;
    if (t.cancelled) return s.status === 'CANCELLED';
    if (s.version < t.latest) return false;
    return (
      TERMINAL.has(s.status) ||
      (s.status === 'STALE' &&
        (/unassigned|given up/i.test(s.statusReason ?? '') || told.has(`${t.id}@v${s.version}`)))
    );
  };
  const accepted = () => tracked.filter((t) => t.latest > 0);
  for (;;) {
    await poll();
    const done = accepted().filter(isTerminal).length;
    progress();
    if (done === accepted().length || interrupted) break;
    if (done !== last) {
      last = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > opts.settleS * 1000) break;
    await pause(2000);
  }
  clearInterval(ticker);
  clearInterval(sampler);
  progress();
  live.end();
  const wallSeconds = (Date.now() - wall0) / 1000;

  // --- figures.
  const acc = accepted();
  const byState = new Map<string, number>();
  const lost: string[] = [];
  for (const t of acc) {
    const s = statuses.get(t.id);
    const state = s
      ? s.status === 'STALE' && isTerminal(t)
        ? 'STALE (not planned, the SCM told)'
        : s.status
      : 'not found';
    byState.set(state, (byState.get(state) ?? 0) + 1);
    if (!isTerminal(t))
      lost.push(
        `${t.id} v${t.latest}: ${s ? `${s.status} v${s.version}${s.statusReason ? ` (${s.statusReason.slice(0, 140)})` : ''}` : 'not found'}`,
      );
  }
  const received = scm.received();
  const appliedIds = new Map<string, Set<string>>();
  let redeliveries = 0;
  /** Distinct webhook-ids the SCM took (2xx), per callback type: what an integration processes. */
  const takenByType = new Map<string, Set<string>>();
  const firstApplied = new Map<string, number>();
  const outcomes = {
    '2xx': [] as number[],
    '409': [] as number[],
    timeout: [] as number[],
    network: [] as number[],
    other: [] as number[],
  };
  for (const r of received) {
    const at = ((Date.parse(r.receivedAt) - wall0) * opts.timeScale) / 1000;
    const a = r.answer;
    const cls =
      a === 'timeout'
        ? 'timeout'
        : a === 'network'
          ? 'network'
          : a === 409
            ? '409'
            : a >= 200 && a < 300
              ? '2xx'
              : 'other';
    outcomes[cls].push(at);
    if (cls !== '2xx') continue;
    const type = /"type":"shipment\.([a-z_]+)"/.exec(r.body)?.[1] ?? 'other';
    const taken = takenByType.get(type) ?? new Set<string>();
    taken.add(r.webhookId);
    takenByType.set(type, taken);
    const m = /"type":"shipment\.route_optimized".*?"shipmentId":"([^"]+)","version":(\d+)/.exec(r.body);
    if (!m) continue;
    const key = `${m[1]}@v${m[2]}`;
    const ids = appliedIds.get(key) ?? new Set<string>();
    if (ids.has(r.webhookId)) redeliveries++;
    ids.add(r.webhookId);
    appliedIds.set(key, ids);
    if (!firstApplied.has(key)) firstApplied.set(key, Date.parse(r.receivedAt));
  }
  const takenTotal = [...takenByType.values()].reduce((n, ids) => n + ids.size, 0);
  const callbacksPerShipment = acc.length ? takenTotal / acc.length : 0;
  // For each version applied twice, what the SCM was sent about that shipment, in order: the
  // evidence to trace it (type, planRevision, webhook-id, answer, simulated time).
  const historyOf = (shipmentId: string) =>
    received
      .filter((r) => r.body.includes(`"shipmentId":"${shipmentId}"`))
      .map((r) => {
        const type = /"type":"shipment\.([a-z_]+)"/.exec(r.body)?.[1] ?? '?';
        const rev = /"planRevision":(\d+)/.exec(r.body)?.[1] ?? '-';
        const at = formatDuration(((Date.parse(r.receivedAt) - wall0) * opts.timeScale) / 1000);
        return `${type} rev ${rev} ${r.webhookId.slice(0, 12)} → ${r.answer} at ${at}`;
      })
      .join('; ');
  const appliedTwice = [...appliedIds.entries()]
    .filter(([, ids]) => ids.size > 1)
    .map(([k, ids]) => `${k} (${ids.size} webhook-ids): ${historyOf(k.split('@')[0] ?? '')}`);
  const e2e = { all: [] as number[], urgent: [] as number[] };
  for (const t of acc) {
    const applied = firstApplied.get(`${t.id}@v${t.latest}`);
    const from = t.acceptedAt.get(t.latest);
    if (applied === undefined || from === undefined) continue;
    const minutes = ((applied - from) * opts.timeScale) / 60_000;
    e2e.all.push(minutes);
    if (t.urgent) e2e.urgent.push(minutes);
  }

  // --- distance: the day's planned routes against each shipment alone and the whole day known.
  say('distance: reading the planned routes and optimizing the whole day for comparison');
  const distance = await dayDistanceFigures(
    acc.filter((t) => !t.cancelled && statuses.get(t.id)?.status === 'ROUTE_APPLIED'),
  );

  // --- queue depths: the largest seen per queue against one window's worth of messages.
  const worth = windowWorth();
  const depthStats = depthNames.map((name, q) => {
    const xs = depths.map((d) => d.values[q] ?? 0);
    return {
      name,
      max: xs.length ? Math.max(...xs) : 0,
      p95: percentile(xs, 95),
      last: xs.at(-1) ?? 0,
      worth: worth[q],
    };
  });
  const queuesOk = depthStats.every((d) => d.worth === undefined || d.max <= d.worth);

  const row = (name: string, xs: number[], digits = 0) =>
    `| ${name} | ${percentile(xs, 50).toFixed(digits)} | ${percentile(xs, 95).toFixed(digits)} | ${percentile(xs, 99).toFixed(digits)} | ${xs.length ? Math.max(...xs).toFixed(digits) : '0'} | ${xs.length} |`;
  const ok = lost.length === 0 && appliedTwice.length === 0 && !interrupted;
  if (!ok && !interrupted) live.log(`FAIL: lost ${lost.length}, applied twice ${appliedTwice.length}`);
  const verdict = interrupted ? 'INTERRUPTED' : ok ? 'PASS' : 'FAIL';
  const interruption = interrupted
    ? `\n\n**Interrupted** (${interrupted.signal}) at simulated ${formatDuration(interrupted.at)} of ${formatDuration(horizon)}, after ${sent} of ${events.length} arrivals and faults, without waiting for quiescence: "lost" counts the accepted shipments not yet terminal when it stopped (many are still on their way), so this run is neither a pass nor a fail. The figures cover what was sent.`
    : '';
  const md = `# Day simulation

Date ${new Date().toISOString()}; machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(
      ' ',
    )}. Volume ${opts.volume}x (peak ${Math.max(...HOURLY) * opts.volume}/h), ${formatDuration(horizon)} simulated from ${String(opts.startHour).padStart(2, '0')}:00 of the generated day (seed ${opts.seed}; the runtime's service clock started at ${new Date(clockStart).toISOString()}, ${String(opts.startHour).padStart(2, '0')}:00 ${TIME_ZONE}), TIME_SCALE ${opts.timeScale}, ${wallSeconds.toFixed(0)} s wall. Regions ${depots.map((d) => d.region).join(', ')} (${TIME_ZONE}). Faults: ${faults.map(describeFault).join(', ') || 'none'}.

Result: **${verdict}** — lost ${lost.length}, applied twice ${appliedTwice.length}.${interruption}

| figure | value |
| --- | --- |
| shipments generated | ${tracked.length} (${tracked.filter((t) => t.urgent).length} URGENT) |
| accepted | ${acc.length} |
| **lost** (accepted, not terminal at its latest version, or not found) | **${lost.length}** |
| **versions applied at the SCM more than once** (distinct webhook-ids for one shipment version) | **${appliedTwice.length}** |
| same webhook-id answered 2xx again (a redelivery the SCM deduplicates) | ${redeliveries} |
| versions accepted after an update | ${acc.filter((t) => t.latest > 1).length} |
| cancelled | ${acc.filter((t) => t.cancelled).length} |
| out-of-order versions refused (409) | ${counters.outOfOrder} |
| duplicate requests | ${counters.duplicates} |
| malformed requests (answered 4xx / otherwise) | ${counters.malformed - counters.malformedWrong} / ${counters.malformedWrong} |
| writes given up by the client (no answer in 5 min) | ${counters.gaveUp} |
| failures (unexpected answers, 5xx) | ${failures.length} |
| callbacks taken per accepted shipment (distinct webhook-ids answered 2xx) | ${callbacksPerShipment.toFixed(2)} (${[
    ...takenByType.entries(),
  ]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, ids]) => `${type} ${ids.size}`)
    .join(', ')}) |
| callbacks received by the SCM | ${received.length} (${Object.entries(outcomes)
    .map(([k, v]) => `${k} ${v.length}`)
    .join(', ')}) |

Queue depths (messages visible + in flight, ${depths.length} samples from the runtime's SQS): ${queuesOk ? "no queue beyond one window's worth" : "**a queue grew beyond one window's worth**"}. One window's worth: URGENT arrivals in the busiest 10 simulated minutes (p0: one message per shipment the real-time path could not place), batches those arrivals form per region at most ${MAX_BATCH} a batch (p1 STANDARD, p2 BULK: one message per closed window); a DLQ should stay at 0.

| queue | max | p95 | at the end | one window's worth |
| --- | --- | --- | --- | --- |
${depthStats.map((d) => `| ${d.name} | ${d.max} | ${d.p95} | ${d.last} | ${d.worth ?? '0 (alarm on any)'} |`).join('\n')}

${distance.markdown}

Terminal by state:

| state | shipments |
| --- | --- |
${[...byState.entries()]
  .sort()
  .map(([s, n]) => `| ${s} | ${n} |`)
  .join('\n')}

| latency | p50 | p95 | p99 | max | n |
| --- | --- | --- | --- | --- | --- |
${row('API ingest (STANDARD/BULK POST), ms wall', apiLatency.ingest)}
${row('API URGENT (SAME_DAY POST, real-time optimization), ms wall', apiLatency.urgent)}
${row('end-to-end accepted → applied at the SCM, simulated minutes', e2e.all, 1)}
${row('end-to-end URGENT, simulated minutes', e2e.urgent, 1)}
${
  lost.length
    ? `\nLost:\n\n${lost
        .slice(0, 50)
        .map((l) => `- ${l}`)
        .join('\n')}\n`
    : ''
}${
  appliedTwice.length
    ? `\nApplied twice:\n\n${appliedTwice
        .slice(0, 50)
        .map((l) => `- ${l}`)
        .join('\n')}\n`
    : ''
}${
  failures.length
    ? `\nFailures (first 20):\n\n${failures
        .slice(0, 20)
        .map((l) => `- \`${l.replace(/`/g, "'")}\``)
        .join('\n')}\n`
    : ''
}
Reproduce: \`npm run simulate -- --volume ${opts.volume}x --hours ${opts.hours} --start-hour ${opts.startHour} --time-scale ${opts.timeScale} --seed ${opts.seed}${faults.length ? ` --faults ${faults.map(describeFault).join(',')}` : ''}\`
`;
  const bucket = 600;
  const nb = Math.max(1, Math.ceil(horizon / bucket) + 2);
  const labels = Array.from({ length: nb }, (_, i) => formatDuration(i * bucket));
  const count = (xs: number[]) => {
    const out = new Array<number>(nb).fill(0);
    for (const x of xs) out[Math.min(nb - 1, Math.max(0, Math.floor(x / bucket)))]!++;
    return out;
  };
  const hourly = (xs: number[], at: number[], p: number) => {
    const groups = Array.from({ length: nb }, () => [] as number[]);
    for (const [i, v] of xs.entries()) groups[Math.min(nb - 1, Math.floor((at[i] ?? 0) / bucket))]?.push(v);
    return groups.map((g) => percentile(g, p));
  };
  const acceptedAt = acc.map((t) => (((t.acceptedAt.get(1) ?? wall0) - wall0) * opts.timeScale) / 1000);
  const appliedAt = [...firstApplied.values()].map((w) => ((w - wall0) * opts.timeScale) / 1000);
  // Queue depths: the largest sample in each bucket (a quarter of the throughput bucket).
  const depthBucket = bucket / 4;
  const nd = Math.max(1, Math.ceil(horizon / depthBucket) + 8);
  const depthBuckets = Array.from({ length: nd }, () => new Array<number>(depthNames.length).fill(0));
  for (const d of depths) {
    const b = depthBuckets[Math.min(nd - 1, Math.floor(d.at / depthBucket))];
    if (!b) continue;
    for (const [q, v] of d.values.entries()) b[q] = Math.max(b[q] ?? 0, v);
  }
  while (depthBuckets.length > 1 && depthBuckets.at(-1)?.every((v) => v === 0)) depthBuckets.pop();
  const depthLabels = depthBuckets.map((_, i) => formatDuration(i * depthBucket));
  const charts: Chart[] = [
    {
      title: 'Throughput per 10 simulated minutes',
      unit: 'shipments',
      labels,
      series: [
        { name: 'accepted', color: '#1f77b4', values: count(acceptedAt) },
        { name: 'applied at the SCM', color: '#2ca02c', values: count(appliedAt) },
      ],
    },
    {
      title: 'API latency per 10 simulated minutes (ingest)',
      unit: 'ms',
      labels,
      series: [50, 95, 99].map((p, i) => ({
        name: `p${p}`,
        color: ['#2ca02c', '#ff7f0e', '#d62728'][i] as string,
        values: hourly(apiLatency.ingest, apiLatency.ingestAt, p),
      })),
    },
    {
      title: 'API latency per 10 simulated minutes (URGENT)',
      unit: 'ms',
      labels,
      series: [50, 95, 99].map((p, i) => ({
        name: `p${p}`,
        color: ['#2ca02c', '#ff7f0e', '#d62728'][i] as string,
        values: hourly(apiLatency.urgent, apiLatency.urgentAt, p),
      })),
    },
    {
      title: 'Queue depths (messages visible + in flight)',
      unit: 'messages',
      labels: depthLabels,
      series: depthNames.map((name, q) => ({
        name,
        color: ['#d62728', '#1f77b4', '#2ca02c', '#ff9896', '#aec7e8', '#98df8a'][q] as string,
        values: depthBuckets.map((b) => b[q] ?? 0),
      })),
    },
    {
      title: 'Callbacks by outcome at the SCM',
      unit: 'callbacks',
      labels,
      stacked: true,
      series: [
        { name: '2xx', color: '#2ca02c', values: count(outcomes['2xx']) },
        { name: '409', color: '#ff7f0e', values: count(outcomes['409']) },
        { name: 'timeout', color: '#9467bd', values: count(outcomes.timeout) },
        { name: 'network (down)', color: '#d62728', values: count(outcomes.network) },
        { name: 'other', color: '#7f7f7f', values: count(outcomes.other) },
      ],
    },
  ];
  const dir = resolve(opts.report);
  writeReport(dir, 'Day simulation', md, charts);
  if (opts.png) await renderReportPng(join(dir, 'report.html'), join(dir, 'report.png'));
  await runtime.stop();
  await scm.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `simulate: ${verdict} accepted ${acc.length}, lost ${lost.length}, applied twice ${appliedTwice.length}, failures ${failures.length}; ingest p99 ${percentile(apiLatency.ingest, 99).toFixed(0)} ms, URGENT p99 ${percentile(apiLatency.urgent, 99).toFixed(0)} ms, end-to-end p99 ${percentile(e2e.all, 99).toFixed(1)} simulated min; callbacks per shipment ${callbacksPerShipment.toFixed(2)}; distance planned/alone ${distance.ratios.plannedVsSolo.toFixed(3)}, planned/whole day ${distance.ratios.plannedVsWholeDay.toFixed(3)}; queues ${queuesOk ? 'within' : 'BEYOND'} one window's worth; report ${join(dir, 'report.md')}\n`,
  );
  process.exitCode = interrupted ? 130 : ok ? 0 : 1;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

runCli('npm run simulate --', main);
