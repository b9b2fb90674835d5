import { randomUUID } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors';
import { clearCorrelationId, logger, setCorrelationId } from '../observability';
import { toProblem } from './problem';

export interface HttpContext {
  correlationId: string;
  /** The parsed JSON body; undefined when the request had none. */
  json?: unknown;
}

type Request = middy.Request<APIGatewayProxyEvent & { internal?: HttpContext }, APIGatewayProxyResult>;

export const CORRELATION_HEADER = 'X-Correlation-Id';
/** On a replay: the correlation id of the request whose response is replayed. */
export const ORIGINAL_CORRELATION_HEADER = 'Original-Correlation-Id';
const CORRELATION_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {}))
    if (k.toLowerCase() === lower) return v ?? undefined;
  return undefined;
}

/**
 * Every value a header was sent with: API Gateway keeps the repeats in `multiValueHeaders` (and
 * only the last one in `headers`).
 */
export function headerValues(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>,
  name: string,
): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const [k, v] of Object.entries(event.multiValueHeaders ?? {}))
    if (k.toLowerCase() === lower) values.push(...(v ?? []));
  if (values.length > 0) return values;
  const single = header(event, name);
  return single === undefined ? [] : [single];
}

/** The caller's correlation id when it is well-formed, else a new one. */
export function correlationIdOf(given: string | undefined): string {
  return given && CORRELATION_PATTERN.test(given) ? given : randomUUID();
}

/** Reads or generates the correlation id, puts it on every log line and echoes it in the response. */
export function correlation(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const echo = (request: Request) => {
    const id = request.event.internal?.correlationId;
    if (request.response && id)
      request.response.headers = { ...request.response.headers, [CORRELATION_HEADER]: id };
    clearCorrelationId();
  };
  return {
    before: (request: Request) => {
      const correlationId = correlationIdOf(header(request.event, CORRELATION_HEADER));
      request.event.internal = { ...request.event.internal, correlationId };
      setCorrelationId(correlationId);
    },
    after: echo,
    onError: echo,
  };
}

/**
 * Guards the body before any logic runs: 415 for a body that is not JSON (or that comes with more
 * than one Content-Type), 413 above `maxBytes`,
 * 400 for malformed JSON.
 */
export function jsonBody(options: {
  maxBytes: number;
}): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: (request: Request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === null || body === undefined || body === '') return;
      const contentTypes = headerValues(request.event, 'content-type');
      if (contentTypes.length > 1) {
        throw new UnsupportedMediaTypeError(
          `exactly one Content-Type header is allowed, got ${contentTypes.length}: ${contentTypes.join(' | ')}`,
        );
      }
      const contentType = contentTypes[0] ?? '';
      const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(mediaType)) {
        throw new UnsupportedMediaTypeError(
          `Content-Type must be application/json, got ${contentType || 'none'}`,
        );
      }
      const raw = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      const size = Buffer.byteLength(raw, 'utf8');
      if (size > options.maxBytes) {
        throw new PayloadTooLargeError(`the body has ${size} bytes; the limit is ${options.maxBytes}`);
      }
      try {
        const json: unknown = JSON.parse(raw);
        request.event.internal = { ...(request.event.internal as HttpContext), json };
      } catch (error) {
        throw new ValidationError('the body is not valid JSON', [
          { field: '', message: error instanceof Error ? error.message : 'invalid JSON' },
        ]);
      }
    },
  };
}

/** The one error handler: problem+json, details only below 500, the stack only in the log. */
export function problemResponses(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request: Request) => {
      const problem = toProblem(request.error, request.event.internal?.correlationId);
      if (problem.status >= 500) logger.error('request failed', { error: request.error as Error });
      else logger.info('request rejected', { status: problem.status, detail: problem.detail });
      request.response = {
        statusCode: problem.status,
        headers: { 'Content-Type': 'application/problem+json' },
        body: JSON.stringify({ ...problem, instance: request.event.path }),
      };
    },
  };
}
