import { randomUUID } from 'node:crypto';
import { parseCli, progressLine, runCli, UsageError } from '../../shared/runtime/cli';
import { connectCallbacks, connectEnvironment } from './connect';

const COMMAND = 'npm run reconcile --';
const USAGE = `usage: npm run reconcile -- --hourly | --daily [--dry-run] [--json] [--data-dir DIR]

Runs the hourly reconciliation once, as the schedule does (README "Reconciliation"):
  OPTIMIZING for over 2 h                  → re-queued (QUEUED, announced again)
  QUEUED for over 30 min (message gone)    → re-queued
  STALE for over 30 min                    → flagged for operations (listed, counted)
  callback PENDING/IN_PROGRESS untouched
  for over 20 min, breaker closed          → re-delivered with its webhook-id
--daily compares the SCM listing (GET {SCM_BASE_URL}/shipments, signed, paginated) of the last 26 h
with our state:
  a version the SCM has and we do not      → flagged (we never received that body: nothing to re-queue)
  our ROUTE_APPLIED/CALLBACK_FAILED route
  the SCM does not show applied            → callback re-sent with its webhook-id
  anything else that disagrees             → flagged
A run holds a lease: a second run at the same time does nothing (exit code 3).
Exit code 0: nothing stuck; 1: stuck shipments found (and remediated unless --dry-run); 2: usage.

  --hourly         the hourly reconciliation
  --daily          the daily comparison with the SCM listing
  --dry-run        find and report, change nothing, take no lease
  --json           the report as one JSON object
  --data-dir DIR   the local runtime's DATA_DIR (default DATA_DIR, else .data); without its
                   runtime.json the AWS environment is used (CALLBACKS_TABLE,
                   CALLBACK_STATE_MACHINE_ARN and the functions' variables)`;

async function main() {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      hourly: { type: 'boolean', default: false },
      daily: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (values.daily === values.hourly) throw new UsageError('one of --hourly or --daily is required');
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? '.data';
  const target = connectEnvironment(dataDir);
  if (target === 'local' && !connectCallbacks(dataDir, { scm: values.daily }))
    throw new UsageError(`the local runtime in ${dataDir} has no callbacks.json`);
  if (values.daily) return daily(target, values['dry-run'], values.json);
  const { reconcileDependencies } = await import('../../functions/schedule/reconcile');
  const { foundTotal, reconcileHourly } = await import('../../shared/domain/operations/reconcile');
  const progress = progressLine({ label: 'hourly reconciliation' });
  const report = await reconcileHourly(reconcileDependencies(), {
    runId: `cli-${randomUUID()}`,
    dryRun: values['dry-run'],
    onProgress: progress.update,
  });
  progress.finish();
  const found = foundTotal(report.found);
  if (values.json) console.log(JSON.stringify(report));
  else if (report.outcome === 'busy')
    console.log(`reconciliation against ${target}: another run holds the lease; nothing done`);
  else {
    console.log(
      `hourly reconciliation against ${target}${report.dryRun ? ' (dry run: nothing changed)' : ''}, run ${report.runId}`,
    );
    const rows: [string, number, string][] = [
      ['OPTIMIZING > 2 h', report.found.optimizing, 're-queued'],
      ['QUEUED, message gone', report.found.queued, 're-queued'],
      ['RECEIVED, insertion died', report.found.received, 're-queued'],
      ['STALE for operations', report.found.stale, 'flagged'],
      ['callback beyond its retries', report.found.callback, 're-delivered'],
    ];
    console.log(`  ${'kind'.padEnd(30)}${'found'.padStart(6)}  action`);
    for (const [kind, n, action] of rows)
      console.log(`  ${kind.padEnd(30)}${String(n).padStart(6)}  ${action}`);
    console.log(
      `  held by an open breaker: ${report.heldByBreaker}; changed meanwhile: ${report.changedMeanwhile}; errors: ${report.errors}`,
    );
    for (const item of report.items)
      console.log(`  ${item.action.padEnd(12)} ${item.shipmentId} v${item.version}: ${item.reason}`);
  }
  // The SDK clients keep sockets open: end here.
  process.exit(report.outcome === 'busy' ? 3 : found > 0 ? 1 : 0);
}

async function daily(target: string, dryRun: boolean, json: boolean) {
  const { dailyReconcileDependencies } = await import('../../functions/schedule/reconcile');
  const { foundTotal } = await import('../../shared/domain/operations/reconcile');
  const { reconcileDaily } = await import('../../shared/domain/operations/reconcile-daily');
  const progress = progressLine({ label: 'daily reconciliation' });
  const report = await reconcileDaily(dailyReconcileDependencies(), {
    runId: `cli-${randomUUID()}`,
    dryRun,
    onProgress: progress.update,
  });
  progress.finish();
  const found = foundTotal(report.found);
  if (json) console.log(JSON.stringify(report));
  else if (report.outcome === 'busy')
    console.log(`daily reconciliation against ${target}: another run holds the lease; nothing done`);
  else {
    console.log(
      `daily reconciliation against ${target}${report.dryRun ? ' (dry run: nothing changed)' : ''}, run ${report.runId}, changes since ${report.updatedSince}`,
    );
    console.log(`  compared: ${report.compared.scm} SCM items, ${report.compared.ours} of our routes`);
    const rows: [string, number, string][] = [
      ['SCM has a newer version', report.found['scm-newer-version'], 'flagged'],
      ['SCM lacks our route', report.found['scm-lacks-route'], 're-sent'],
      ['disagreement', report.found.disagreement, 'flagged'],
    ];
    console.log(`  ${'finding'.padEnd(30)}${'found'.padStart(6)}  action`);
    for (const [kind, n, action] of rows)
      console.log(`  ${kind.padEnd(30)}${String(n).padStart(6)}  ${action}`);
    console.log(
      `  already re-sent by an earlier run: ${report.alreadyRedelivered}; errors: ${report.errors}`,
    );
    for (const item of report.items)
      console.log(`  ${item.action.padEnd(12)} ${item.shipmentId} v${item.version}: ${item.reason}`);
  }
  process.exit(report.outcome === 'busy' ? 3 : found > 0 ? 1 : 0);
}

runCli(COMMAND, main);
