import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnAlias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CALLBACKS_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { DLQ_RETENTION_DAYS } from '../../shared/adapters/sqs/queues';
import { CALLBACK_DELIVERY_RULE } from '../../shared/domain/callbacks/rules';
import { grantTable } from './access';
import { type DeliveryAlarms, deliveryAlarms } from './callbacks-alarms';
import { type DeliveryTaskHandler, deliveryDefinition } from './callbacks-definition';
import { ServiceFunction } from './function';
import { toCdkPattern } from './messaging';

export interface CallbackDeliveryProps {
  bus: IEventBus;
  shipments: TableV2;
  callbacks: TableV2;
  /** Common function environment (tables, bus, queues). */
  environment: Record<string, string>;
  /** The integration's callback URL. */
  scmCallbackUrl: string;
  /** `{current, previous}` or one `whsec_…` value; a generated one when absent. */
  webhookSecret?: ISecret;
  /** `shadow` (default): no callback reaches the SCM; `live`: the live share (SSM parameter) decides. */
  mode?: 'live' | 'shadow';
  /** Shadowed callbacks are also sent here, signed. */
  shadowCallbackUrl?: string;
  breakerOpenSeconds?: number;
  /** Metric namespace of the CircuitOpened alarm (Powertools namespace of the functions). */
  metricNamespace?: string;
}

export { DELIVERY_TASKS, type DeliveryTaskHandler } from './callbacks-definition';

export const CALLBACK_DLQ_NAME = 'CallbackDeadLetters';
/** The SSM parameter holding the live share of the gradual rollout, one per stack. */
export const liveShareParameterName = (stackName: string) => `/${stackName}/callbacks/live-share`;

/**
 * Callback delivery to the SCM (contract §4): one Standard state-machine execution per
 * route.optimized event. Prepare → Attempt → (Wait → Attempt)* → Delivered | DeadLetter. The retry
 * schedule, Retry-After and the circuit breaker are decided by the Attempt task and carried out by
 * two Wait states (SecondsPath for retries, TimestampPath while the breaker is open), so waiting
 * costs no compute and the schedule shows in the execution history.
 */
export class CallbackDelivery extends Construct {
  readonly stateMachine: StateMachine;
  readonly deadLetterQueue: Queue;
  readonly functions: Record<DeliveryTaskHandler | 'redrive', ServiceFunction>;
  readonly alarms: DeliveryAlarms;
  readonly webhookSecret: ISecret;
  /** The share of shipments delivered live (0…1), read by the prepare task through Powertools Parameters. */
  readonly liveShareParameter: StringParameter;

  constructor(scope: Construct, id: string, props: CallbackDeliveryProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, CALLBACK_DLQ_NAME, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of callback deliveries (and of the bus rule target).',
    });

    this.webhookSecret =
      props.webhookSecret ??
      new Secret(this, 'WebhookSecret', {
        description:
          'Standard Webhooks signing secret(s) for SCM callbacks: whsec_… or {"current":…,"previous":…}',
        generateSecretString: { excludePunctuation: true, passwordLength: 48 },
      });
    if (!props.webhookSecret) {
      Validations.of(this.webhookSecret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'The signing secret is shared with the SCM: it is rotated by the runbook with a two-secret overlap ({current, previous}), not by a rotation Lambda.',
      });
    }

    const environment = {
      ...props.environment,
      [CALLBACKS_TABLE.envVar]: props.callbacks.tableName,
      SCM_CALLBACK_URL: props.scmCallbackUrl,
      SCM_WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
      CALLBACK_MODE: props.mode ?? 'shadow',
      CALLBACK_DLQ_URL: this.deadLetterQueue.queueUrl,
      BREAKER_OPEN_SECONDS: String(props.breakerOpenSeconds ?? 60),
      ...(props.shadowCallbackUrl ? { SHADOW_CALLBACK_URL: props.shadowCallbackUrl } : {}),
    };
    // Created at 0 and never rewritten by a deploy (its properties stay constant: CloudFormation
    // only writes the value on creation); operators move it with `npm run rollout:set`.
    this.liveShareParameter = new StringParameter(this, 'LiveShare', {
      parameterName: liveShareParameterName(Stack.of(this).stackName),
      stringValue: '0',
      description:
        'Gradual rollout: share (0..1) of shipments whose callbacks go to the SCM when CALLBACK_MODE is live; the others are shadowed',
    });
    const task = (
      name: DeliveryTaskHandler,
      description: string,
      timeoutSeconds: number,
      extra: Record<string, string> = {},
    ) => {
      const fn = new ServiceFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}Function`, {
        entry: 'functions/workflow/callbacks.ts',
        handler: name,
        description,
        environment: { ...environment, ...extra },
        timeout: Duration.seconds(timeoutSeconds),
      });
      grantTable(fn, props.shipments, SHIPMENTS_TABLE, 'readwrite');
      grantTable(fn, props.callbacks, CALLBACKS_TABLE, 'readwrite');
      return fn;
    };
    // Only the prepare task decides a callback's path (live or shadow): it alone reads the share.
    const prepare = task('prepare', 'Creates the callback and moves the shipment to CALLBACK_PENDING', 20, {
      LIVE_SHARE_PARAMETER: this.liveShareParameter.parameterName,
      LIVE_SHARE_MAX_AGE_SECONDS: '60',
    });
    prepare.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [this.liveShareParameter.parameterArn],
      }),
    );
    const attempt = task('attempt', 'One signed webhook attempt to the SCM, behind the circuit breaker', 25);
    const deadLetter = task(
      'deadLetter',
      'Dead-letters a failed callback: DLQ, CALLBACK_FAILED, callback.failed',
      20,
    );
    this.webhookSecret.grantRead(attempt);
    props.bus.grantPutEventsTo(attempt);
    props.bus.grantPutEventsTo(deadLetter);
    this.deadLetterQueue.grantSendMessages(deadLetter);

    this.stateMachine = new StateMachine(this, 'DeliveryStateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        deliveryDefinition(this, { prepare, attempt, deadLetter }),
      ),
      timeout: Duration.days(2),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'DeliveryLogs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
      comment:
        'One callback to the SCM: signed webhook, 5 attempts at 0/+30/+60/+120/+300 s, circuit breaker, DLQ',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery …) and X-Ray (PutTraceSegments) support no resource-level permissions.',
    });
    for (const fn of [prepare, attempt, deadLetter]) {
      const logicalId = Stack.of(this).resolve(
        Stack.of(this).getLogicalId(fn.live.node.defaultChild as CfnAlias),
      );
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}>:*]`,
        reason: 'Granted by LambdaInvoke: the live alias of this task function with `:*`, nothing wider.',
      });
    }

    new Rule(this, 'RouteOptimizedRule', {
      eventBus: props.bus,
      description:
        'Starts one callback delivery per route.optimized, shipment.unassigned and route.updated event',
      eventPattern: toCdkPattern(CALLBACK_DELIVERY_RULE.pattern),
      targets: [
        new SfnStateMachine(this.stateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    const redrive = new ServiceFunction(this, 'RedriveFunction', {
      entry: 'functions/ops/redrive.ts',
      handler: 'handler',
      description: 'Operations: restarts the deliveries in the callback DLQ with their webhook-ids',
      environment: {
        CALLBACK_DLQ_URL: this.deadLetterQueue.queueUrl,
        CALLBACK_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
      },
      timeout: Duration.minutes(5),
      reservedConcurrency: 1,
    });
    this.deadLetterQueue.grantConsumeMessages(redrive);
    this.stateMachine.grantStartExecution(redrive);
    this.functions = { prepare, attempt, deadLetter, redrive };

    this.alarms = deliveryAlarms(this, {
      deadLetterQueue: this.deadLetterQueue,
      stateMachine: this.stateMachine,
      namespace: props.metricNamespace ?? 'ScmRouteOptimizer',
    });
  }
}
