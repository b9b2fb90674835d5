/**
 * Independent feasibility checker for benchmark solutions, written from the instance definitions
 * (Solomon README / TSPLIB) and deliberately sharing no code with shared/solver: it re-parses the
 * file and re-computes every arc, load and arrival time.
 */
import { readFileSync } from 'node:fs';

export interface CheckResult {
  feasible: boolean;
  errors: string[];
  cost: number;
  vehicles: number;
}

interface Node {
  id: number;
  x: number;
  y: number;
  demand: number;
  ready: number;
  due: number;
  service: number;
}

export function checkSolution(instanceFile: string, routes: number[][]): CheckResult {
  const text = readFileSync(instanceFile, 'utf8');
  return instanceFile.endsWith('.vrp') ? checkCvrp(text, routes) : checkSolomon(text, routes);
}

function checkSolomon(text: string, routes: number[][]): CheckResult {
  const lines = text.split('\n').map((l) => l.trim());
  const vi = lines.findIndex((l) => l.startsWith('NUMBER'));
  const [fleet, capacity] = lines[vi + 1]!.split(/\s+/).map(Number) as [number, number];
  const nodes: Node[] = [];
  for (const l of lines) {
    const f = l.split(/\s+/).map(Number);
    if (f.length === 7 && f.every(Number.isFinite)) {
      nodes.push({ id: f[0]!, x: f[1]!, y: f[2]!, demand: f[3]!, ready: f[4]!, due: f[5]!, service: f[6]! });
    }
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depot = nodes[0]!;
  // DIMACS: arc = Euclidean truncated to one decimal, in tenths to stay exact
  const arc = (a: Node, b: Node): number => Math.floor(10 * Math.hypot(a.x - b.x, a.y - b.y) + 1e-9);
  const errors: string[] = [];
  const seen = new Map<number, number>();
  let cost = 0;
  const used = routes.filter((r) => r.length > 0);
  if (used.length > fleet) errors.push(`uses ${used.length} vehicles > fleet ${fleet}`);
  used.forEach((route, ri) => {
    let t = depot.ready * 10;
    let load = 0;
    let prev = depot;
    for (const id of route) {
      const n = byId.get(id);
      if (!n || n === depot) {
        errors.push(`route ${ri}: unknown customer ${id}`);
        continue;
      }
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const d = arc(prev, n);
      cost += d;
      t = Math.max(t + d, n.ready * 10);
      if (t > n.due * 10) errors.push(`route ${ri}: customer ${id} starts at ${t / 10} > due ${n.due}`);
      t += n.service * 10;
      load += n.demand;
      prev = n;
    }
    const d = arc(prev, depot);
    cost += d;
    t += d;
    if (t > depot.due * 10) errors.push(`route ${ri}: returns at ${t / 10} > depot due ${depot.due}`);
    if (load > capacity) errors.push(`route ${ri}: load ${load} > capacity ${capacity}`);
  });
  for (const n of nodes.slice(1)) {
    const k = seen.get(n.id) ?? 0;
    if (k !== 1) errors.push(`customer ${n.id} visited ${k} times`);
  }
  return { feasible: errors.length === 0, errors, cost: cost / 10, vehicles: used.length };
}

function checkCvrp(text: string, routes: number[][]): CheckResult {
  let capacity = 0;
  let section = '';
  const xy = new Map<number, [number, number]>();
  const demand = new Map<number, number>();
  let depotId = 1;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l.startsWith('CAPACITY')) capacity = Number(l.split(':')[1]);
    else if (/^[A-Z_]+( *:.*)?$/.test(l)) section = l;
    else if (l) {
      const f = l.split(/\s+/).map(Number);
      if (section === 'NODE_COORD_SECTION') xy.set(f[0]!, [f[1]!, f[2]!]);
      else if (section === 'DEMAND_SECTION') demand.set(f[0]!, f[1]!);
      else if (section === 'DEPOT_SECTION' && f[0]! > 0) depotId = f[0]!;
    }
  }
  const arc = (a: number, b: number): number => {
    const [ax, ay] = xy.get(a)!;
    const [bx, by] = xy.get(b)!;
    return Math.floor(Math.hypot(ax - bx, ay - by) + 0.5);
  };
  const errors: string[] = [];
  const seen = new Map<number, number>();
  let cost = 0;
  const used = routes.filter((r) => r.length > 0);
  used.forEach((route, ri) => {
    let prev = depotId;
    let load = 0;
    for (const id of route) {
      if (!xy.has(id) || id === depotId) {
        errors.push(`route ${ri}: unknown customer ${id}`);
        continue;
      }
      seen.set(id, (seen.get(id) ?? 0) + 1);
      cost += arc(prev, id);
      load += demand.get(id) ?? 0;
      prev = id;
    }
    cost += arc(prev, depotId);
    if (load > capacity) errors.push(`route ${ri}: load ${load} > capacity ${capacity}`);
  });
  for (const id of xy.keys()) {
    if (id === depotId) continue;
    const k = seen.get(id) ?? 0;
    if (k !== 1) errors.push(`customer ${id} visited ${k} times`);
  }
  return { feasible: errors.length === 0, errors, cost, vehicles: used.length };
}
