import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readInstance } from '../../shared/solver/io/read-instance';
import { solveProblem } from '../../shared/solver/solve';
import { checkSolution } from './solver-checker';
import { machine, now, writeSection } from './solver-doc';

function arg(flag: string, dflt: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const set = arg('--set', 'solomon');
const seconds = Number(arg('--time-limit', set === 'x' ? '30' : set === 'abp' ? '5' : '10'));
const dir = resolve(arg('--dir', '../shared/benchmarks'));
const seed = Number(arg('--seed', '1'));
const only = arg('--only', '');
const docFile = resolve(arg('--doc', 'docs/benchmarks.md'));

const folders: Record<string, string[]> = {
  solomon: ['vrptw/solomon'],
  x: ['cvrp/X'],
  abp: ['cvrp/A', 'cvrp/B', 'cvrp/P'],
};
if (!folders[set]) throw new Error(`unknown set ${set}`);

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
for (const f of folders[set]!) {
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
