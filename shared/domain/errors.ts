/**
 * Typed errors, classified by who is at fault. Translated to HTTP status, retry or DLQ in one place
 * (shared/runtime/problem.ts for HTTP; queue consumers let dependency/internal errors retry).
 */
export type Fault = 'input' | 'dependency' | 'internal';

export interface FieldError {
  /** JSON path of the offending field, e.g. `origin.lat`; empty for the whole body. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly fault: Fault;
  abstract readonly status: number;
  /** Stable machine-readable code, used as the problem `type` suffix. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly fault = 'input';
  readonly status = 400;
  readonly code = 'validation-error';
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly fault = 'input';
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly fault = 'input';
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly fault = 'input';
  readonly status = 404;
  readonly code = 'not-found';
}

/** The submitted version is not newer than the stored one (and not an identical replay). */
export class VersionConflictError extends DomainError {
  readonly fault = 'input';
  readonly status = 409;
  readonly code = 'version-conflict';
  constructor(
    message: string,
    readonly storedVersion: number,
  ) {
    super(message);
  }
}

/**
 * A new version of a cancelled shipment: a cancelled shipment is closed (contract §2), so no
 * version re-opens it; the SCM creates a new shipment id instead. 409, problem type `…/shipment-cancelled`.
 */
export class ShipmentCancelledError extends DomainError {
  readonly fault = 'input';
  readonly status = 409;
  readonly code = 'shipment-cancelled';
  constructor(
    message: string,
    readonly storedVersion: number,
  ) {
    super(message);
  }
}

/** A transition the lifecycle does not allow from the current status. */
export class InvalidTransitionError extends DomainError {
  readonly fault = 'input';
  readonly status = 409;
  readonly code = 'invalid-transition';
}

/** The path exists, the method does not (the gateway answers it). */
export class MethodNotAllowedError extends DomainError {
  readonly fault = 'input';
  readonly status = 405;
  readonly code = 'method-not-allowed';
}

/** Over a rate limit (usage plan, failed API-key checks); `Retry-After` says when to come back. */
export class ThrottledError extends DomainError {
  readonly fault = 'input';
  readonly status = 429;
  readonly code = 'throttled';
}

export class PayloadTooLargeError extends DomainError {
  readonly fault = 'input';
  readonly status = 413;
  readonly code = 'payload-too-large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly fault = 'input';
  readonly status = 415;
  readonly code = 'unsupported-media-type';
}

export class IdempotencyKeyReuseError extends DomainError {
  readonly fault = 'input';
  readonly status = 422;
  readonly code = 'idempotency-key-reuse';
}

/** Another writer committed first (optimistic lock lost). Retry with fresh state. */
export class ConcurrencyConflictError extends DomainError {
  readonly fault = 'dependency';
  readonly status = 409;
  readonly code = 'concurrent-modification';
}

/** A dependency (database, bus, queue) failed; safe to retry. */
export class DependencyError extends DomainError {
  readonly fault = 'dependency';
  readonly status = 503;
  readonly code: string = 'dependency-unavailable';
}

export class InternalError extends DomainError {
  readonly fault = 'internal';
  readonly status = 500;
  readonly code = 'internal-error';
}
