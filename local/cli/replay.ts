import { parseCli, progressLine, runCli, UsageError } from '../../shared/runtime/cli';
import { connectCallbacks, connectEnvironment } from './connect';

const COMMAND = 'npm run replay --';
const USAGE = `usage: npm run replay -- --shipment ID | --region R | --since ISO [--until ISO]
                      [--repair] [--redrive [--resend-applied]] [--json] [--data-dir DIR]

Rebuilds each selected shipment's state from its audit trail, reports every difference from the
stored state, and lists what should move and did not (README "Replay"); --redrive does it:
  QUEUED, STALE or OPTIMIZING              → re-queued: shipment.requeued onto its priority queue
  CALLBACK_PENDING, delivery idle 20 min   → delivery resumed with its webhook-id
  CALLBACK_FAILED (ROUTE_APPLIED with
  --resend-applied)                        → callback re-sent with its webhook-id, same version
A second --redrive over the same shipments re-drives nothing again (README "Replay").
The selection is read by index (byRegion, byStatus), never by a Scan.
Exit code 0: consistent, nothing to re-drive; 1: differences or re-drives found (and, with
--repair / --redrive, done); 2: usage.

  --shipment ID      one shipment (not with --region, --since or --until)
  --region R         the shipments of a region (with --since/--until: last changed in that range)
  --since ISO        the shipments last changed at or after this date-time
  --until ISO        ... and at or before this one (default: no end)
  --repair           catch each different projection up from its trail
  --redrive          re-queue and re-send what is listed (without it: a dry listing)
  --resend-applied   with --redrive: re-send the callbacks of ROUTE_APPLIED shipments as well
  --json             the report as one JSON object on stdout (progress stays on stderr)
  --data-dir DIR     the local runtime's DATA_DIR (default DATA_DIR, else .data); without its
                     runtime.json the AWS environment is used (CALLBACKS_TABLE and, to re-drive,
                     CALLBACK_STATE_MACHINE_ARN and the functions' variables)`;

function isoOption(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(text) || Number.isNaN(Date.parse(text)))
    throw new UsageError(`--${name} must be an ISO date-time, got '${text}'`);
  return new Date(text).toISOString();
}

async function main() {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      shipment: { type: 'string' },
      region: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      repair: { type: 'boolean', default: false },
      redrive: { type: 'boolean', default: false },
      'resend-applied': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.shipment && !values.region && !values.since && !values.until)
    throw new UsageError('one of --shipment, --region or --since (or --until) is required');
  if (values.shipment && (values.region || values.since || values.until))
    throw new UsageError('--shipment selects one shipment: not with --region, --since or --until');
  for (const name of ['shipment', 'region'] as const)
    if (values[name] !== undefined && values[name].trim() === '') throw new UsageError(`--${name} is empty`);
  const since = isoOption('since', values.since);
  const until = isoOption('until', values.until);
  if (since && until && until < since) throw new UsageError(`--until ${until} is before --since ${since}`);
  if (values['resend-applied'] && !values.redrive)
    throw new UsageError('--resend-applied re-sends: it goes with --redrive');
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? '.data';
  const target = connectEnvironment(dataDir);
  if (target === 'local' && !connectCallbacks(dataDir) && values.redrive)
    throw new UsageError(`the local runtime in ${dataDir} has no callbacks.json: nothing to re-drive with`);
  const { replayShipments } = await import('../../shared/domain/use-cases/replay');
  const deps = await replayDependencies(values.redrive);
  const selector = {
    ...(values.shipment ? { shipmentId: values.shipment } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
  const progress = progressLine({ label: 'replay' });
  const started = performance.now();
  const report = await replayShipments(selector, deps, {
    repair: values.repair,
    redrive: values.redrive,
    resendApplied: values['resend-applied'],
    onProgress: progress.update,
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  if (report.checked === 0 && (values.shipment || values.region))
    throw new UsageError(
      values.shipment
        ? `--shipment: no shipment ${values.shipment} in ${target}`
        : `--region: no shipment in region ${values.region}${since ? ` updated since ${since}` : ''} in ${target}`,
    );
  const r = report.redrive;
  const actionable = r.items.filter((i) => i.outcome === 'planned' || i.outcome === 'done').length;
  if (values.json) console.log(JSON.stringify({ ...report, seconds: Math.round(seconds * 1000) / 1000 }));
  else {
    console.log(
      `replay against ${target}: ${report.checked} checked in ${seconds.toFixed(1)} s, ${report.consistent} consistent, ${report.differences.length} different${values.repair ? `, ${report.repaired} repaired` : ''}`,
    );
    for (const d of report.differences) {
      console.log(`  ${d.shipmentId}`);
      for (const f of d.fields)
        console.log(
          `    ${f.field}: stored ${JSON.stringify(f.stored)} | rebuilt ${JSON.stringify(f.rebuilt)}`,
        );
    }
    console.log(values.redrive ? 're-drive:' : 're-drive (dry listing: --redrive does it):');
    const count = (action: string, outcome: string) =>
      r.items.filter((i) => i.action === action && i.outcome === outcome).length;
    const doneOrPlanned = values.redrive ? 'done' : 'planned';
    console.log(
      `  ${'action'.padEnd(18)}${(values.redrive ? 'done' : 'would').padStart(6)}${'already'.padStart(9)}${'skipped'.padStart(9)}${'errors'.padStart(8)}`,
    );
    for (const action of ['requeue', 'resume-callback', 'resend-callback'])
      console.log(
        `  ${action.padEnd(18)}${String(count(action, doneOrPlanned)).padStart(6)}${String(count(action, 'already')).padStart(9)}${String(count(action, 'skipped')).padStart(9)}${String(count(action, 'error')).padStart(8)}`,
      );
    for (const item of r.items)
      console.log(
        `  ${item.outcome.padEnd(8)} ${item.action.padEnd(16)} ${item.shipmentId} v${item.version} ${item.status}: ${item.reason}`,
      );
  }
  // The SDK clients keep sockets open: end here.
  process.exit(report.differences.length > 0 || actionable > 0 ? 1 : 0);
}

/** The shipment store and, when there are callback records, those; to re-drive, the bus and Step Functions too. */
async function replayDependencies(redrive: boolean) {
  const { dependencies } = await import('../../functions/composition');
  const deps = dependencies();
  const table = process.env.CALLBACKS_TABLE;
  if (!table) return deps;
  const { awsClients } = await import('../../shared/adapters/clients');
  const { DynamoCallbackStore } = await import('../../shared/adapters/dynamodb/callback-store');
  const callbacks = new DynamoCallbackStore(awsClients(deps.env).dynamodb, table);
  if (!redrive) return { ...deps, callbacks };
  const { reconcileDependencies } = await import('../../functions/schedule/reconcile');
  return { ...deps, callbacks, deliveries: reconcileDependencies().deliveries };
}

runCli(COMMAND, main);
