import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { argumentsOrExit, numberOption, parseCli, UsageError } from '../../shared/runtime/cli';
import { readInstance } from '../../shared/solver/io/read-instance';
import { solveProblem } from '../../shared/solver/solve';
import { checkSolution } from './solver-checker';
import { machine, now, writeSection } from './solver-doc';

const SETS = ['solomon', 'x', 'abp'] as const;
const folders: Record<(typeof SETS)[number], string[]> = {
  solomon: ['vrptw/solomon'],
  x: ['cvrp/X'],
  abp: ['cvrp/A', 'cvrp/B', 'cvrp/P'],
};
const USAGE = `usage: npm run bench:solver -- [--set solomon|x|abp] [--time-limit S] [--seed N] [--dir PATH] [--only NAME] [--doc FILE]

Solves every instance of a benchmark set, checks each solution independently and writes the
"Solver" section of --doc (default docs/benchmarks.md; not with --only).

  --set S          solomon (default), x or abp
  --time-limit S   seconds per instance, > 0 (default 10; 30 for x, 5 for abp)
  --seed N         integer seed (default 1)
  --dir PATH       the benchmark folder with bks.csv (default ../shared/benchmarks)
  --only NAME      only the instances whose name contains NAME`;
const { set, seconds, dir, seed, only, docFile } = argumentsOrExit('npm run bench:solver --', () => {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      set: { type: 'string', default: 'solomon' },
      'time-limit': { type: 'string' },
      dir: { type: 'string', default: '../shared/benchmarks' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string', default: '' },
      doc: { type: 'string', default: 'docs/benchmarks.md' },
    },
  });
  const set = values.set as (typeof SETS)[number];
  if (!SETS.includes(set))
    throw new UsageError(`--set must be one of ${SETS.join(', ')}, got '${values.set}'`);
  const limit = values['time-limit'] ?? (set === 'x' ? '30' : set === 'abp' ? '5' : '10');
  const seconds = numberOption('--time-limit', limit, { min: 0, exclusiveMin: true, what: 'seconds' });
  const seed = numberOption('--seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const dir = resolve(values.dir);
  if (!existsSync(join(dir, 'bks.csv'))) throw new UsageError(`--dir ${dir} has no bks.csv`);
  return { set, seconds, dir, seed, only: values.only, docFile: resolve(values.doc) };
});

const bks = new Map<string, number>();
for (const line of readFileSync(join(dir, 'bks.csv'), 'utf8').split('\n').slice(1)) {
  const f = line.split(',');
  if (f[4] === '1') bks.set(f[0]!, Number(f[1]));
}

function classOf(name: string): string {
  if (set === 'solomon') return /^[A-Z]+\d/.exec(name)![0];
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
}

const files: string[] = [];
for (const f of folders[set]) {
  const d = join(dir, f);
  for (const e of readdirSync(d).sort()) if (/\.(txt|vrp)$/.test(e)) files.push(join(d, e));
}
const outDir = join(tmpdir(), 'solver-bench', set);
mkdirSync(outDir, { recursive: true });
const rows: Row[] = [];
for (const file of files) {
  const inst = readInstance(file);
  if (only && !inst.name.includes(only)) continue;
  const t0 = performance.now();
  const res = solveProblem(inst.problem, { timeLimitMs: seconds * 1000, seed });
  const secs = (performance.now() - t0) / 1000;
  const routes = res.routes.filter((r) => r.length > 0).map((r) => r.map((c) => inst.customerIds[c]!));
  writeFileSync(join(outDir, `${inst.name}.json`), JSON.stringify({ routes }));
  const chk = checkSolution(file, routes);
  const b = bks.get(inst.name) ?? Number.NaN;
  const row: Row = {
    name: inst.name,
    cls: classOf(inst.name),
    cost: chk.cost,
    bks: b,
    gap: ((chk.cost - b) / b) * 100,
    seconds: secs,
    vehicles: chk.vehicles,
    feasible: chk.feasible,
  };
  rows.push(row);
  console.error(
    `${row.name.padEnd(14)} cost ${row.cost.toFixed(1).padStart(9)} bks ${b} gap ${row.gap.toFixed(2)}% ` +
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
const title = `## Solver: ${set} @ ${seconds} s/instance`;
const lines: string[] = [
  title,
  '',
  `Date ${now()}; machine: ${machine()}; ` +
    `one thread, time limit ${seconds} s/instance, seed ${seed}. ` +
    `Costs recomputed by the independent checker (test/bench/solver-checker.ts) under the BKS convention ` +
    `(${set === 'solomon' ? 'DIMACS: arcs truncated to one decimal, distance only, ≤ fleet size' : 'TSPLIB nint arcs, unlimited fleet'}); ` +
    `BKS = primary row of bks.csv.`,
  '',
  `All feasible: **${rows.every((r) => r.feasible) ? 'yes' : 'NO'}** (${rows.filter((r) => r.feasible).length}/${rows.length}). ` +
    `Mean gap: **${fmt(mean(rows.map((r) => r.gap)))} %**.`,
  ...(set === 'abp' ? abpNote() : []),
  '',
  '| class | instances | mean gap % | mean vehicles |',
  '| --- | --- | --- | --- |',
];
for (const cls of [...new Set(rows.map((r) => r.cls))]) {
  const rs = rows.filter((r) => r.cls === cls);
  lines.push(
    `| ${cls} | ${rs.length} | ${fmt(mean(rs.map((r) => r.gap)))} | ${fmt(mean(rs.map((r) => r.vehicles)), 1)} |`,
  );
}
lines.push(
  '',
  '| instance | cost | best known | gap % | seconds | vehicles | feasible |',
  '| --- | --- | --- | --- | --- | --- | --- |',
);
for (const r of rows) {
  lines.push(
    `| ${r.name} | ${fmt(r.cost, set === 'solomon' ? 1 : 0)} | ${r.bks} | ${fmt(r.gap)} | ${fmt(r.seconds, 1)} | ${r.vehicles} | ${r.feasible ? 'yes' : 'NO'} |`,
  );
}
lines.push('');
const section = lines.join('\n');

if (!only) writeSection(docFile, title, section.slice(title.length + 2));
console.error(
  `mean gap ${fmt(mean(rows.map((r) => r.gap)))} %, feasible ${rows.filter((r) => r.feasible).length}/${rows.length}`,
);
