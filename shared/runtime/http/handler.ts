import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import {
  DependencyError,
  IdempotencyKeyReuseError,
  IdempotentRequestInProgressError,
  ValidationError,
} from '../../domain/errors';
import { observability } from '../lambda';
import { logger } from '../observability';
import {
  correlation,
  type HttpContext,
  header,
  jsonBody,
  ORIGINAL_CORRELATION_HEADER,
  problemResponses,
} from './middleware';
import { fieldErrorsOf } from './problem';

export interface HttpRequest<B> {
  body: B;
  pathParameters: Record<string, string>;
  /** The query string as parsed by the endpoint's `query` schema ({} without one). */
  query: Record<string, unknown>;
  correlationId: string;
}

export interface HttpResponse {
  statusCode: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface EndpointOptions<S extends z.ZodType | undefined> {
  /** Schema of the JSON body; undefined for endpoints without a body. */
  body?: S;
  /** Schema of the path parameters (e.g. `{ shipmentId }`); invalid ones are a 400 naming them. */
  path?: z.ZodObject;
  /** Schema of the query string; invalid parameters are a 400 naming them. */
  query?: z.ZodType<Record<string, unknown>>;
  /** Whether the body may be absent (e.g. cancel). */
  optionalBody?: boolean;
  maxBodyBytes: number;
  /**
   * When set, writes honour `Idempotency-Key` (24 h, replay header, 422 on reuse). `persistence`
   * must give a layer used by this endpoint only (Powertools keeps a layer's first configuration);
   * `scope` prefixes the endpoint's record keys (e.g. `api.CreateShipment`).
   */
  idempotency?: { persistence: () => BasePersistenceLayer; scope: string; ttlSeconds: number };
}

/**
 * What an idempotency record keeps: the body as its JSON text (`bodyJson`), so that the record
 * holds one string whatever the body carries (SCM metadata with keys such as `constructor`, or
 * numbers above 2^53, which the persistence layer's marshaller refuses). Records written before
 * carry `body` as an object and are still replayed.
 *
 * It also keeps the correlation id of the request that produced it: a replay answers the first
 * response as it was (its body names the first request's correlation id), `X-Correlation-Id` echoes
 * the replaying request's own id and `Original-Correlation-Id` the first one's (as Stripe answers a
 * replay with its own `Request-Id` and an `Original-Request`).
 */
type StoredResponse = HttpResponse & { bodyJson?: string; correlationId?: string; replayed?: boolean };

/**
 * Powertools idempotency errors → the contract's answers. A concurrent request with the same key
 * is 409 while the first one runs, and also when the first one failed and removed its record just
 * as this one looked it up (not found, or inconsistent): the key is free again, a retry runs.
 */
function idempotencyProblem(error: unknown): unknown {
  const name = (error as Error).name;
  switch (name) {
    case 'IdempotencyValidationError':
      return new IdempotencyKeyReuseError('this Idempotency-Key was used with a different body', {
        cause: error,
      });
    case 'IdempotencyAlreadyInProgressError':
      return new IdempotentRequestInProgressError(
        'a request with this Idempotency-Key is still in progress',
        {
          cause: error,
        },
      );
    case 'IdempotencyItemNotFoundError':
    case 'IdempotencyInconsistentStateError':
      return new IdempotentRequestInProgressError(
        'a request with this Idempotency-Key was in progress and has just ended; retry',
        { cause: error },
      );
    case 'IdempotencyPersistenceLayerError':
      return new DependencyError('the idempotency store failed', { cause: error });
    default:
      return error;
  }
}

/**
 * Wraps a use-case call as an API Gateway (REST, proxy) handler: correlation id, JSON body guard,
 * schema validation with field errors, Idempotency-Key and one problem+json error handler.
 */
export function httpEndpoint<S extends z.ZodType | undefined>(
  options: EndpointOptions<S>,
  handle: (request: HttpRequest<S extends z.ZodType ? z.infer<S> : undefined>) => Promise<HttpResponse>,
) {
  type Body = S extends z.ZodType ? z.infer<S> : undefined;

  let idempotent:
    | ((input: {
        key: string;
        /** `METHOD /resource` of the endpoint; named `route` in the stored key hash, so it stays. */
        route: string;
        body: unknown;
        request: HttpRequest<Body>;
      }) => Promise<StoredResponse>)
    | undefined;
  const config = options.idempotency
    ? new IdempotencyConfig({
        eventKeyJmesPath: '[key, route]',
        payloadValidationJmesPath: 'body',
        expiresAfterSeconds: options.idempotency.ttlSeconds,
        responseHook: (response) => ({ ...(response as unknown as Record<string, never>), replayed: true }),
      })
    : undefined;
  const idempotentCall = () => {
    if (!options.idempotency || !config) return undefined;
    if (!idempotent) {
      idempotent = makeIdempotent(
        async (input: { request: HttpRequest<Body> }): Promise<StoredResponse> => {
          const { body, ...rest } = await handle(input.request);
          return {
            ...rest,
            body: null,
            bodyJson: JSON.stringify(body),
            correlationId: input.request.correlationId,
          };
        },
        {
          persistenceStore: options.idempotency.persistence(),
          keyPrefix: options.idempotency.scope,
          config,
        },
      );
    }
    return idempotent;
  };

  const core = async (event: APIGatewayProxyEvent & { internal?: HttpContext }, context: Context) => {
    const internal = event.internal as HttpContext;
    let pathParameters: Record<string, string> = {};
    if (options.path) {
      const parsed = options.path.safeParse(event.pathParameters ?? {});
      if (!parsed.success)
        throw new ValidationError('the path is invalid', fieldErrorsOf(parsed.error.issues));
      pathParameters = parsed.data as Record<string, string>;
    }
    let query: Record<string, unknown> = {};
    if (options.query) {
      const parsed = options.query.safeParse(event.queryStringParameters ?? {});
      if (!parsed.success)
        throw new ValidationError('the query is invalid', fieldErrorsOf(parsed.error.issues));
      query = parsed.data;
    }
    let body: unknown;
    if (options.body) {
      if (internal.json === undefined && options.optionalBody) body = options.body.parse({});
      else {
        if (internal.json === undefined) {
          throw new ValidationError('a JSON body is required', [{ field: '', message: 'required' }]);
        }
        const parsed = options.body.safeParse(internal.json);
        if (!parsed.success)
          throw new ValidationError('the body is invalid', fieldErrorsOf(parsed.error.issues));
        body = parsed.data;
      }
    }
    const request: HttpRequest<Body> = {
      body: body as Body,
      pathParameters,
      query,
      correlationId: internal.correlationId,
    };
    const key = header(event, 'Idempotency-Key');
    const call = key ? idempotentCall() : undefined;
    let response: StoredResponse;
    if (key && call) {
      if (key.length > 255) {
        throw new ValidationError('Idempotency-Key is too long', [
          { field: 'Idempotency-Key', message: 'at most 255 characters' },
        ]);
      }
      // An in-progress record of a call that died unlocks when the function's time is up, not in 24 h.
      config?.registerLambdaContext(context);
      try {
        response = await call({
          key,
          route: `${event.httpMethod} ${event.resource}`,
          body: internal.json ?? null,
          request,
        });
      } catch (error) {
        throw idempotencyProblem(error);
      }
      if (response.replayed) logger.info('idempotent replay', { idempotencyKey: key });
    } else {
      response = await handle(request);
    }
    return {
      statusCode: response.statusCode,
      headers: {
        'Content-Type': 'application/json',
        ...response.headers,
        ...(response.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
        ...(response.replayed && response.correlationId
          ? { [ORIGINAL_CORRELATION_HEADER]: response.correlationId }
          : {}),
      },
      body: response.bodyJson ?? JSON.stringify(response.body),
    } satisfies APIGatewayProxyResult;
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(observability<APIGatewayProxyEvent, APIGatewayProxyResult>())
    .use(correlation())
    .use(problemResponses())
    .use(jsonBody({ maxBytes: options.maxBodyBytes }))
    .handler(core as never);
}
