import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ApiEndpoint, matchResource } from '../functions/api/endpoints';
import {
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthorizedError,
  ValidationError,
} from '../shared/domain/errors';
import {
  API_THROTTLE,
  AUTH_FAILURE_THROTTLE,
  KeyedThrottle,
  type ThrottleLimits,
} from '../shared/domain/throttle';
import { CORRELATION_HEADER, correlationIdOf } from '../shared/runtime/http/middleware';
import { toProblem } from '../shared/runtime/http/problem';
import { logger } from '../shared/runtime/observability';
import { openApiDocument } from '../shared/schemas/openapi';
import { lambdaContext } from './services/queue-poller';

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** API Gateway's own hard limit; the handlers enforce the contract's 256 KiB. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

/** What the gateway knows of a request before any function runs. */
interface GatewayRequest {
  correlationId: string;
  path: string;
}

/**
 * The gateway's own answers, in the shape of the functions' (shared/runtime/http/problem.ts):
 * a typed problem with `correlationId` and `instance`, the correlation id echoed in its header.
 */
const problem = (request: GatewayRequest, error: unknown, headers: Record<string, string> = {}) => {
  const body = { ...toProblem(error, request.correlationId), instance: request.path };
  return {
    statusCode: body.status,
    headers: {
      'Content-Type': 'application/problem+json',
      [CORRELATION_HEADER]: request.correlationId,
      ...headers,
    },
    body: JSON.stringify(body),
  };
};

/**
 * The local API Gateway: the same endpoints, the API-key check (missing → 401, wrong → 403; more than
 * a few failed checks a second from one address → 429), the usage plan's throttle (429 above the
 * rate and burst, per key) and the proxy-integration event shape,
 * calling the very Lambda handlers deployed to AWS.
 */
export function createGateway(options: {
  endpoints: readonly ApiEndpoint[];
  resolve: (endpoint: ApiEndpoint) => Promise<LambdaHandler>;
  apiKey: string;
  /** The usage plan's limits (default: the CDK stack's). */
  throttle?: ThrottleLimits;
  /** Failed API-key checks allowed per client address (default AUTH_FAILURE_THROTTLE). */
  authFailureThrottle?: ThrottleLimits;
  /** Wall clock of the throttle, ms (injected by tests). */
  nowMs?: () => number;
  /** Local-only pages served before the API endpoints (the ops page); undefined: not theirs. */
  pages?: (req: IncomingMessage, url: URL) => Promise<APIGatewayProxyResult | undefined>;
}): Server {
  const nowMs = options.nowMs ?? (() => performance.now());
  const throttle = new KeyedThrottle(options.throttle ?? API_THROTTLE, nowMs);
  const authFailures = new KeyedThrottle(options.authFailureThrottle ?? AUTH_FAILURE_THROTTLE, nowMs);
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expectedKey = digest(options.apiKey);
  const retryAfter = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
  const dispatch = async (
    req: IncomingMessage,
    raw: Buffer,
    url: URL,
    at: GatewayRequest,
  ): Promise<APIGatewayProxyResult> => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' && url.pathname === '/openapi.json') {
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(openApiDocument()),
      };
    }
    // Over its failed-attempt budget, an address gets 429 for every request but the open endpoints
    // (/health), right key or not: neither the API nor a page can be used to test a guess.
    const address = req.socket.remoteAddress ?? 'unknown';
    const isOpen = options.endpoints.some((e) => !e.apiKey && matchResource(e.resource, url.pathname));
    const lockedOut = () => {
      const locked = authFailures.check(address);
      return locked.allowed
        ? undefined
        : problem(at, new ThrottledError('too many failed API-key checks from this address'), {
            'Retry-After': retryAfter(locked.retryAfterMs),
          });
    };
    const refused = isOpen ? undefined : lockedOut();
    if (refused) return refused;
    const page = await options.pages?.(req, url);
    if (page) {
      // A page that checked a key and refused it spends the address's budget like the API.
      if (page.statusCode === 401 || page.statusCode === 403) authFailures.take(address);
      return page;
    }
    const candidates = options.endpoints
      .map((endpoint) => ({ endpoint, params: matchResource(endpoint.resource, url.pathname) }))
      .filter((c): c is { endpoint: ApiEndpoint; params: Record<string, string> } => c.params !== undefined);
    if (candidates.length === 0) return problem(at, new NotFoundError(`no route for ${url.pathname}`));
    const match = candidates.find((c) => c.endpoint.method === method);
    if (!match) return problem(at, new MethodNotAllowedError(`${method} is not allowed on ${url.pathname}`));
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    if (match.endpoint.apiKey) {
      // Again, with no await before the key check: concurrent guesses cannot all pass the first.
      const refusedNow = lockedOut();
      if (refusedNow) return refusedNow;
      const key = headers['x-api-key'];
      if (!key || !timingSafeEqual(digest(key), expectedKey)) {
        authFailures.take(address);
        if (!key) return problem(at, new UnauthorizedError('x-api-key header is required'));
        return problem(at, new ForbiddenError('the API key is not valid'));
      }
      const taken = throttle.take(key);
      if (!taken.allowed) {
        return problem(at, new ThrottledError('the request rate of this API key is over its usage plan'), {
          'Retry-After': retryAfter(taken.retryAfterMs),
        });
      }
    }
    const event: APIGatewayProxyEvent = {
      resource: match.endpoint.resource,
      path: url.pathname,
      httpMethod: method,
      headers,
      // As API Gateway: every value of a repeated header (e.g. two Content-Types) reaches the function.
      multiValueHeaders: Object.fromEntries(
        Object.entries(req.headersDistinct).map(([k, v]) => [k, v ?? []]),
      ),
      queryStringParameters: url.searchParams.size ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: null,
      pathParameters: Object.keys(match.params).length ? match.params : null,
      stageVariables: null,
      body: raw.length ? raw.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        requestId: randomUUID(),
        httpMethod: method,
        path: url.pathname,
        resourcePath: match.endpoint.resource,
        stage: 'local',
      } as APIGatewayProxyEvent['requestContext'],
    };
    const handler = await options.resolve(match.endpoint);
    return handler(event, lambdaContext(match.endpoint.id, 29_000));
  };

  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > GATEWAY_MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const respond = (r: APIGatewayProxyResult) => {
        res.writeHead(r.statusCode, r.headers as Record<string, string>);
        res.end(r.body);
      };
      const target = req.url ?? '/';
      const url = requestUrl(target);
      const at: GatewayRequest = {
        correlationId: correlationIdOf(headerValue(req.headers[CORRELATION_HEADER.toLowerCase()])),
        path: url?.pathname ?? target.slice(0, 256),
      };
      if (!url) {
        return respond(
          problem(
            at,
            new ValidationError('the request target is not a valid path', [
              { field: 'path', message: 'invalid' },
            ]),
          ),
        );
      }
      if (tooLarge) return respond(problem(at, new PayloadTooLargeError('the request body exceeds 10 MB')));
      dispatch(req, Buffer.concat(chunks), url, at).then(respond, (error: unknown) => {
        logger.error('the gateway failed to invoke the function', { error: error as Error, path: at.path });
        respond(problem(at, error));
      });
    });
  });
}

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The request target as a URL. An origin-form target is a path even when it starts with `//`
 * (`new URL('//x', base)` would read a host and `new URL('//', base)` throw); a target that is no
 * URL at all gives undefined (a 400), never an exception in the server's event handler.
 */
function requestUrl(target: string): URL | undefined {
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch {
    return undefined;
  }
}
