import { describe, expect, it } from 'vitest';
import { derivePriority, PRIORITY_TIER } from '../../shared/domain/priority';

describe('priority derivation (contract §1)', () => {
  const policy = { urgentDeclaredValue: 5000 };
  it('keeps an explicit priority', () => {
    expect(derivePriority({ priority: 'BULK', serviceLevel: 'SAME_DAY' }, policy)).toBe('BULK');
  });
  it('maps service levels', () => {
    expect(derivePriority({ serviceLevel: 'SAME_DAY' }, policy)).toBe('URGENT');
    expect(derivePriority({ serviceLevel: 'NEXT_DAY' }, policy)).toBe('STANDARD');
    expect(derivePriority({ serviceLevel: 'ECONOMY' }, policy)).toBe('BULK');
  });
  it('raises a high declared value to URGENT at the threshold, not below', () => {
    expect(derivePriority({ serviceLevel: 'ECONOMY', declaredValue: 5000 }, policy)).toBe('URGENT');
    expect(derivePriority({ serviceLevel: 'ECONOMY', declaredValue: 4999.99 }, policy)).toBe('BULK');
  });
  it('maps priorities to queue tiers', () => {
    expect(PRIORITY_TIER).toEqual({ URGENT: 'p0', STANDARD: 'p1', BULK: 'p2' });
  });
});
