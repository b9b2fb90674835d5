/**
 * Typed errors of the core, classified by who is at fault. Each says what went wrong in domain
 * terms and carries a stable `code`; none knows about HTTP. The edges translate them in one place
 * each: shared/runtime/http/problem.ts to HTTP status and problem details, the queue consumers to
 * retry or DLQ (dependency and internal errors retry).
 */
export type Fault = 'input' | 'dependency' | 'internal';

export interface FieldError {
  /** JSON path of the offending field, e.g. `origin.lat`; empty for the whole body. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly fault: Fault;
  /** Stable machine-readable code, used as the problem `type` suffix. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller sent something the service does not take. */
export abstract class InputError extends DomainError {
  readonly fault = 'input';
}

export class ValidationError extends InputError {
  readonly code = 'validation-error';
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends InputError {
  readonly code = 'unauthorized';
}

export class ForbiddenError extends InputError {
  readonly code = 'forbidden';
}

export class NotFoundError extends InputError {
  readonly code = 'not-found';
}

/** An error about a submitted version, naming the version the service holds. */
abstract class StoredVersionError extends InputError {
  constructor(
    message: string,
    readonly storedVersion: number,
  ) {
    super(message);
  }
}

/** The submitted version is not newer than the stored one (and not an identical replay). */
export class VersionConflictError extends StoredVersionError {
  readonly code = 'version-conflict';
}

/**
 * A new version of a cancelled shipment: a cancelled shipment is closed (contract §2), so no
 * version re-opens it; the SCM creates a new shipment id instead (problem type `…/shipment-cancelled`).
 */
export class ShipmentCancelledError extends StoredVersionError {
  readonly code = 'shipment-cancelled';
}

/** A transition the lifecycle does not allow from the current status. */
export class InvalidTransitionError extends InputError {
  readonly code = 'invalid-transition';
}

/** The path exists, the method does not (the gateway answers it). */
export class MethodNotAllowedError extends InputError {
  readonly code = 'method-not-allowed';
}

/** Over a rate limit (usage plan, failed API-key checks); `Retry-After` says when to come back. */
export class ThrottledError extends InputError {
  readonly code = 'throttled';
}

/** The body is larger than the service reads. */
export class PayloadTooLargeError extends InputError {
  readonly code = 'payload-too-large';
}

/** The body is not JSON. */
export class UnsupportedMediaTypeError extends InputError {
  readonly code = 'unsupported-media-type';
}

/** An idempotency key sent again with another body. */
export class IdempotencyKeyReuseError extends InputError {
  readonly code = 'idempotency-key-reuse';
}

/** A request with the same idempotency key is still being answered. */
export class IdempotentRequestInProgressError extends InputError {
  readonly code = 'idempotent-request-in-progress';
}

/** Another writer committed first (optimistic lock lost). Retry with fresh state. */
export class ConcurrencyConflictError extends DomainError {
  readonly fault = 'dependency';
  readonly code: string = 'concurrent-modification';
}

/** A dependency (database, bus, queue) failed; safe to retry. */
export class DependencyError extends DomainError {
  readonly fault = 'dependency';
  readonly code: string = 'dependency-unavailable';
}

/** A broken invariant of the service itself: a bug, never the caller's fault. */
export class InternalError extends DomainError {
  readonly fault = 'internal';
  readonly code = 'internal-error';
}

/**
 * The environment or FLEET_CONFIG is invalid, or a use case was wired without what it needs (replay
 * --redrive without the callback records): the function, runtime or command stops before it acts.
 */
export class ConfigurationError extends DomainError {
  readonly fault = 'internal';
  readonly code = 'configuration-error';
}
