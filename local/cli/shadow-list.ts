import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { listShadowedCallbacks } from '../../shared/domain/callbacks/shadow';
import { numberOption, parseCli, runCli, UsageError } from '../../shared/runtime/cli';
import { connectEnvironment } from './connect';

const COMMAND = 'npm run shadow:list --';
const USAGE = `usage: npm run -s shadow:list -- [--since ISO] [--json] [--max N] [--table NAME] [--data-dir DIR]

Lists the callbacks recorded in shadow (gradual rollout: CALLBACK_MODE=shadow, or a shipment
outside the live share): what the SCM would have received, oldest first, with the exact headers
(webhook-id, webhook-timestamp, webhook-signature) and body, to compare with what the SCM's
current process did. The signature verifies with the webhook secret (Standard Webhooks).

  --since ISO      only callbacks shadowed at or after this date-time
  --json           one JSON array instead of text
  --max N          at most N callbacks (default 1000)
  --table NAME     the callbacks table (default CALLBACKS_TABLE; the local runtime's: Callbacks)
  --data-dir DIR   the local runtime's DATA_DIR (default DATA_DIR, else .data); without its
                   runtime.json the AWS environment is used (credentials, AWS_REGION, AWS_ENDPOINT_URL)`;

async function main() {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      since: { type: 'string' },
      json: { type: 'boolean', default: false },
      max: { type: 'string' },
      table: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const since = values.since;
  if (since !== undefined && (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(since) || Number.isNaN(Date.parse(since))))
    throw new UsageError(`--since must be an ISO date-time, got '${since}'`);
  const max = values.max !== undefined ? numberOption('--max', values.max, { integer: true, min: 1 }) : 1000;
  const target = connectEnvironment(values['data-dir']);
  const table = values.table ?? process.env.CALLBACKS_TABLE ?? (target === 'local' ? 'Callbacks' : undefined);
  if (!table)
    throw new UsageError(
      'no callbacks table: pass --table NAME or set CALLBACKS_TABLE (the CallbacksTable output of ScmRouteOptimizer-Service)',
    );
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'eu-north-1',
    ...(process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {}),
  });
  try {
    const shadowed = await listShadowedCallbacks(new DynamoCallbackStore(client, table), {
      limit: max,
      ...(since ? { since: new Date(since).toISOString() } : {}),
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(shadowed, null, 2)}\n`);
      return;
    }
    if (shadowed.length === 0) {
      process.stdout.write(`no shadowed callbacks${since ? ` since ${since}` : ''}\n`);
      return;
    }
    for (const s of shadowed) {
      const lines = [
        `${s.shadowedAt}  ${s.shipmentId} v${s.version}  ${s.webhookId}  would go to ${s.endpoint}`,
        ...Object.entries(s.headers).map(([name, value]) => `  ${name}: ${value}`),
        `  body: ${s.body}`,
        ...(s.sentTo ? [`  sent to the shadow URL ${s.sentTo}: ${s.answer ?? ''}`] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n\n`);
    }
    process.stdout.write(`${shadowed.length} shadowed callback${shadowed.length === 1 ? '' : 's'}\n`);
  } finally {
    client.destroy();
  }
}

runCli(COMMAND, main);
