import { type BenchmarkInstance, createProblem, euclidMatrix } from './benchmark-instance';

/**
 * Solomon VRPTW reader, DIMACS convention: every arc's distance and travel time is the Euclidean
 * distance truncated to one decimal; internally everything is ×10 integers (tenths).
 */
export function parseSolomon(text: string, name = 'solomon'): BenchmarkInstance {
  const lines = text.split(/\r?\n/);
  let nVeh = 0;
  let cap = 0;
  const rows: number[][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    if (/^\s*NUMBER\s+CAPACITY/i.test(lines[i]!)) {
      const nums = (lines[i + 1] ?? '').trim().split(/\s+/).map(Number);
      nVeh = nums[0] ?? 0;
      cap = nums[1] ?? 0;
    }
    const t = lines[i]!.trim();
    if (/^-?\d/.test(t)) {
      const nums = t.split(/\s+/).map(Number);
      if (nums.length >= 7 && nums.every((x) => Number.isFinite(x))) rows.push(nums);
    }
  }
  if (rows.length < 2 || nVeh <= 0 || cap <= 0) throw new Error(`${name}: not a Solomon instance`);
  const firstName = lines.find((l) => l.trim().length > 0)?.trim() ?? name;
  const xs = rows.map((r) => r[1]!);
  const ys = rows.map((r) => r[2]!);
  const dist = euclidMatrix(xs, ys, (d) => Math.floor(10 * d + 1e-9));
  const depot = rows[0]!;
  const cust = rows.slice(1);
  const problem = createProblem({
    distance: dist,
    duration: dist,
    clientLocation: cust.map((_, k) => k + 1),
    demandWeight: cust.map((r) => r[3]!),
    serviceTime: cust.map((r) => r[6]! * 10),
    twEarly: cust.map((r) => r[4]! * 10),
    twLate: cust.map((r) => r[5]! * 10),
    required: cust.map(() => 1),
    unassignedPenalty: cust.map(() => 1e9),
    vehicleStart: new Array(nVeh).fill(0),
    vehicleEnd: new Array(nVeh).fill(0),
    capacityWeight: new Array(nVeh).fill(cap),
    shiftStart: new Array(nVeh).fill(depot[4]! * 10),
    shiftEnd: new Array(nVeh).fill(depot[5]! * 10),
  });
  return {
    name: firstName,
    kind: 'solomon',
    customerIds: cust.map((r) => r[0]!),
    scale: 10,
    vehicles: nVeh,
    problem,
  };
}
