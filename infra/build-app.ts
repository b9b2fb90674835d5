import { type App, Validations } from 'aws-cdk-lib';
import type { ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Node } from 'constructs';
import { DEFAULT_DEPLOYMENT_CONFIG, DEPLOYMENT_CONFIGS } from './constructs/canary';
import { ServiceStack } from './stacks/service-stack';
import { StatefulStack } from './stacks/stateful-stack';

/** A deployment setting (CDK context) missing or wrong: the synth stops before any stack exists. */
export class DeploymentContextError extends Error {
  override name = 'DeploymentContextError';
}

/** Context `scmBaseUrl`, optional: base of the SCM listing (contract §5); default the callback URL's origin. */
export function scmBaseUrlFromContext(node: Node): string | undefined {
  const value = node.tryGetContext('scmBaseUrl') as unknown;
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return new URL(String(value)).href.replace(/\/$/, '');
  } catch {
    throw new DeploymentContextError(`context scmBaseUrl: not an absolute URL: "${String(value)}"`);
  }
}

/**
 * Context `scmCallbackUrl`, required: the URL the SCM receives its webhooks on (contract §4).
 * There is no default, so that no deployment sends shipment data to a placeholder host.
 */
export function scmCallbackUrlFromContext(node: Node): string {
  const value = node.tryGetContext('scmCallbackUrl') as unknown;
  if (value === undefined || value === null || value === '')
    throw new DeploymentContextError(
      'context scmCallbackUrl is required: the SCM webhook URL callbacks are sent to, e.g. ' +
        'npx cdk deploy --all -c scmCallbackUrl=https://scm.yourcompany.com/webhooks/route-optimized',
    );
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new DeploymentContextError(`context scmCallbackUrl: not an absolute URL: "${String(value)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DeploymentContextError(`context scmCallbackUrl: expected an https:// URL, got "${url.href}"`);
  return url.href;
}

/** URL context: absolute http(s), else a DeploymentContextError naming the key. */
function urlFromContext(key: string, value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new DeploymentContextError(`context ${key}: not an absolute URL: "${String(value)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DeploymentContextError(`context ${key}: expected an https:// URL, got "${url.href}"`);
  return url.href;
}

export interface CallbackRollout {
  /** `shadow` (the default: a first deploy sends nothing to the SCM) or `live` (the live share decides). */
  mode: 'live' | 'shadow';
  /** Where shadowed callbacks are also sent, signed, if anywhere. */
  shadowCallbackUrl?: string;
}

/**
 * Contexts `callbackMode` (`shadow` by default, or `live`) and `shadowCallbackUrl` (optional): the
 * gradual rollout of callbacks (docs/runbook.md). In `live` mode the share of shipments delivered
 * live is the SSM parameter the stack creates (LiveShareParameter output; starts at 0).
 */
export function callbackRolloutFromContext(node: Node): CallbackRollout {
  const mode = (node.tryGetContext('callbackMode') as unknown) ?? 'shadow';
  if (mode !== 'shadow' && mode !== 'live')
    throw new DeploymentContextError(`context callbackMode: expected shadow or live, got "${String(mode)}"`);
  const shadow = node.tryGetContext('shadowCallbackUrl') as unknown;
  return {
    mode,
    ...(shadow !== undefined && shadow !== ''
      ? { shadowCallbackUrl: urlFromContext('shadowCallbackUrl', shadow) }
      : {}),
  };
}

/**
 * Context `deploymentConfig`: a CodeDeploy Lambda configuration, by name (`Canary10Percent5Minutes`,
 * the default, or `CodeDeployDefault.LambdaCanary10Percent5Minutes`, `LINEAR_10PERCENT_EVERY_1MINUTE`…).
 */
export function deploymentConfigFromContext(node: Node): { name: string; config: ILambdaDeploymentConfig } {
  const raw = String(node.tryGetContext('deploymentConfig') ?? DEFAULT_DEPLOYMENT_CONFIG);
  const key = (name: string) =>
    name
      .replace(/^CodeDeployDefault\.Lambda/, '')
      .replace(/[_\s]/g, '')
      .toLowerCase();
  const name = Object.keys(DEPLOYMENT_CONFIGS).find((n) => key(n) === key(raw));
  if (!name)
    throw new DeploymentContextError(
      `context deploymentConfig: unknown configuration "${raw}"; one of ${Object.keys(DEPLOYMENT_CONFIGS).join(', ')}`,
    );
  return { name, config: DEPLOYMENT_CONFIGS[name] as ILambdaDeploymentConfig };
}

/**
 * Builds both stacks into `app` and attaches the cdk-nag AwsSolutions checks. Deployment settings
 * come from CDK context (`-c key=value`); `scmCallbackUrl` is required.
 */
export function buildApp(app: App, options: { prefix?: string } = {}) {
  const prefix = options.prefix ?? 'ScmRouteOptimizer';
  const scmCallbackUrl = scmCallbackUrlFromContext(app.node);
  const callbackRollout = callbackRolloutFromContext(app.node);
  const deployment = deploymentConfigFromContext(app.node);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    description: 'Tables, bus, queues and DLQs',
  });
  const service = new ServiceStack(app, `${prefix}-Service`, {
    env,
    stateful,
    scmCallbackUrl,
    ...(scmBaseUrlFromContext(app.node) ? { scmBaseUrl: scmBaseUrlFromContext(app.node) } : {}),
    callbackRollout,
    deploymentConfig: deployment.config,
    description: 'API, functions and schedules',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service };
}
