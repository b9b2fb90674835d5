import { type BenchmarkInstance, createProblem, euclidMatrix } from './benchmark-instance';

/** VRPLIB CVRP reader (EUC_2D): arcs rounded to the nearest integer, unlimited fleet. */
export function parseVrplib(text: string, name = 'vrplib'): BenchmarkInstance {
  const lines = text.split(/\r?\n/);
  const header = new Map<string, string>();
  let section = '';
  const coords = new Map<number, [number, number]>();
  const demand = new Map<number, number>();
  const depots: number[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    const kv = /^([A-Z_]+)\s*:\s*(.*)$/.exec(line);
    if (kv) {
      header.set(kv[1]!, kv[2]!.trim());
      section = '';
      continue;
    }
    if (/^[A-Z_]+$/.test(line)) {
      section = line;
      continue;
    }
    const nums = line.split(/\s+/).map(Number);
    if (section === 'NODE_COORD_SECTION') coords.set(nums[0]!, [nums[1]!, nums[2]!]);
    else if (section === 'DEMAND_SECTION') demand.set(nums[0]!, nums[1]!);
    else if (section === 'DEPOT_SECTION') {
      if (nums[0]! >= 0) depots.push(nums[0]!);
    }
  }
  const type = header.get('EDGE_WEIGHT_TYPE') ?? 'EUC_2D';
  if (type !== 'EUC_2D') throw new Error(`${name}: unsupported EDGE_WEIGHT_TYPE ${type}`);
  const cap = Number(header.get('CAPACITY'));
  const depot = depots[0] ?? 1;
  const ids = [...coords.keys()].sort((a, b) => a - b);
  const custIds = ids.filter((id) => id !== depot);
  const order = [depot, ...custIds];
  const xs = order.map((id) => coords.get(id)![0]);
  const ys = order.map((id) => coords.get(id)![1]);
  const dist = euclidMatrix(xs, ys, (d) => Math.floor(d + 0.5));
  const n = custIds.length;
  // "Unlimited" fleet: an optimal solution never needs more than about twice the bin-packing
  // bound of routes (two half-empty routes can be merged), so cap the vehicle list there.
  const totalDemand = custIds.reduce((a, id) => a + (demand.get(id) ?? 0), 0);
  const fleet = Math.max(1, Math.min(n, 2 * Math.ceil(totalDemand / cap) + 5));
  const problem = createProblem({
    distance: dist,
    duration: new Int32Array(dist.length),
    clientLocation: custIds.map((_, k) => k + 1),
    demandWeight: custIds.map((id) => demand.get(id) ?? 0),
    serviceTime: custIds.map(() => 0),
    twEarly: custIds.map(() => 0),
    twLate: custIds.map(() => 1e15),
    required: custIds.map(() => 1),
    unassignedPenalty: custIds.map(() => 1e9),
    vehicleStart: new Array(fleet).fill(0),
    vehicleEnd: new Array(fleet).fill(0),
    capacityWeight: new Array(fleet).fill(cap),
    shiftStart: new Array(fleet).fill(0),
    shiftEnd: new Array(fleet).fill(1e15),
  });
  return {
    name: header.get('NAME') ?? name,
    kind: 'vrplib',
    customerIds: custIds,
    scale: 1,
    vehicles: fleet,
    problem,
  };
}
