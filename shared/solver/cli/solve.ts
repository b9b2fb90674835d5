import { readInstance } from '../io/read-instance';
import { solveProblem } from '../solve';

function arg(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1]!.startsWith('--')));
  if (!file) {
    console.error('usage: npm run solve -- FILE [--time-limit S] [--seed N]');
    process.exit(2);
  }
  const seconds = Number(arg(args, '--time-limit') ?? '10');
  const seed = Number(arg(args, '--seed') ?? '1');
  const t0 = performance.now();
  const inst = readInstance(file);
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
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main();
