import { randomBytes } from 'node:crypto';
import { parseSecrets } from '../../shared/adapters/webhooks/signature';
import { numberOption, parseCli, runCli, UsageError } from '../../shared/runtime/cli';
import { startFakeScm } from '../fake-scm/server';

const COMMAND = 'npm run scm:fake --';
const USAGE = `usage: npm run scm:fake -- [--port N]

The fake SCM on its own: verifies webhook signatures, answers as POST /_control tells it,
records what arrived (GET /_received) and serves the listing (GET /shipments?updatedSince=).

  --port N   port to listen on (default SCM_FAKE_PORT, else 4010; 0 picks a free one)

Environment: SCM_FAKE_PORT (the port), SCM_WEBHOOK_SECRET (whsec_…; generated when absent).`;

async function main() {
  const { values } = parseCli({ usage: USAGE, options: { port: { type: 'string' } } });
  const port = numberOption(
    values.port !== undefined ? '--port' : 'SCM_FAKE_PORT',
    values.port ?? process.env.SCM_FAKE_PORT ?? '4010',
    { integer: true, min: 0, max: 65_535 },
  );
  const secret = process.env.SCM_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString('base64')}`;
  try {
    parseSecrets(secret);
  } catch (error) {
    throw new UsageError(`SCM_WEBHOOK_SECRET: ${(error as Error).message}`);
  }
  const scm = await startFakeScm({ secret, port });
  console.log(`fake SCM listening
  webhooks   POST ${scm.webhookUrl}   (set SCM_CALLBACK_URL to this)
  secret     ${secret}
  control    POST ${scm.url}/_control  {"failNext":3,"failWith":500|"timeout"|"network","answer":200,"retryAfter":60,"downForSeconds":1800,"reset":true}
  received   GET  ${scm.url}/_received
  listing    GET  ${scm.url}/shipments?updatedSince=2026-01-01T00:00:00Z`);
  const stop = async () => {
    await scm.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

runCli(COMMAND, main);
