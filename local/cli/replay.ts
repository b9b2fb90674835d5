import { parseCli, runCli, UsageError } from '../../shared/runtime/cli';
import { connectEnvironment } from './connect';

const COMMAND = 'npm run replay --';
const USAGE = `usage: npm run replay -- --shipment ID | --region R | --since ISO [--repair] [--json] [--data-dir DIR]

Rebuilds state from the audit trail and reports every difference from the stored state.
Exit code 0: consistent; 1: differences found (and, with --repair, caught up); 2: usage.

  --shipment ID    one shipment (not with --region or --since)
  --region R       the shipments of a region (with --since: updated since then)
  --since ISO      the shipments updated since this date-time
  --repair         catch each different projection up from its trail
  --json           the report as one JSON object
  --data-dir DIR   the local runtime's DATA_DIR (default DATA_DIR, else .data); without its
                   runtime.json the AWS environment is used`;

async function main() {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      shipment: { type: 'string' },
      region: { type: 'string' },
      since: { type: 'string' },
      repair: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.shipment && !values.region && !values.since)
    throw new UsageError('one of --shipment, --region or --since is required');
  if (values.shipment && (values.region || values.since))
    throw new UsageError('--shipment selects one shipment: not with --region or --since');
  for (const name of ['shipment', 'region'] as const)
    if (values[name] !== undefined && values[name].trim() === '') throw new UsageError(`--${name} is empty`);
  const since = values.since;
  if (since !== undefined && (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(since) || Number.isNaN(Date.parse(since))))
    throw new UsageError(`--since must be an ISO date-time, got '${since}'`);
  const target = connectEnvironment(values['data-dir']);
  const { dependencies } = await import('../../functions/dependencies');
  const { replayShipments } = await import('../../shared/domain/use-cases/replay');
  const report = await replayShipments(
    {
      ...(values.shipment ? { shipmentId: values.shipment } : {}),
      ...(values.region ? { region: values.region } : {}),
      ...(since ? { since: new Date(since).toISOString() } : {}),
    },
    dependencies(),
    { repair: values.repair },
  );
  if (report.checked === 0 && (values.shipment || values.region))
    throw new UsageError(
      values.shipment
        ? `--shipment: no shipment ${values.shipment} in ${target}`
        : `--region: no shipment in region ${values.region}${since ? ` updated since ${since}` : ''} in ${target}`,
    );
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `replay against ${target}: ${report.checked} checked, ${report.consistent} consistent, ${report.differences.length} different${values.repair ? `, ${report.repaired} repaired` : ''}`,
    );
    for (const d of report.differences) {
      console.log(`  ${d.shipmentId}`);
      for (const f of d.fields)
        console.log(
          `    ${f.field}: stored ${JSON.stringify(f.stored)} | rebuilt ${JSON.stringify(f.rebuilt)}`,
        );
    }
  }
  // The SDK clients keep sockets open: end here.
  process.exit(report.differences.length > 0 ? 1 : 0);
}

runCli(COMMAND, main);
