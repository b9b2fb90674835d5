import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Node } from 'constructs';
import { ServiceStack } from './stacks/service-stack';
import { StatefulStack } from './stacks/stateful-stack';

/** A deployment setting (CDK context) missing or wrong: the synth stops before any stack exists. */
export class DeploymentContextError extends Error {
  override name = 'DeploymentContextError';
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

/**
 * Builds both stacks into `app` and attaches the cdk-nag AwsSolutions checks. Deployment settings
 * come from CDK context (`-c key=value`); `scmCallbackUrl` is required.
 */
export function buildApp(app: App, options: { prefix?: string } = {}) {
  const prefix = options.prefix ?? 'ScmRouteOptimizer';
  const scmCallbackUrl = scmCallbackUrlFromContext(app.node);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    description: 'Tables, bus, queues and DLQs',
  });
  const service = new ServiceStack(app, `${prefix}-Service`, {
    env,
    stateful,
    scmCallbackUrl,
    description: 'API, functions and schedules',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service };
}
