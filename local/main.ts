/** `npm start`: the whole system on this machine, no AWS account, no Docker. */
const env = process.env;
// Before any function module loads: no X-Ray daemon here, and EMF metric lines would drown the
// logs; the runtime keeps its own view of the same metrics instead (LocalMetrics, read by /ops).
env.POWERTOOLS_TRACE_ENABLED ??= 'false';
env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startLocalRuntime } = await import('./runtime');
const { API_THROTTLE, AUTH_FAILURE_THROTTLE } = await import('../shared/domain/throttle');
const runtime = await startLocalRuntime({
  port: Number(env.PORT ?? 3000),
  dataDir: env.DATA_DIR ?? '.data',
  apiKey: env.API_KEY,
  timeScale: Number(env.TIME_SCALE ?? 1),
  throttle: {
    rateLimit: Number(env.API_RATE_LIMIT ?? API_THROTTLE.rateLimit),
    burstLimit: Number(env.API_BURST_LIMIT ?? API_THROTTLE.burstLimit),
  },
  authFailureThrottle: {
    rateLimit: Number(env.AUTH_FAILURE_RATE_LIMIT ?? AUTH_FAILURE_THROTTLE.rateLimit),
    burstLimit: Number(env.AUTH_FAILURE_BURST_LIMIT ?? AUTH_FAILURE_THROTTLE.burstLimit),
  },
});

console.log(`
SCM route optimizer, local runtime
  API        ${runtime.url}/v1/shipments   (health: ${runtime.url}/health, OpenAPI: ${runtime.url}/openapi.json)
  API key    ${runtime.apiKey}
  ops page   ${runtime.url}/ops?key=${runtime.apiKey}
  data       ${env.DATA_DIR ?? '.data'} (DynamoDB-compatible, on disk)
  time scale ${env.TIME_SCALE ?? 1}
${runtime.banner.map((line) => `  ${line}`).join('\n')}
Try:
  curl -s ${runtime.url}/v1/shipments -H 'x-api-key: ${runtime.apiKey}' -H 'content-type: application/json' \\
    -d '{"shipmentId":"SHP-1","version":1,"region":"eu-north","serviceLevel":"NEXT_DAY","origin":{"depotId":"DEPOT-1","lat":59.33,"lon":18.06},"destination":{"lat":59.40,"lon":17.95},"weightKg":12.5}'
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

export {};
