import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { logger, metrics, tracer, tracingEnabled } from './observability';

type Middleware = middy.MiddlewareObj<unknown, unknown, Error, Context>;

/**
 * Powertools' captureLambdaHandler on the Tracer loaded on first use (observability.ts: the X-Ray
 * SDK is only loaded where tracing is on).
 */
function tracing(): Middleware {
  let inner: Promise<Middleware> | undefined;
  const middleware = () => {
    inner ??= tracer().then((t) => captureLambdaHandler(t) as Middleware);
    return inner;
  };
  return {
    before: async (request) => {
      await (await middleware()).before?.(request);
    },
    after: async (request) => {
      await (await middleware()).after?.(request);
    },
    onError: async (request) => {
      await (await middleware()).onError?.(request);
    },
  };
}

/**
 * The Powertools middlewares of every Lambda entry point: the Lambda context on each log line and
 * the invocation's keys (appendKeys, e.g. the HTTP correlation id) reset after it, the stored
 * metrics flushed (EMF) after it, and the handler traced where tracing is on.
 */
export function observability<TEvent, TResult>(): middy.MiddlewareObj<TEvent, TResult, Error, Context>[] {
  const middlewares = [
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics),
    ...(tracingEnabled ? [tracing()] : []),
  ];
  return middlewares as unknown as middy.MiddlewareObj<TEvent, TResult, Error, Context>[];
}

/** A Lambda entry point with the observability middlewares (middy). */
export function lambdaHandler<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult, Error, Context>(handler).use(observability<TEvent, TResult>());
}

/**
 * The logger of one message: its correlation id on each of its lines. A child of the shared
 * logger (Lambda context and keys as they are now), so that messages processed at the same time
 * never write their ids on the shared logger, where another message's lines would pick them up.
 */
export function messageLogger(correlationId: string): Logger {
  const child = logger.createChild();
  child.appendKeys({ correlationId });
  return child;
}

/**
 * An SQS entry point with partial batch responses (Powertools batch, records in parallel): each
 * record is parsed (a failure fails that record only) and handled with its own message logger.
 */
export function sqsConsumer<TMessage>(options: {
  parse: (record: SQSRecord) => TMessage;
  /** The message's correlation id, if it has one (else it logs through the shared logger). */
  correlationId?: (message: TMessage) => string | undefined;
  handle: (message: TMessage, record: SQSRecord, log: Logger) => Promise<void>;
  /** Called once per invocation before the records (e.g. IdempotencyConfig.registerLambdaContext). */
  onInvoke?: (context: Context) => void;
}) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const message = options.parse(record);
    const correlationId = options.correlationId?.(message);
    await options.handle(message, record, correlationId ? messageLogger(correlationId) : logger);
  };
  return lambdaHandler<SQSEvent, SQSBatchResponse>(async (event, context) => {
    options.onInvoke?.(context);
    return processPartialResponse(event, recordHandler, processor, { context });
  });
}

/**
 * The `parse` of an SQS consumer whose message body is JSON of `schema` (an EventBridge envelope, a
 * batch job): Powertools Parser's JSONStringified, JSON.parse then the schema. A body that is not
 * JSON, or not of the schema, throws: that record fails (and is retried, then dead-lettered), the
 * others go on. The envelope schemas stay the core's (shared/schemas): docs/adr/0009.
 */
export function jsonBody<S extends z.ZodType>(schema: S): (record: SQSRecord) => z.output<S> {
  const body = JSONStringified(schema);
  return (record) => body.parse(record.body);
}
