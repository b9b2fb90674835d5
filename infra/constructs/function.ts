import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
/** The alias name every trigger invokes. */
export const LIVE_ALIAS = 'live';

export interface ServiceFunctionProps {
  /** Entry file, relative to the repository root. */
  entry: string;
  handler: string;
  environment: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  reservedConcurrency?: number;
  description: string;
}

/**
 * Every function of the service: Node.js 24 on ARM64, bundled by esbuild as ESM, X-Ray tracing,
 * JSON logs in a log group with a retention, Powertools settings from the environment.
 * Every trigger (event source, API integration, schedule, state-machine task, bus rule) invokes the
 * `live` alias, never $LATEST: a deploy publishes a version and CodeDeploy shifts the alias to it
 * (canary, rolled back on alarm: constructs/canary.ts).
 */
export class ServiceFunction extends NodejsFunction {
  /** The alias every trigger invokes; CodeDeploy moves it from version to version. */
  readonly live: Alias;
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    // Own role instead of AWSLambdaBasicExecutionRole: logs only to this function's log group.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      description: props.description,
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'scm-route-optimizer',
        POWERTOOLS_METRICS_NAMESPACE: 'ScmRouteOptimizer',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });
    this.live = new Alias(scope, `${id}Live`, { aliasName: LIVE_ALIAS, version: this.currentVersion });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by tracing: ACTIVE).',
    });
  }
}
