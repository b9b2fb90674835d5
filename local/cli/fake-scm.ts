import { randomBytes } from 'node:crypto';
import { startFakeScm } from '../fake-scm/server';

/** `npm run scm:fake`: the fake SCM on its own (PORT, default 4010; SCM_WEBHOOK_SECRET or generated). */
const secret = process.env.SCM_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString('base64')}`;
const scm = await startFakeScm({ secret, port: Number(process.env.PORT ?? 4010) });
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
