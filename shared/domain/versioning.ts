import { createHash } from 'node:crypto';
import type { ShipmentBody } from '../schemas/shipment';
import type { ShipmentState } from '../schemas/state';

/** What a submitted version means against the stored state. */
export type VersionDecision =
  | { kind: 'create' }
  | { kind: 'update' }
  | { kind: 'replay' }
  | { kind: 'conflict'; storedVersion: number }
  /** The shipment is cancelled: closed to every new version (contract §2). */
  | { kind: 'cancelled'; storedVersion: number };

/**
 * Contract §1: a version must grow on every SCM change. Not newer → conflict (409), except the same
 * version with the same body, which is an idempotent replay. A cancelled shipment accepts no version.
 */
export function decideVersion(stored: ShipmentState | undefined, incoming: ShipmentBody): VersionDecision {
  if (!stored) return { kind: 'create' };
  const hash = bodyHash(incoming);
  if (incoming.version === stored.version && hash === stored.bodyHash) return { kind: 'replay' };
  if (stored.status === 'CANCELLED') return { kind: 'cancelled', storedVersion: stored.version };
  if (incoming.version > stored.version) return { kind: 'update' };
  return { kind: 'conflict', storedVersion: stored.version };
}

/**
 * Canonical JSON: object keys sorted at every depth, so key order never changes the hash. Written
 * without recursion (an explicit stack of what is left to write), so no nesting depth can exhaust
 * the call stack; the output is that of the plain recursive definition, so stored hashes still match.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Pending work, last first: a value still to write, or literal text (brackets, commas, keys).
  const pending: ({ value: unknown } | string)[] = [{ value }];
  while (pending.length > 0) {
    const next = pending.pop() as { value: unknown } | string;
    if (typeof next === 'string') {
      out.push(next);
      continue;
    }
    const v = next.value;
    if (Array.isArray(v)) {
      pending.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        pending.push({ value: v[i] });
        if (i > 0) pending.push(',');
      }
      pending.push('[');
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, inner]) => inner !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      pending.push('}');
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i] as [string, unknown];
        pending.push({ value: inner });
        pending.push(`${JSON.stringify(key)}:`);
        if (i > 0) pending.push(',');
      }
      pending.push('{');
    } else {
      // Scalars; undefined (only possible inside an array) writes nothing, as before.
      out.push(JSON.stringify(v) ?? '');
    }
  }
  return out.join('');
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
