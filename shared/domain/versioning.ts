import { createHash } from 'node:crypto';
import type { ShipmentBody } from '../schemas/shipment';
import type { ShipmentState } from '../schemas/state';

/** What a submitted version means against the stored state. */
export type VersionDecision =
  | { kind: 'create' }
  | { kind: 'update' }
  | { kind: 'replay' }
  | { kind: 'conflict'; storedVersion: number };

/**
 * Contract §1: a version must grow on every SCM change. Not newer → conflict (409), except the same
 * version with the same body, which is an idempotent replay. A cancelled shipment accepts no version.
 */
export function decideVersion(stored: ShipmentState | undefined, incoming: ShipmentBody): VersionDecision {
  if (!stored) return { kind: 'create' };
  const hash = bodyHash(incoming);
  if (incoming.version === stored.version && hash === stored.bodyHash) return { kind: 'replay' };
  if (stored.status === 'CANCELLED') return { kind: 'conflict', storedVersion: stored.version };
  if (incoming.version > stored.version) return { kind: 'update' };
  return { kind: 'conflict', storedVersion: stored.version };
}

/** Canonical JSON: object keys sorted at every depth, so key order never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
