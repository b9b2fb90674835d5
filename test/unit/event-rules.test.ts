import { describe, expect, it } from 'vitest';
import { isExactMatchPattern, matchesPattern, SHIPMENT_QUEUE_RULES } from '../../shared/domain/event-rules';
import { EVENT_SOURCE } from '../../shared/schemas/events';

const event = (detailType: string, priority: string, source = EVENT_SOURCE) => ({
  source,
  'detail-type': detailType,
  detail: { priority, shipmentId: 'S1' },
});

describe('event rules into the priority queues', () => {
  it('routes each priority to exactly one queue', () => {
    for (const [priority, queue] of [
      ['URGENT', 'p0'],
      ['STANDARD', 'p1'],
      ['BULK', 'p2'],
    ]) {
      for (const type of [
        'shipment.created',
        'shipment.updated',
        'shipment.cancelled',
        'shipment.requeued',
      ]) {
        const matched = SHIPMENT_QUEUE_RULES.filter((r) =>
          matchesPattern(r.pattern, event(type, priority as string)),
        );
        expect(matched.map((r) => r.queue)).toEqual([queue]);
      }
    }
  });
  it('ignores other sources, other detail types and unknown priorities', () => {
    const none = (e: Record<string, unknown>) =>
      SHIPMENT_QUEUE_RULES.filter((r) => matchesPattern(r.pattern, e));
    expect(none(event('shipment.created', 'URGENT', 'someone.else'))).toEqual([]);
    expect(none(event('route.optimized', 'URGENT'))).toEqual([]);
    expect(none(event('shipment.created', 'LOW'))).toEqual([]);
    expect(none({ source: EVENT_SOURCE, 'detail-type': 'shipment.created' })).toEqual([]);
  });
  it('matches arrays in the event by any element, like EventBridge', () => {
    expect(matchesPattern({ tags: ['a'] }, { tags: ['b', 'a'] })).toBe(true);
    expect(matchesPattern({ tags: ['a'] }, { tags: ['b'] })).toBe(false);
  });
  it('uses only exact-match patterns, which the local bus evaluates faithfully', () => {
    for (const rule of SHIPMENT_QUEUE_RULES) expect(isExactMatchPattern(rule.pattern)).toBe(true);
    expect(isExactMatchPattern({ detail: { n: [{ numeric: ['>', 1] }] } })).toBe(false);
  });
});
