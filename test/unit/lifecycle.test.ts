import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../shared/domain/errors';
import { allowedTransitions, assertTransition, canTransition } from '../../shared/domain/lifecycle';
import { httpStatusOf } from '../../shared/runtime/http/problem';
import { ShipmentStatus } from '../../shared/schemas/state';

describe('shipment lifecycle (contract §2)', () => {
  it('allows the main path RECEIVED → QUEUED → OPTIMIZING → OPTIMIZED → CALLBACK_PENDING → ROUTE_APPLIED', () => {
    const path = [
      'RECEIVED',
      'QUEUED',
      'OPTIMIZING',
      'OPTIMIZED',
      'CALLBACK_PENDING',
      'ROUTE_APPLIED',
    ] as const;
    for (let i = 1; i < path.length; i++)
      expect(canTransition(path[i - 1] as never, path[i] as never)).toBe(true);
  });

  it('allows the side exits', () => {
    expect(canTransition('OPTIMIZING', 'STALE')).toBe(true);
    expect(canTransition('STALE', 'QUEUED')).toBe(true);
    expect(canTransition('CALLBACK_PENDING', 'CALLBACK_FAILED')).toBe(true);
    expect(canTransition('CALLBACK_PENDING', 'CANCELLED')).toBe(true);
    expect(canTransition('CALLBACK_FAILED', 'CALLBACK_PENDING')).toBe(true);
  });

  it('never leaves CANCELLED', () => {
    for (const to of ShipmentStatus.options) expect(canTransition('CANCELLED', to)).toBe(false);
    expect(allowedTransitions('CANCELLED')).toEqual([]);
  });

  it('forbids skipping steps', () => {
    expect(canTransition('QUEUED', 'ROUTE_APPLIED')).toBe(false);
    expect(canTransition('RECEIVED', 'CALLBACK_PENDING')).toBe(false);
    expect(canTransition('OPTIMIZED', 'ROUTE_APPLIED')).toBe(false);
  });

  it('lets a newer version re-queue from every status but CANCELLED', () => {
    for (const from of ShipmentStatus.options) {
      expect(canTransition(from, 'QUEUED') || from === 'CANCELLED').toBe(true);
      // An URGENT version is held RECEIVED for its real-time insertion, from any status too: the
      // simulator found an URGENT shipment left RECEIVED whose updates were all refused 409.
      expect(canTransition(from, 'RECEIVED') || from === 'CANCELLED').toBe(true);
    }
  });

  it('throws a typed 409 error for a forbidden transition', () => {
    expect(() => assertTransition('CANCELLED', 'QUEUED')).toThrow(InvalidTransitionError);
    try {
      assertTransition('CANCELLED', 'QUEUED');
    } catch (error) {
      expect(httpStatusOf(error as InvalidTransitionError)).toBe(409);
      expect((error as Error).name).toBe('InvalidTransitionError');
    }
  });
});
