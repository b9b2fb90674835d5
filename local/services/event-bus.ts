import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Clock } from '../../shared/domain/clock';
import { type EventPattern, matchesPattern } from '../../shared/domain/event-rules';
import { listenOnLoopback } from './loopback';

export interface BusEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface BusRule {
  name: string;
  pattern: EventPattern;
  deliver(envelope: BusEnvelope): Promise<void>;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: string | number;
  Resources?: string[];
}

/**
 * A local EventBridge: speaks the PutEvents API (AWS JSON 1.1) on loopback, so functions use the
 * real @aws-sdk/client-eventbridge; matches each event against the same rule patterns as the CDK
 * stack and delivers the event envelope to each matching target (an SQS queue, like EventBridge).
 */
export async function startEventBus(options: {
  busName: string;
  rules: () => readonly BusRule[];
  clock: Clock;
  region: string;
  onError?: (error: unknown, rule: string) => void;
}) {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (!target.endsWith('.PutEvents')) {
      return reply(400, { __type: 'UnknownOperationException', message: `unsupported operation ${target}` });
    }
    let input: { Entries?: PutEventsEntry[] };
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { __type: 'SerializationException', message: 'invalid JSON' });
    }
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > 10) {
      return reply(400, { __type: 'ValidationException', message: 'Entries must have 1 to 10 items' });
    }
    const results = [];
    let failed = 0;
    for (const entry of entries) {
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        failed++;
        results.push({
          ErrorCode: 'MalformedDetail',
          ErrorMessage: 'Source, DetailType and Detail are required',
        });
        continue;
      }
      if (entry.EventBusName && entry.EventBusName !== options.busName) {
        failed++;
        results.push({
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `bus ${entry.EventBusName} does not exist`,
        });
        continue;
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        failed++;
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' });
        continue;
      }
      const envelope: BusEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: new Date(options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: options.region,
        resources: entry.Resources ?? [],
        detail,
      };
      try {
        await deliver(envelope);
        results.push({ EventId: envelope.id });
      } catch (error) {
        failed++;
        results.push({ ErrorCode: 'InternalFailure', ErrorMessage: (error as Error).message });
      }
    }
    reply(200, { FailedEntryCount: failed, Entries: results });
  };

  const deliver = async (envelope: BusEnvelope) => {
    const event = envelope as unknown as Record<string, unknown>;
    for (const rule of options.rules()) {
      if (matchesPattern(rule.pattern, event)) {
        try {
          await rule.deliver(envelope);
        } catch (error) {
          options.onError?.(error, rule.name);
          throw error;
        }
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'InternalException', message: String(error) }));
    });
  });
  return listenOnLoopback(server);
}
