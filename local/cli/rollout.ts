import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  LIVE_SHARE_FILE,
  readLiveShareFile,
  writeLiveShareFile,
} from '../../shared/adapters/rollout/file-live-share';
import { parseLiveShare } from '../../shared/domain/callbacks/rollout';
import { parseCli, runCli, UsageError } from '../../shared/runtime/cli';

const COMMAND = 'npm run rollout:set --';
const USAGE = `usage: npm run rollout:set -- SHARE [--parameter NAME] [--data-dir DIR]
       npm run rollout:get -- [--parameter NAME] [--data-dir DIR]

The live share of the gradual rollout: the share of shipments (0 to 1, by shipment-id hash)
whose callbacks go to the SCM while CALLBACK_MODE is live; the others are shadowed. A change
reaches the callback functions within the cache time (60 s), without a restart or a redeploy.

  SHARE            0 (everything shadowed) … 1 (everything live), e.g. 0.1
  --parameter NAME the SSM parameter (AWS; the LiveShareParameter output of ScmRouteOptimizer-Service,
                   default LIVE_SHARE_PARAMETER); without it the local store is used
  --data-dir DIR   the local runtime's DATA_DIR (default DATA_DIR, else .data): DIR/${LIVE_SHARE_FILE}`;

async function main() {
  const { values, positionals } = parseCli({
    usage: USAGE,
    options: {
      parameter: { type: 'string' },
      'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    },
    positionals: { min: 0, max: 1 },
  });
  let share: number | undefined;
  if (positionals[0] !== undefined) {
    try {
      share = parseLiveShare(positionals[0], 'SHARE');
    } catch {
      throw new UsageError(`SHARE must be a number from 0 to 1, got '${positionals[0]}'`);
    }
  }
  const parameter = values.parameter ?? process.env.LIVE_SHARE_PARAMETER;
  if (parameter) {
    const ssm = new SSMClient({
      region: process.env.AWS_REGION,
      ...(process.env.SSM_ENDPOINT ? { endpoint: process.env.SSM_ENDPOINT } : {}),
    });
    try {
      const current = await ssm.send(new GetParameterCommand({ Name: parameter }));
      const before = current.Parameter?.Value ?? '?';
      if (share === undefined) {
        process.stdout.write(`live share ${before} (${parameter})\n`);
        return;
      }
      await ssm.send(
        new PutParameterCommand({ Name: parameter, Value: String(share), Type: 'String', Overwrite: true }),
      );
      process.stdout.write(
        `live share ${before} → ${share} (${parameter}); the callback functions see it within 60 s\n`,
      );
    } finally {
      ssm.destroy();
    }
    return;
  }
  const file = join(values['data-dir'], LIVE_SHARE_FILE);
  const before = readLiveShareFile(file, Number(process.env.LIVE_SHARE ?? 1));
  if (share === undefined) {
    process.stdout.write(`live share ${before} (${file})\n`);
    return;
  }
  writeLiveShareFile(file, share);
  process.stdout.write(
    `live share ${before} → ${share} (${file}); a running local runtime sees it within 60 s of its clock\n`,
  );
}

runCli(COMMAND, main);
