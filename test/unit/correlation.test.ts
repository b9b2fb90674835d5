import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaHandler, sqsConsumer } from '../../shared/runtime/lambda';
import { logger, setCorrelationId } from '../../shared/runtime/observability';

type Line = Record<string, unknown>;
let lines: Line[] = [];

beforeEach(() => {
  lines = [];
  // The Powertools logger writes one JSON document a line to stdout.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const text of String(chunk).split('\n'))
      if (text.trim().startsWith('{')) lines.push(JSON.parse(text) as Line);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const context = (requestId: string) =>
  ({ functionName: 'consumer', awsRequestId: requestId, memoryLimitInMB: '512' }) as unknown as Context;

const record = (messageId: string, correlationId: string, delayMs: number) =>
  ({
    messageId,
    body: JSON.stringify({ correlationId, delayMs }),
    attributes: { ApproximateReceiveCount: '1' },
    eventSource: 'aws:sqs',
  }) as unknown as SQSRecord;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('correlation ids per invocation and per message (Powertools middlewares)', () => {
  it('two SQS messages handled at the same time: each line carries its own message’s id', async () => {
    const consumer = sqsConsumer({
      parse: (r) => JSON.parse(r.body) as { correlationId: string; delayMs: number },
      correlationId: (m) => m.correlationId,
      handle: async (message, _record, log) => {
        log.info('message started', { expected: message.correlationId });
        await sleep(message.delayMs); // the first finishes after the second started
        log.info('message processed', { expected: message.correlationId });
      },
    });
    const event: SQSEvent = { Records: [record('m-1', 'corr-first', 30), record('m-2', 'corr-second', 1)] };
    expect(await consumer(event, context('req-1'))).toEqual({ batchItemFailures: [] });
    logger.info('after the batch');

    const ofMessages = lines.filter((l) => l.expected);
    expect(ofMessages).toHaveLength(4);
    for (const line of ofMessages) expect(line.correlationId).toBe(line.expected);
    expect(lines.find((l) => l.message === 'after the batch')).not.toHaveProperty('correlationId');
  });

  it('a second invocation does not carry the first invocation’s correlation id', async () => {
    const handler = lambdaHandler(async (event: { correlationId?: string }) => {
      if (event.correlationId) setCorrelationId(event.correlationId);
      logger.info('working');
      return 'done';
    });
    await handler({ correlationId: 'corr-first' }, context('req-1'));
    await handler({}, context('req-2'));
    await handler({ correlationId: 'corr-third' }, context('req-3'));

    const working = lines.filter((l) => l.message === 'working');
    expect(working.map((l) => [l.function_request_id, l.correlationId])).toEqual([
      ['req-1', 'corr-first'],
      ['req-2', undefined],
      ['req-3', 'corr-third'],
    ]);
  });
});
