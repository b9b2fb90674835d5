import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceStack } from './stacks/service-stack';
import { StatefulStack } from './stacks/stateful-stack';

/** Builds both stacks into `app` and attaches the cdk-nag AwsSolutions checks. */
export function buildApp(app: App, options: { prefix?: string } = {}) {
  const prefix = options.prefix ?? 'ScmRouteOptimizer';
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    description: 'Tables, bus, queues and DLQs',
  });
  const service = new ServiceStack(app, `${prefix}-Service`, {
    env,
    stateful,
    description: 'API, functions and schedules',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service };
}
