import type { ShipmentStatus } from '../schemas/state';
import { InvalidTransitionError } from './errors';

/**
 * Contract §2: RECEIVED → QUEUED → OPTIMIZING → OPTIMIZED → CALLBACK_PENDING → ROUTE_APPLIED,
 * with side exits STALE (re-queued), CANCELLED and CALLBACK_FAILED. A newer SCM version re-queues
 * a shipment from any status but CANCELLED (to RECEIVED instead when an URGENT version is first
 * optimized in real time).
 */
const TRANSITIONS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  // RECEIVED → RECEIVED: a newer URGENT version of a shipment still held for its real-time insertion.
  RECEIVED: ['RECEIVED', 'QUEUED', 'OPTIMIZING', 'CANCELLED', 'STALE'],
  QUEUED: ['QUEUED', 'RECEIVED', 'OPTIMIZING', 'CANCELLED', 'STALE'],
  OPTIMIZING: ['OPTIMIZED', 'STALE', 'QUEUED', 'RECEIVED', 'CANCELLED'],
  OPTIMIZED: ['CALLBACK_PENDING', 'STALE', 'QUEUED', 'RECEIVED', 'CANCELLED'],
  CALLBACK_PENDING: ['ROUTE_APPLIED', 'STALE', 'CANCELLED', 'CALLBACK_FAILED', 'QUEUED', 'RECEIVED'],
  ROUTE_APPLIED: ['STALE', 'QUEUED', 'RECEIVED', 'CANCELLED'],
  STALE: ['QUEUED', 'RECEIVED', 'OPTIMIZING', 'CANCELLED'],
  CALLBACK_FAILED: ['CALLBACK_PENDING', 'STALE', 'QUEUED', 'RECEIVED', 'CANCELLED'],
  CANCELLED: [],
};

export const TERMINAL_STATUSES: readonly ShipmentStatus[] = ['CANCELLED'];

export function canTransition(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: ShipmentStatus, to: ShipmentStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`a shipment in status ${from} cannot move to ${to}`);
  }
}

export function allowedTransitions(from: ShipmentStatus): readonly ShipmentStatus[] {
  return TRANSITIONS[from];
}
