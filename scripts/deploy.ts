import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run deploy -- [cdk deploy options]` (AWS) and `npm run deploy:localstack -- [options]`.
 * Checks what a deploy needs before the CDK CLI starts: a one-line message and exit code 2 when
 * the context scmCallbackUrl, AWS credentials or a region is missing. `--dry-run` prints the
 * commands and the endpoint settings instead of running them.
 */

export type Env = Record<string, string | undefined>;

export interface DeployPlan {
  /** Environment overrides of the CDK process (LocalStack: endpoint, region, test credentials). */
  env: Record<string, string>;
  commands: string[][];
}

export class DeployCheckError extends Error {
  override name = 'DeployCheckError';
}

const LOCALSTACK_DEFAULT = 'http://localhost:4566';

/** The value of `-c key=value` / `--context key=value` in the arguments, else cdk.json's context. */
export function contextValue(args: readonly string[], key: string, root = process.cwd()): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const inline = /^(?:-c|--context)=(.*)$/.exec(arg)?.[1];
    const value = inline ?? (arg === '-c' || arg === '--context' ? args[i + 1] : undefined);
    if (value?.startsWith(`${key}=`)) return value.slice(key.length + 1);
  }
  for (const file of ['cdk.json', 'cdk.context.json']) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const json = JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> };
    const value = file === 'cdk.json' ? json.context?.[key] : (json as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Some source of AWS credentials the SDK and the CDK CLI would find, without calling AWS. */
export function hasCredentials(env: Env, home = homedir()): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')) ||
      existsSync(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config')),
  );
}

function hasRegion(env: Env, home = homedir()): boolean {
  return Boolean(
    env.AWS_REGION ||
      env.AWS_DEFAULT_REGION ||
      existsSync(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config')),
  );
}

/**
 * The environment of the LocalStack path, as LocalStack's CDK tooling expects it: AWS_ENDPOINT_URL
 * (from LOCALSTACK_ENDPOINT or AWS_ENDPOINT_URL, default http://localhost:4566) for cdklocal and
 * every AWS SDK client (the functions read no service endpoint of their own in the template),
 * a region, LocalStack's test credentials and its account.
 */
export function localstackEnvironment(env: Env): Record<string, string> {
  const endpoint = env.LOCALSTACK_ENDPOINT ?? env.AWS_ENDPOINT_URL ?? LOCALSTACK_DEFAULT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new DeployCheckError(`LOCALSTACK_ENDPOINT is not a URL: "${endpoint}"`);
  }
  return {
    AWS_ENDPOINT_URL: url.href.replace(/\/$/, ''),
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 ?? url.href.replace(/\/$/, ''),
    AWS_REGION: env.AWS_REGION ?? 'eu-north-1',
    AWS_DEFAULT_REGION: env.AWS_REGION ?? 'eu-north-1',
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'test',
    CDK_DEFAULT_ACCOUNT: env.CDK_DEFAULT_ACCOUNT ?? '000000000000',
    CDK_DEFAULT_REGION: env.AWS_REGION ?? 'eu-north-1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/** What `npm run deploy[:localstack]` runs, after its checks. */
export function deployPlan(
  target: 'aws' | 'localstack',
  args: readonly string[],
  env: Env,
  options: { root?: string; home?: string } = {},
): DeployPlan {
  const scm = contextValue(args, 'scmCallbackUrl', options.root);
  if (!scm)
    throw new DeployCheckError(
      target === 'aws'
        ? 'context scmCallbackUrl is required: npm run deploy -- -c scmCallbackUrl=https://scm.yourcompany.com/webhooks/route-optimized'
        : 'context scmCallbackUrl is required: npm run deploy:localstack -- -c scmCallbackUrl=http://host.docker.internal:4010/webhooks',
    );
  if (target === 'localstack') {
    return {
      env: localstackEnvironment(env),
      commands: [
        ['cdklocal', 'bootstrap'],
        ['cdklocal', 'deploy', '--all', '--require-approval', 'never', ...args],
      ],
    };
  }
  if (!hasCredentials(env, options.home))
    throw new DeployCheckError(
      'no AWS credentials: export AWS_PROFILE=… (or aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    );
  if (!hasRegion(env, options.home))
    throw new DeployCheckError('no AWS region: export AWS_REGION=eu-north-1 (or set one in the profile)');
  return {
    env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
    commands: [['npx', 'cdk', 'deploy', '--all', ...args]],
  };
}

function main() {
  const argv = process.argv.slice(2);
  const target = argv.includes('--localstack') ? 'localstack' : 'aws';
  const dryRun = argv.includes('--dry-run');
  const args = argv.filter((a) => a !== '--localstack' && a !== '--dry-run');
  const command = target === 'aws' ? 'npm run deploy' : 'npm run deploy:localstack';
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `usage: ${command} -- -c scmCallbackUrl=URL [-c callbackMode=shadow|live] [-c shadowCallbackUrl=URL] [-c deploymentConfig=NAME] [--dry-run] [cdk deploy options]\n`,
    );
    return;
  }
  let plan: DeployPlan;
  try {
    plan = deployPlan(target, args, process.env);
  } catch (error) {
    if (!(error instanceof DeployCheckError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n`);
    process.exit(2);
  }
  if (dryRun) {
    for (const [k, v] of Object.entries(plan.env)) process.stdout.write(`${k}=${v}\n`);
    for (const c of plan.commands) process.stdout.write(`${c.join(' ')}\n`);
    return;
  }
  if (target === 'localstack' && spawnSync('cdklocal', ['--version'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write(
      `${command}: cdklocal not found: npm i -g aws-cdk-local aws-cdk (LocalStack's CDK wrapper)\n`,
    );
    process.exit(2);
  }
  for (const [program, ...rest] of plan.commands) {
    const run = spawnSync(program ?? '', rest, { stdio: 'inherit', env: { ...process.env, ...plan.env } });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
