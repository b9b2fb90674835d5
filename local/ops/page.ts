import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  type DomainError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  UnauthorizedError,
} from '../../shared/domain/errors';
import { CORRELATION_HEADER, correlationIdOf } from '../../shared/runtime/http/middleware';
import { toProblem } from '../../shared/runtime/http/problem';
import type { OpsFigures } from './figures';

/** The cookie that carries the API key for the ops page (HttpOnly, SameSite=Strict, /ops only). */
export const OPS_COOKIE = 'ops_key';

const require = createRequire(import.meta.url);
const asset = (path: string) => readFileSync(require.resolve(path), 'utf8');
let assets: Record<string, { type: string; body: string }> | undefined;
const uplotAssets = () => {
  assets ??= {
    '/ops/assets/uPlot.iife.min.js': {
      type: 'text/javascript; charset=utf-8',
      body: asset('uplot/dist/uPlot.iife.min.js'),
    },
    '/ops/assets/uPlot.min.css': { type: 'text/css; charset=utf-8', body: asset('uplot/dist/uPlot.min.css') },
  };
  return assets;
};

const sameKey = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A cookie that is not percent-encoded properly is no key.
    }
  }
  return out;
}

const html = (
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy':
      "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    ...headers,
  },
  body,
});

/** The shape of every other problem (shared/runtime/http/problem.ts): typed, instance, correlationId. */
const problem = (req: IncomingMessage, url: URL, error: DomainError): APIGatewayProxyResult => {
  const given = req.headers[CORRELATION_HEADER.toLowerCase()];
  const correlationId = correlationIdOf(Array.isArray(given) ? given[0] : given);
  const body = { ...toProblem(error, correlationId), instance: url.pathname };
  return {
    statusCode: body.status,
    headers: {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      [CORRELATION_HEADER]: correlationId,
    },
    body: JSON.stringify(body),
  };
};

/**
 * The operations page of the local runtime: `/ops` (HTML, uPlot charts served from node_modules),
 * `/ops/figures.json` (what it shows). Protected by the API key: the `x-api-key` header, or
 * `/ops?key=…` once in a browser, which sets an HttpOnly cookie for /ops and drops the key from the
 * address bar. Returns undefined for any other path.
 */
export function opsPages(options: { apiKey: string; figures: () => Promise<OpsFigures> }) {
  return async (req: IncomingMessage, url: URL): Promise<APIGatewayProxyResult | undefined> => {
    if (url.pathname !== '/ops' && !url.pathname.startsWith('/ops/')) return undefined;
    if ((req.method ?? 'GET').toUpperCase() !== 'GET')
      return problem(req, url, new MethodNotAllowedError(`${req.method} is not allowed on ${url.pathname}`));
    const file = uplotAssets()[url.pathname];
    if (file) {
      return {
        statusCode: 200,
        headers: { 'Content-Type': file.type, 'Cache-Control': 'max-age=3600' },
        body: file.body,
      };
    }

    const queryKey = url.searchParams.get('key');
    if (url.pathname === '/ops' && queryKey !== null) {
      if (!sameKey(queryKey, options.apiKey)) return html(403, loginPage('That API key is not valid.'));
      return html(303, '', {
        Location: '/ops',
        'Set-Cookie': `${OPS_COOKIE}=${encodeURIComponent(queryKey)}; HttpOnly; SameSite=Strict; Path=/ops; Max-Age=43200`,
      });
    }
    const header = req.headers['x-api-key'];
    const given = (Array.isArray(header) ? header[0] : header) ?? cookies(req)[OPS_COOKIE];
    const authorized = given !== undefined && sameKey(given, options.apiKey);

    if (url.pathname === '/ops') {
      if (given === undefined) return html(401, loginPage());
      if (!authorized) return html(403, loginPage('That API key is not valid.'));
      return html(200, OPS_PAGE);
    }
    if (url.pathname === '/ops/figures.json') {
      if (given === undefined)
        return problem(req, url, new UnauthorizedError('x-api-key header or the ops cookie is required'));
      if (!authorized) return problem(req, url, new ForbiddenError('the API key is not valid'));
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        body: JSON.stringify(await options.figures()),
      };
    }
    return problem(req, url, new NotFoundError(`no route for ${url.pathname}`));
  };
}

function loginPage(message = 'The operations page needs the API key `npm start` printed.'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Operations — sign in</title>
<style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:28rem;color:#1d2733}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.5rem 0}button{font:inherit;padding:.4rem 1rem}</style>
</head><body><h1>SCM route optimizer · operations</h1><p>${message.replace(/`([^`]+)`/g, '<code>$1</code>')}</p>
<form method="get" action="/ops"><label>API key <input name="key" type="password" autocomplete="off" required></label>
<button type="submit">Open</button></form></body></html>`;
}

const OPS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Operations — SCM route optimizer</title>
<link rel="stylesheet" href="/ops/assets/uPlot.min.css">
<style>
  :root { --fg:#1d2733; --muted:#5b6b7c; --line:#dde3ea; --bad:#b42318; --ok:#067647; --warn:#b54708; }
  body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); margin: 0; background: #f6f8fa; }
  header { background: #1d2733; color: #fff; padding: .6rem 1.2rem; display: flex; gap: 1.5rem; align-items: baseline; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header span { color: #c5ced8; font-size: .85rem; }
  main { padding: 1rem 1.2rem; display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 1rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: .95rem; margin: 0 0 .5rem; }
  .tiles { display: flex; flex-wrap: wrap; gap: .6rem; }
  .tile { border: 1px solid var(--line); border-radius: 4px; padding: .3rem .6rem; min-width: 7rem; }
  .tile b { display: block; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
  .tile small { color: var(--muted); }
  .bad b { color: var(--bad); } .ok b { color: var(--ok); }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid var(--line); font-size: .85rem; }
  th { color: var(--muted); font-weight: 600; }
  td.num { text-align: right; }
  .state-open, .state-half_open { color: var(--bad); font-weight: 600; } .state-closed { color: var(--ok); }
  .empty { color: var(--muted); font-style: italic; }
</style>
</head>
<body>
<header><h1>SCM route optimizer · operations</h1>
  <span>local runtime · last <span id="window-minutes">60</span> min · updated <span id="updated" data-testid="updated">—</span> · refresh <span id="refreshes" data-testid="refreshes">0</span></span></header>
<main>
  <section class="wide"><h2>At a glance</h2><div class="tiles" id="tiles"></div></section>
  <section class="wide"><h2>Queue depth (visible messages, per 10 s)</h2><div id="chart-depth" data-chart="depth"></div></section>
  <section><h2>Latency: optimization and real-time (worst per 10 s, seconds)</h2><div id="chart-latency" data-chart="latency"></div></section>
  <section><h2>End to end RECEIVED → ROUTE_APPLIED (worst per 10 s, service seconds)</h2><div id="chart-e2e" data-chart="e2e"></div></section>
  <section><h2>Callbacks and version conflicts (per 10 s)</h2><div id="chart-callbacks" data-chart="callbacks"></div></section>
  <section><h2>Queues and dead-letter queues</h2><table data-testid="queues"><thead><tr><th>queue</th><th class="num">visible</th><th class="num">in flight</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Latency percentiles (seconds)</h2><table data-testid="latency"><thead><tr><th></th><th class="num">n</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Circuit breakers</h2><table data-testid="breakers"><thead><tr><th>endpoint</th><th>state</th><th class="num">failures</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Open windows</h2><table data-testid="windows"><thead><tr><th>region</th><th>priority</th><th class="num">shipments</th><th>closes (service clock)</th></tr></thead><tbody></tbody></table></section>
  <section class="wide"><h2>Recent batches</h2><table data-testid="batches"><thead><tr><th>finished (service clock)</th><th>region</th><th>priority</th><th>kind</th><th class="num">optimized</th><th class="num">vehicles</th><th class="num">consolidation gain</th><th class="num">solver s</th></tr></thead><tbody></tbody></table></section>
  <section class="wide"><h2>Living plans (region, service date)</h2><table data-testid="plans"><thead><tr><th>service date</th><th>region</th><th class="num">revision</th><th class="num">stops</th><th class="num">routes</th><th class="num">km</th><th class="num">unassigned</th><th>dispatch cutoff (service clock)</th><th>state</th></tr></thead><tbody></tbody></table></section>
  <section class="wide"><h2>Stuck or flagged shipments</h2><table data-testid="flagged"><thead><tr><th>shipment</th><th>version</th><th>status</th><th>region</th><th>since</th><th>reason</th></tr></thead><tbody></tbody></table></section>
</main>
<script src="/ops/assets/uPlot.iife.min.js"></script>
<script>
(() => {
  const state = (window.opsState = { refreshes: 0, figures: null, charts: {}, errors: 0 });
  const fmt = (v, digits = 2) => (v === null || v === undefined ? '—' : Number(v).toFixed(digits));
  const time = (iso) => new Date(iso).toLocaleTimeString();
  const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = String(text); if (cls) td.className = cls; return td; };
  const fill = (name, rows, empty) => {
    const body = document.querySelector('[data-testid="' + name + '"] tbody');
    body.replaceChildren();
    if (rows.length === 0) { const tr = document.createElement('tr'); const td = cell(empty, 'empty'); td.colSpan = 9; tr.append(td); body.append(tr); return; }
    for (const cells of rows) { const tr = document.createElement('tr'); tr.append(...cells); body.append(tr); }
  };
  const tile = (id, label, value, cls) => {
    const div = document.createElement('div'); div.className = 'tile ' + (cls || ''); div.dataset.testid = id;
    const b = document.createElement('b'); b.textContent = value; const small = document.createElement('small'); small.textContent = label;
    div.append(b, small); return div;
  };
  const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563', '#65a30d'];
  const charts = {
    depth: (f) => Object.keys(f.series.lines).filter((k) => k.startsWith('depth ')),
    latency: () => ['optimization STANDARD', 'optimization BULK', 'real-time'],
    e2e: () => ['end to end'],
    callbacks: () => ['callbacks delivered', 'callbacks failed', 'version conflicts'],
  };
  const draw = (f) => {
    for (const [name, labels] of Object.entries(charts)) {
      const keys = labels(f);
      const data = [f.series.t, ...keys.map((k) => f.series.lines[k])];
      const el = document.getElementById('chart-' + name);
      let entry = state.charts[name];
      if (!entry || entry.keys.join() !== keys.join()) {
        el.replaceChildren();
        const plot = new uPlot({
          width: Math.max(320, el.clientWidth), height: name === 'depth' ? 200 : 180,
          series: [{}, ...keys.map((k, i) => ({ label: k.replace(/^depth /, ''), stroke: palette[i % palette.length], width: 1.5, spanGaps: name === 'depth', points: { show: true, size: 6 } }))],
          axes: [{}, { size: 50 }], legend: { live: false },
        }, data, el);
        entry = state.charts[name] = { plot, keys, points: 0 };
      } else entry.plot.setData(data);
      entry.points = data.slice(1).reduce((n, line) => n + line.filter((v) => v !== null && v !== 0).length, 0);
      el.dataset.points = String(entry.points);
    }
  };
  const render = (f) => {
    const lat = f.latency;
    const deadLetters = f.queues.filter((q) => q.deadLetter).reduce((n, q) => n + q.visible, 0);
    const depth = f.queues.filter((q) => !q.deadLetter).reduce((n, q) => n + q.visible + q.inFlight, 0);
    const open = f.breakers.filter((b) => b.state !== 'closed').length;
    document.getElementById('tiles').replaceChildren(
      tile('queued', 'messages in queues', depth, depth >= 1000 ? 'bad' : ''),
      tile('dead-letters', 'in dead-letter queues', deadLetters, deadLetters > 0 ? 'bad' : 'ok'),
      tile('open-windows', 'open windows', f.openWindows.length),
      tile('batches', 'recent batches', f.recentBatches.length),
      tile('delivered', 'callbacks delivered', f.callbacks.delivered, 'ok'),
      tile('failed', 'callbacks failed', f.callbacks.failed, f.callbacks.failed > 0 ? 'bad' : ''),
      tile('success-rate', 'callback success', f.callbacks.successRate === null ? '—' : (f.callbacks.successRate * 100).toFixed(1) + ' %'),
      tile('breakers-open', 'breakers open', open, open > 0 ? 'bad' : 'ok'),
      tile('conflicts', 'version conflicts', f.versionConflicts),
      tile('stuck', 'stuck shipments found', f.stuckShipmentsFound, f.stuckShipmentsFound > 0 ? 'bad' : ''),
      tile('scm-discrepancies', 'SCM discrepancies (daily)', f.scmDiscrepanciesFound, f.scmDiscrepanciesFound > 0 ? 'bad' : ''),
      tile('flagged', 'flagged shipments', f.flagged.length, f.flagged.length > 0 ? 'bad' : ''),
      tile('realtime-p99', 'real-time p99 (s)', fmt(lat.realtime.p99), lat.realtime.p99 > 10 ? 'bad' : ''),
      tile('e2e-p50', 'end to end p50 (s)', fmt(lat.endToEnd.p50, 0)),
    );
    fill('queues', f.queues.map((q) => [cell(q.name, q.deadLetter && q.visible > 0 ? 'state-open' : ''), cell(q.visible, 'num'), cell(q.inFlight, 'num')]), 'no queues');
    const p = (label, v, d) => [cell(label), cell(v.count, 'num'), cell(fmt(v.p50, d), 'num'), cell(fmt(v.p95, d), 'num'), cell(fmt(v.p99, d), 'num')];
    fill('latency', [p('optimization STANDARD', lat.optimization.STANDARD), p('optimization BULK', lat.optimization.BULK), p('real-time insertion', lat.realtime), p('end to end', lat.endToEnd, 0)], '');
    fill('breakers', f.breakers.map((b) => [cell(b.endpoint), cell(b.state.replace('_', '-'), 'state-' + b.state), cell(b.consecutiveFailures, 'num')]), 'no SCM endpoint configured');
    fill('windows', f.openWindows.map((w) => [cell(w.region), cell(w.priority), cell(w.count, 'num'), cell(time(w.closesAt))]), 'no open window');
    fill('batches', f.recentBatches.map((b) => [cell(time(b.finishedAt)), cell(b.region), cell(b.priority), cell(b.kind), cell(b.optimized, 'num'), cell(b.vehiclesUsed, 'num'), cell(fmt(b.consolidationGainPct, 1) + ' %', 'num'), cell(fmt(b.solverSeconds), 'num')]), 'no batch yet');
    const planState = (p) => p.state === 'open' ? (p.callbacksHeld ? 'open: callbacks held until the cutoff' : 'open: re-planned by each window') : p.state === 'frozen' ? 'frozen: final callbacks sent' : 'same day: routes freeze as they leave';
    fill('plans', f.plans.map((p) => [cell(p.serviceDate), cell(p.region), cell(p.revision, 'num'), cell(p.stops, 'num'), cell(p.routes, 'num'), cell(fmt(p.distanceKm, 1), 'num'), cell(p.unassigned, 'num'), cell(p.cutoffAt ? new Date(p.cutoffAt).toLocaleString() : '—'), cell(planState(p), p.state === 'frozen' ? 'state-closed' : '')]), 'no plan yet');
    fill('flagged', f.flagged.map((s) => [cell(s.shipmentId), cell(s.version), cell(s.status, 'state-open'), cell(s.region), cell(time(s.updatedAt)), cell(s.reason)]), 'nothing flagged');
    document.getElementById('updated').textContent = time(f.generatedAt);
    document.getElementById('window-minutes').textContent = f.windowMinutes;
    draw(f);
  };
  const refresh = async () => {
    try {
      const res = await fetch('/ops/figures.json', { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401 || res.status === 403) { location.href = '/ops'; return; }
      const f = await res.json();
      state.figures = f;
      render(f);
      state.refreshes++;
      document.getElementById('refreshes').textContent = state.refreshes;
    } catch (e) { state.errors++; console.error(e); }
    setTimeout(refresh, 2000);
  };
  refresh();
})();
</script>
</body>
</html>`;
