import { EVENT_SOURCE } from '../schemas/events';
import type { Priority } from '../schemas/shipment';

/**
 * The event-bus rules: their patterns, the rules that send shipment events to the priority queues,
 * and the matcher. Defined once: the CDK stack turns each rule into an EventBridge rule, the local
 * bus evaluates the same objects.
 * Patterns use only exact-value matching (arrays of strings, nested objects), the subset that
 * `matchesPattern` evaluates faithfully.
 */
export type EventPattern = { [key: string]: string[] | EventPattern };

export interface QueueRule {
  /** Logical name, also the rule id in CDK. */
  name: string;
  /** Target queue tier. */
  queue: 'p0' | 'p1' | 'p2';
  pattern: EventPattern;
}

const SHIPMENT_DETAIL_TYPES = [
  'shipment.created',
  'shipment.updated',
  'shipment.cancelled',
  'shipment.requeued',
];

const ruleFor = (name: string, queue: QueueRule['queue'], priority: Priority): QueueRule => ({
  name,
  queue,
  pattern: { source: [EVENT_SOURCE], 'detail-type': SHIPMENT_DETAIL_TYPES, detail: { priority: [priority] } },
});

export const SHIPMENT_QUEUE_RULES: readonly QueueRule[] = [
  ruleFor('UrgentShipments', 'p0', 'URGENT'),
  ruleFor('StandardShipments', 'p1', 'STANDARD'),
  ruleFor('BulkShipments', 'p2', 'BULK'),
];

/**
 * EventBridge exact-match semantics: every key of the pattern must be present in the event; an
 * array matches when the event's value (or any element of an array value) equals one of its items;
 * a nested object recurses.
 */
export function matchesPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((v) => typeof v === 'string' && expected.includes(v));
    }
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return matchesPattern(expected, actual as Record<string, unknown>);
  });
}

/** True when a pattern uses only what `matchesPattern` evaluates (guards new rules). */
export function isExactMatchPattern(pattern: unknown): pattern is EventPattern {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  return Object.values(pattern).every((v) =>
    Array.isArray(v) ? v.length > 0 && v.every((x) => typeof x === 'string') : isExactMatchPattern(v),
  );
}
