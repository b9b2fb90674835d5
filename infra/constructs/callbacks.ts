import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnAlias, CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CALLBACKS_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { DLQ_RETENTION_DAYS } from '../../shared/adapters/sqs/queues';
import { CALLBACK_DELIVERY_RULE } from '../../shared/domain/callbacks/rules';
import { grantTable } from './access';
import { toCdkPattern } from './event-routing';
import { ServiceFunction } from './function';

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

/** Task state name → handler export of functions/workflow/callbacks.ts. */
export const DELIVERY_TASKS = { Prepare: 'prepare', Attempt: 'attempt', DeadLetter: 'deadLetter' } as const;
export type DeliveryTaskHandler = (typeof DELIVERY_TASKS)[keyof typeof DELIVERY_TASKS];

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
  readonly alarms: { deadLetters: Alarm; circuitOpen: Alarm; executionsFailed: Alarm };
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

    const namespace = props.metricNamespace ?? 'ScmRouteOptimizer';
    this.alarms = {
      deadLetters: new Alarm(this, 'CallbackDlqAlarm', {
        alarmDescription:
          'A callback is in the callback DLQ: the SCM did not take it (redrive with dlq:redrive).',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      circuitOpen: new Alarm(this, 'CircuitOpenAlarm', {
        alarmDescription: 'The circuit breaker of the SCM callback endpoint opened: the SCM is failing.',
        metric: new Metric({
          namespace,
          metricName: 'CircuitOpened',
          dimensionsMap: { service: 'scm-route-optimizer' },
          statistic: 'Sum',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      executionsFailed: new Alarm(this, 'DeliveryFailedAlarm', {
        alarmDescription: 'A callback delivery execution failed (dead-lettered or a task error).',
        metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    };
  }
}

/** The delivery workflow. JSONPath only, so the same definition runs in aws-local-stepfunctions. */
function deliveryDefinition(
  scope: Construct,
  fns: { prepare: ServiceFunction; attempt: ServiceFunction; deadLetter: ServiceFunction },
) {
  const transient = {
    errors: ['DependencyError', 'ConcurrencyConflictError', 'States.Timeout'],
    interval: Duration.seconds(2),
    maxAttempts: 4,
    backoffRate: 2,
  };
  const prepare = new LambdaInvoke(scope, 'Prepare', {
    lambdaFunction: fns.prepare.live,
    payload: TaskInput.fromObject({ event: JsonPath.entirePayload, executionId: JsonPath.executionId }),
    payloadResponseOnly: true,
    resultPath: '$.delivery',
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);
  const attempt = new LambdaInvoke(scope, 'Attempt', {
    lambdaFunction: fns.attempt.live,
    payload: TaskInput.fromObject({
      webhookId: JsonPath.stringAt('$.delivery.webhookId'),
      endpoint: JsonPath.stringAt('$.delivery.endpoint'),
      attempts: JsonPath.numberAt('$.progress.attempts'),
    }),
    payloadResponseOnly: true,
    resultPath: '$.progress',
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);
  const deadLetter = new LambdaInvoke(scope, 'DeadLetter', {
    lambdaFunction: fns.deadLetter.live,
    payload: TaskInput.fromObject({
      webhookId: JsonPath.stringAt('$.delivery.webhookId'),
      reason: JsonPath.stringAt('$.progress.reason'),
    }),
    payloadResponseOnly: true,
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);

  const waitBeforeRetry = new Wait(scope, 'WaitBeforeRetry', {
    time: WaitTime.secondsPath('$.progress.waitSeconds'),
  });
  const waitForBreaker = new Wait(scope, 'WaitForBreaker', {
    time: WaitTime.timestampPath('$.progress.resumeAt'),
  });
  waitBeforeRetry.next(attempt);
  waitForBreaker.next(attempt);

  const next = new Choice(scope, 'AfterAttempt')
    .when(Condition.stringEquals('$.progress.outcome', 'delivered'), new Succeed(scope, 'Delivered'))
    .when(Condition.stringEquals('$.progress.outcome', 'retry'), waitBeforeRetry)
    .when(Condition.stringEquals('$.progress.outcome', 'held'), waitForBreaker)
    .otherwise(
      deadLetter.next(
        new Fail(scope, 'DeliveryFailed', {
          error: 'CallbackFailed',
          cause: 'The callback is in the callback DLQ',
        }),
      ),
    );
  attempt.next(next);

  return prepare.next(
    new Choice(scope, 'ShouldDeliver')
      .when(Condition.booleanEquals('$.delivery.skip', true), new Succeed(scope, 'Skipped'))
      .otherwise(
        new Pass(scope, 'StartAttempts', {
          result: Result.fromObject({ attempts: 0 }),
          resultPath: '$.progress',
        }).next(attempt),
      ),
  );
}

export interface RenderedDefinition {
  /** The Amazon States Language document, Lambda ARNs resolved. */
  definition: Record<string, unknown>;
  /** Task state name → handler export of functions/workflow/callbacks.ts. */
  tasks: Record<string, DeliveryTaskHandler>;
}

/**
 * Synthesizes the callbacks construct alone, in memory (no bundling), and returns the state-machine
 * definition exactly as deployed, with function ARNs resolved: the local runtime and the tests run
 * this with aws-local-stepfunctions.
 */
export function renderDeliveryDefinition(
  options: { region?: string; account?: string } = {},
): RenderedDefinition {
  const region = options.region ?? 'eu-north-1';
  const account = options.account ?? '000000000000';
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CallbackDefinition', { env: { region, account } });
  const table = (id: string) =>
    new TableV2(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const delivery = new CallbackDelivery(stack, 'Callbacks', {
    bus: new EventBus(stack, 'Bus'),
    shipments: table('ShipmentsTable'),
    callbacks: table('CallbacksTable'),
    environment: {},
    scmCallbackUrl: 'https://scm.invalid/callbacks',
  });
  const arnOf = new Map<string, string>();
  for (const fn of Object.values(delivery.functions)) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    arnOf.set(logicalId, `arn:aws:lambda:${region}:${account}:function:${logicalId}`);
    // The tasks invoke the `live` alias (Ref of an AWS::Lambda::Alias is its ARN).
    arnOf.set(
      stack.getLogicalId(fn.live.node.defaultChild as CfnAlias),
      `arn:aws:lambda:${region}:${account}:function:${logicalId}:${fn.live.aliasName}`,
    );
  }
  const cfn = delivery.stateMachine.node.defaultChild as { definitionString?: string };
  const resolved = stack.resolve(cfn.definitionString) as unknown;
  const text = flatten(
    resolved,
    (ref) => {
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return account;
      const arn = arnOf.get(ref);
      if (arn) return arn;
      throw new Error(`unresolvable reference ${ref} in the delivery definition`);
    },
    (logicalId) => {
      const arn = arnOf.get(logicalId);
      if (!arn) throw new Error(`unknown resource ${logicalId} in the delivery definition`);
      return arn;
    },
  );
  return { definition: JSON.parse(text) as Record<string, unknown>, tasks: { ...DELIVERY_TASKS } };
}

function flatten(
  value: unknown,
  ref: (name: string) => string,
  getArn: (logicalId: string) => string,
): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => flatten(p, ref, getArn)).join(sep);
    }
    if ('Ref' in obj) return ref(String(obj.Ref));
    if ('Fn::GetAtt' in obj) {
      const [logicalId, attr] = obj['Fn::GetAtt'] as [string, string];
      if (attr !== 'Arn') throw new Error(`unsupported attribute ${attr}`);
      return getArn(logicalId);
    }
  }
  throw new Error(`unsupported token in the delivery definition: ${JSON.stringify(value)}`);
}
