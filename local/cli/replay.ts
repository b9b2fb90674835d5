import { parseArgs } from 'node:util';
import { connectEnvironment } from './connect';

/**
 * npm run replay -- --shipment ID | --region R | --since ISO [--repair] [--json]
 * Rebuilds state from the audit trail and reports every difference from the stored state.
 * Exit code 0: consistent; 1: differences found (and, with --repair, caught up); 2: usage.
 */
const { values } = parseArgs({
  options: {
    shipment: { type: 'string' },
    region: { type: 'string' },
    since: { type: 'string' },
    repair: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
if (!values.shipment && !values.region && !values.since) {
  console.error('usage: npm run replay -- --shipment ID | --region R | --since ISO [--repair] [--json]');
  process.exit(2);
}
if (values.since && Number.isNaN(Date.parse(values.since))) {
  console.error(`--since must be an ISO date-time, got ${values.since}`);
  process.exit(2);
}
const target = connectEnvironment(values['data-dir']);
const { dependencies } = await import('../../functions/dependencies');
const { replayShipments } = await import('../../shared/domain/use-cases/replay');
const report = await replayShipments(
  {
    ...(values.shipment ? { shipmentId: values.shipment } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(values.since ? { since: new Date(values.since).toISOString() } : {}),
  },
  dependencies(),
  { repair: values.repair },
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
process.exit(report.differences.length > 0 ? 1 : 0);
