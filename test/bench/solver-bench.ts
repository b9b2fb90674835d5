import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { argumentsOrExit, numberOption, parseCli, UsageError } from '../../shared/runtime/cli';
import { readInstance } from '../../shared/solver/io/read-instance';
import { solveProblem } from '../../shared/solver/solve';
import { cpuClock } from './cpu-clock';
import { checkSolution } from './solver-checker';
import { machine, now, writeSection } from './solver-doc';

const SETS = ['solomon', 'x', 'abp', 'h400', 'h1000'] as const;
type SetName = (typeof SETS)[number];
const folders: Record<SetName, string[]> = {
  solomon: ['vrptw/solomon'],
  x: ['cvrp/X'],
  abp: ['cvrp/A', 'cvrp/B', 'cvrp/P'],
  h400: ['vrptw/homberger_400'],
  h1000: ['vrptw/homberger_1000'],
};
const DEFAULT_SECONDS: Record<SetName, string> = {
  solomon: '10',
  x: '30',
  abp: '5',
  h400: '60',
  h1000: '60',
};
const STANDARD_CHECKPOINTS = [1, 5, 10, 30, 60];
const USAGE = `usage: npm run bench:solver -- [--set solomon|x|abp|h400|h1000] [--time-limit S] [--checkpoints S,S,...] [--seed N] [--dir PATH] [--only NAME] [--doc FILE]

Solves every instance of a benchmark set, checks each solution independently and writes the
"Solver" section of --doc (default docs/benchmarks.md; not with --only).

  --set S          solomon (default), x, abp, h400 or h1000 (Gehring & Homberger 400 / 1000)
  --time-limit S   seconds per instance, > 0 (default 10; 30 for x, 5 for abp, 60 for h400/h1000)
  --checkpoints L  anytime curve: seconds at which the best solution so far is recorded and
                   checked, in the same run (default: those of 1,5,10,30,60 below the time
                   limit; "none" for none); the time limit itself is always reported
  --clock C        wall (default) or cpu: the time limit and checkpoints count this process's CPU
                   time instead of elapsed time (for a loaded shared machine, where a wall-clock
                   budget measures the neighbours as much as the engine)
  --seed N         integer seed (default 1)
  --dir PATH       the benchmark folder with bks.csv (default ../shared/benchmarks)
  --only NAME      only the instances whose name contains NAME (or one of a comma-separated list)`;
const { set, seconds, dir, seed, only, docFile, checkpoints, clockKind } = argumentsOrExit(
  'npm run bench:solver --',
  () => {
    const { values } = parseCli({
      usage: USAGE,
      options: {
        set: { type: 'string', default: 'solomon' },
        'time-limit': { type: 'string' },
        dir: { type: 'string', default: '../shared/benchmarks' },
        seed: { type: 'string', default: '1' },
        only: { type: 'string', default: '' },
        checkpoints: { type: 'string' },
        clock: { type: 'string', default: 'wall' },
        doc: { type: 'string', default: 'docs/benchmarks.md' },
      },
    });
    const set = values.set as SetName;
    if (!SETS.includes(set))
      throw new UsageError(`--set must be one of ${SETS.join(', ')}, got '${values.set}'`);
    const limit = values['time-limit'] ?? DEFAULT_SECONDS[set];
    const seconds = numberOption('--time-limit', limit, { min: 0, exclusiveMin: true, what: 'seconds' });
    let checkpoints = STANDARD_CHECKPOINTS.filter((c) => c < seconds);
    if (values.checkpoints === 'none') checkpoints = [];
    else if (values.checkpoints !== undefined) {
      checkpoints = values.checkpoints
        .split(',')
        .map((x) => numberOption('--checkpoints', x.trim(), { min: 0, exclusiveMin: true, what: 'seconds' }));
      if (checkpoints.some((c, i) => c >= seconds || (i > 0 && c <= checkpoints[i - 1]!)))
        throw new UsageError('--checkpoints must be ascending and below --time-limit');
    }
    const seed = numberOption('--seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 });
    const dir = resolve(values.dir);
    if (!existsSync(join(dir, 'bks.csv'))) throw new UsageError(`--dir ${dir} has no bks.csv`);
    if (values.clock !== 'wall' && values.clock !== 'cpu')
      throw new UsageError(`--clock must be wall or cpu, got '${values.clock}'`);
    return {
      set,
      seconds,
      dir,
      seed,
      only: values.only,
      docFile: resolve(values.doc),
      checkpoints,
      clockKind: values.clock,
    };
  },
);

const bks = new Map<string, number>();
for (const line of readFileSync(join(dir, 'bks.csv'), 'utf8').split('\n').slice(1)) {
  const f = line.split(',');
  if (f[4] === '1') bks.set(f[0]!, Number(f[1]));
}

function classOf(name: string): string {
  if (set === 'solomon' || set === 'h400' || set === 'h1000')
    return /^[A-Za-z]+\d/.exec(name)![0].toUpperCase();
  if (set === 'abp') return name[0]!;
  const n = Number(/n(\d+)/.exec(name)![1]);
  return n <= 200 ? 'X n≤200' : n <= 300 ? 'X 200<n≤300' : 'X 300<n≤401';
}

interface Row {
  name: string;
  cls: string;
  cost: number;
  bks: number;
  gap: number;
  seconds: number;
  vehicles: number;
  feasible: boolean;
  /** Gap of the best solution at each checkpoint (NaN when infeasible), same run. */
  curve: number[];
}

const files: string[] = [];
for (const f of folders[set]) {
  const d = join(dir, f);
  for (const e of readdirSync(d).sort()) if (/\.(txt|vrp)$/.test(e)) files.push(join(d, e));
}
const outDir = join(tmpdir(), 'solver-bench', set);
mkdirSync(outDir, { recursive: true });
const rows: Row[] = [];
const loadStart = loadavg();
const started = now();
const customerIds = (ids: number[], rs: number[][]): number[][] =>
  rs.filter((r) => r.length > 0).map((r) => r.map((c) => ids[c]!));
for (const file of files) {
  const inst = readInstance(file);
  if (only && !only.split(',').some((o) => inst.name.includes(o))) continue;
  const t0 = performance.now();
  const res = solveProblem(inst.problem, {
    timeLimitMs: seconds * 1000,
    ...(clockKind === 'cpu' ? { clock: cpuClock() } : {}),
    seed,
    checkpointsMs: checkpoints.map((c) => c * 1000),
  });
  const secs = (performance.now() - t0) / 1000;
  const routes = customerIds(inst.customerIds, res.routes);
  writeFileSync(join(outDir, `${inst.name}.json`), JSON.stringify({ routes }));
  const chk = checkSolution(file, routes);
  const b = bks.get(inst.name) ?? Number.NaN;
  const curve = (res.checkpoints ?? []).map((cp) => {
    const c = checkSolution(file, customerIds(inst.customerIds, cp.routes));
    return c.feasible && cp.unassigned.length === 0 ? ((c.cost - b) / b) * 100 : Number.NaN;
  });
  const row: Row = {
    name: inst.name,
    cls: classOf(inst.name),
    cost: chk.cost,
    bks: b,
    gap: ((chk.cost - b) / b) * 100,
    seconds: secs,
    vehicles: chk.vehicles,
    feasible: chk.feasible && res.unassigned.length === 0,
    curve,
  };
  rows.push(row);
  console.error(
    `${row.name.padEnd(14)} cost ${row.cost.toFixed(1).padStart(9)} bks ${b} gap ${row.gap.toFixed(2)}% ` +
      (curve.length > 0 ? `[${curve.map((g) => g.toFixed(2)).join(' ')}] ` : '') +
      `veh ${row.vehicles} ${row.feasible ? 'feasible' : `INFEASIBLE ${chk.errors.slice(0, 3).join('; ')}`} (${res.iterations} it)`,
  );
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
/** Augerat optima assume exactly k routes (k in the name); with the unlimited-fleet convention a few go below. */
function abpNote(): string[] {
  const over = rows.filter(
    (r) => r.vehicles > Number(/-k(\d+)/.exec(r.name)?.[1] ?? Number.POSITIVE_INFINITY),
  );
  if (over.length === 0) return [];
  const rest = rows.filter((r) => !over.includes(r));
  return [
    '',
    `With the unlimited fleet, ${over.length} instance(s) use more than the k routes the Augerat optima assume (so they can go below them: ` +
      `${over.map((r) => `${r.name}: ${r.vehicles} routes, ${fmt(r.gap)} %`).join('; ')}); ` +
      `mean gap over the other ${rest.length}: **${fmt(mean(rest.map((r) => r.gap)))} %**.`,
  ];
}
const loadEnd = loadavg();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const la = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
const setName: Record<SetName, string> = {
  solomon: 'solomon',
  x: 'x',
  abp: 'abp',
  h400: 'Gehring & Homberger 400',
  h1000: 'Gehring & Homberger 1000',
};
const vrptwSet = set === 'solomon' || set === 'h400' || set === 'h1000';
const title = `## Solver: ${setName[set]} @ ${seconds} s/instance`;
const curveHead = [...checkpoints.map((c) => `${c} s`), `${seconds} s`];
const curveOf = (rs: Row[]): string[] =>
  [...checkpoints.map((_, i) => mean(rs.map((r) => r.curve[i]!))), mean(rs.map((r) => r.gap))].map((g) =>
    fmt(g),
  );
const lines: string[] = [
  title,
  '',
  `Date ${started} to ${now()}; machine: ${machine()}; load average (1, 5, 15 min) ${la(loadStart)} at the start, ` +
    `${la(loadEnd)} at the end (a shared machine: other processes compete for the 2 cores); peak RSS of the ` +
    `benchmark process ${fmt(peakRssMb, 0)} MB; ` +
    `one thread, time limit ${seconds} s/instance ${clockKind === 'cpu' ? 'of CPU time (--clock cpu; the "seconds" column is elapsed time)' : '(elapsed time)'}, seed ${seed}. ` +
    `Costs recomputed by the independent checker (test/bench/solver-checker.ts) under the BKS convention ` +
    `(${vrptwSet ? 'DIMACS: arcs truncated to one decimal, distance only, ≤ fleet size' : 'TSPLIB nint arcs, unlimited fleet'}); ` +
    `BKS = primary row of bks.csv.`,
  '',
  `All feasible: **${rows.every((r) => r.feasible) ? 'yes' : 'NO'}** (${rows.filter((r) => r.feasible).length}/${rows.length}). ` +
    `Mean gap: **${fmt(mean(rows.map((r) => r.gap)))} %**.`,
  ...(set === 'abp' ? abpNote() : []),
  '',
  ...(checkpoints.length > 0
    ? [
        '',
        `Anytime curve (one run per instance; the best solution so far at each checkpoint, checked like the ` +
          `final one; the annealing schedule is stretched over the whole ${seconds} s, so an early checkpoint ` +
          `is worse than a run with that time limit): mean gap % at ${curveHead.join(', ')}: ` +
          `**${curveOf(rows).join(' / ')}**.`,
      ]
    : []),
  '',
  `| class | instances | mean gap %${checkpoints.length > 0 ? ` (${curveHead.join(' / ')})` : ''} | mean vehicles |`,
  '| --- | --- | --- | --- |',
];
for (const cls of [...new Set(rows.map((r) => r.cls))]) {
  const rs = rows.filter((r) => r.cls === cls);
  lines.push(
    `| ${cls} | ${rs.length} | ${curveOf(rs).join(' / ')} | ${fmt(mean(rs.map((r) => r.vehicles)), 1)} |`,
  );
}

lines.push(
  '',
  `| instance | cost | best known | gap %${checkpoints.length > 0 ? ` (${curveHead.join(' / ')})` : ''} | seconds | vehicles | feasible |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
);
for (const r of rows) {
  const g = [...r.curve.map((x) => fmt(x)), fmt(r.gap)].join(' / ');
  lines.push(
    `| ${r.name} | ${fmt(r.cost, vrptwSet ? 1 : 0)} | ${r.bks} | ${g} | ${fmt(r.seconds, 1)} | ${r.vehicles} | ${r.feasible ? 'yes' : 'NO'} |`,
  );
}
lines.push('');
const section = lines.join('\n');

if (!only) writeSection(docFile, title, section.slice(title.length + 2));
console.error(
  `mean gap ${fmt(mean(rows.map((r) => r.gap)))} %` +
    (checkpoints.length > 0 ? ` (curve ${curveOf(rows).join(' / ')})` : '') +
    `, feasible ${rows.filter((r) => r.feasible).length}/${rows.length}, peak RSS ${fmt(peakRssMb, 0)} MB, load ${la(loadStart)} -> ${la(loadEnd)}`,
);
