import {
  DomainError,
  type Fault,
  type FieldError,
  ShipmentCancelledError,
  ValidationError,
  VersionConflictError,
} from '../../domain/errors';

/** RFC 9457 problem details, with the field-level `errors` list of contract §1. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  storedVersion?: number;
  correlationId?: string;
}

export const PROBLEM_BASE = 'https://docs.scm-route-optimizer.dev/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** HTTP status of each core error code; codes not listed take the status of their fault. */
const STATUS_OF_CODE: Record<string, number> = {
  'validation-error': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'version-conflict': 409,
  'shipment-cancelled': 409,
  'invalid-transition': 409,
  'idempotent-request-in-progress': 409,
  'concurrent-modification': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reuse': 422,
  throttled: 429,
};
const STATUS_OF_FAULT: Record<Fault, number> = { input: 400, dependency: 503, internal: 500 };

/** The HTTP status a core error is answered with (the core itself knows no HTTP). */
export const httpStatusOf = (error: DomainError): number =>
  STATUS_OF_CODE[error.code] ?? STATUS_OF_FAULT[error.fault];

/**
 * The one translation of errors to HTTP. Details are exposed only below 500; anything that is not
 * a DomainError is an internal error whose message never reaches the caller.
 */
export function toProblem(error: unknown, correlationId?: string): Problem {
  if (error instanceof DomainError) {
    const status = httpStatusOf(error);
    const base: Problem = {
      type: PROBLEM_BASE + error.code,
      title: TITLES[status] ?? 'Error',
      status,
      ...(correlationId ? { correlationId } : {}),
    };
    if (status >= 500) return { ...base, detail: 'a dependency is unavailable; retry later' };
    return {
      ...base,
      detail: error.message,
      ...(error instanceof ValidationError ? { errors: error.errors } : {}),
      ...(error instanceof VersionConflictError || error instanceof ShipmentCancelledError
        ? { storedVersion: error.storedVersion }
        : {}),
    };
  }
  return {
    type: `${PROBLEM_BASE}internal-error`,
    title: TITLES[500] ?? 'Internal Server Error',
    status: 500,
    detail: 'an internal error occurred',
    ...(correlationId ? { correlationId } : {}),
  };
}

/** zod issues → field errors (`origin.lat`, `timeWindow.end`, …). */
export function fieldErrorsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: string[] }[],
): FieldError[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((k) => ({ field: base ? `${base}.${k}` : k, message: 'unknown field' }));
    }
    return [{ field: base, message: issue.message }];
  });
}
