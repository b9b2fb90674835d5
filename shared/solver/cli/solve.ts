import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { numberOption, parseCli, runCli, UsageError } from '../../runtime/cli';
import type { BenchmarkInstance } from '../io/benchmark-instance';
import { readInstance } from '../io/read-instance';
import { solveProblem } from '../solve';

const COMMAND = 'npm run solve --';
const USAGE = `usage: npm run -s solve -- FILE [--time-limit S] [--seed N] [--out FILE]

Solves a Solomon (.txt) or VRPLIB (.vrp) instance and writes one JSON object
{routes, cost, vehicles, seconds} to stdout, or to --out FILE. Progress goes to stderr.
(\`npm run -s\` keeps npm's banner off stdout.)

  --time-limit S   seconds of search, > 0 (default 10)
  --seed N         integer seed of the random generator (default 1)
  --out FILE       write the JSON there instead of stdout`;

function readable(file: string): BenchmarkInstance {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
    accessSync(file, constants.R_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`,
    );
  }
  try {
    return readInstance(file);
  } catch (error) {
    throw new UsageError(`${file} is not a Solomon or VRPLIB instance (${(error as Error).message})`);
  }
}

/** Fails before the search, not after it, when --out cannot be written. */
function writable(out: string): void {
  const dir = dirname(out);
  try {
    if (!statSync(dir).isDirectory()) throw new Error();
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--out ${out}: cannot write into ${dir}`);
  }
}

function main(): void {
  const { values, positionals } = parseCli({
    usage: USAGE,
    options: {
      'time-limit': { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
  });
  const seconds = numberOption('--time-limit', values['time-limit'], {
    min: 0,
    exclusiveMin: true,
    max: 86_400,
    what: 'seconds',
  });
  const seed = numberOption('--seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const file = positionals[0]!;
  if (values.out !== undefined) writable(values.out);
  const t0 = performance.now();
  const inst = readable(file);
  let last = Number.POSITIVE_INFINITY;
  const res = solveProblem(inst.problem, {
    timeLimitMs: seconds * 1000,
    seed,
    onProgress: ({ elapsedMs, cost }) => {
      if (cost < last) {
        last = cost;
        console.error(`[solve] ${(elapsedMs / 1000).toFixed(2)}s cost ${(cost / inst.scale).toFixed(1)}`);
      }
    },
  });
  const routes = res.routes.filter((r) => r.length > 0).map((r) => r.map((c) => inst.customerIds[c]!));
  if (res.unassigned.length > 0)
    console.error(`[solve] WARNING: ${res.unassigned.length} customers unassigned`);
  let dist = 0;
  const p = inst.problem;
  const N = p.nLocations;
  for (const r of res.routes) {
    let prev = 0;
    for (const c of r) {
      const l = p.clientLocation[c]!;
      dist += p.distance[prev * N + l]!;
      prev = l;
    }
    if (r.length > 0) dist += p.distance[prev * N + 0]!;
  }
  const out = {
    routes,
    cost: Math.round((dist / inst.scale) * 1000) / 1000,
    vehicles: routes.length,
    seconds: Math.round((performance.now() - t0) / 10) / 100,
  };
  console.error(`[solve] ${inst.name}: ${res.iterations} iterations`);
  const json = `${JSON.stringify(out)}\n`;
  if (values.out === undefined) process.stdout.write(json);
  else {
    writeFileSync(values.out, json);
    console.error(`[solve] written to ${values.out}`);
  }
}

runCli(COMMAND, main);
