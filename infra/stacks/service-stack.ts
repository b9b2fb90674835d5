import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ILambdaDeploymentConfig, LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { API_ENDPOINTS } from '../../functions/api/endpoints';
import {
  BATCHING_TABLE,
  CALLBACKS_TABLE,
  IDEMPOTENCY_TABLE,
  SHIPMENTS_TABLE,
} from '../../shared/adapters/dynamodb/tables';
import { BATCH_JOB_QUEUES, SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import type { CallbackRollout } from '../build-app';
import { grantTable } from '../constructs/access';
import { Batching } from '../constructs/batching';
import { CALLBACK_DLQ_NAME, CallbackDelivery } from '../constructs/callbacks';
import { CanaryDeployments } from '../constructs/canary';
import { DispatchCutoff } from '../constructs/dispatch-cutoff';
import { ServiceFunction } from '../constructs/function';
import { Monitoring } from '../constructs/monitoring';
import { Reconciliation } from '../constructs/reconciliation';
import {
  matrixFallbackAlarm,
  type RoutingMatrixConfig,
  routingMatrixFromContext,
  useRoutingMatrix,
} from '../constructs/routing-matrix';
import { ShipmentApi } from '../constructs/shipment-api';
import type { StatefulStack } from './stateful-stack';

export interface ServiceStackProps extends StackProps {
  stateful: StatefulStack;
  /** FLEET_CONFIG for the functions (inline JSON; contract §3). Absent: the default fleet. */
  fleetConfig?: string;
  maxConcurrentBatches?: number;
  batchBudgetSeconds?: number;
  /** The SCM's webhook URL (contract §4); required, from CDK context `scmCallbackUrl` (build-app.ts). */
  scmCallbackUrl: string;
  /** Base of the SCM listing (contract §5); default: the origin of scmCallbackUrl. */
  scmBaseUrl?: string;
  /**
   * Distances and durations for the functions that plan routes; CDK context `routingMatrix`
   * (`great-circle` | `osrm` | `amazon-location`, see constructs/routing-matrix.ts) by default.
   */
  routingMatrix?: RoutingMatrixConfig;
  /** How CodeDeploy shifts each function's live alias (context deploymentConfig; Canary10Percent5Minutes). */
  deploymentConfig?: ILambdaDeploymentConfig;
  /** Shadow or live callbacks, the shadow URL (contexts callbackMode, shadowCallbackUrl). Default: shadow. */
  callbackRollout?: CallbackRollout;
  /** Receives every alarm and OK by e-mail; CDK context `alarmEmail` by default. */
  alarmEmail?: string;
}

/** The stateless part: functions, API, schedules. Only assembles constructs. */
export class ServiceStack extends Stack {
  readonly api: ShipmentApi;
  readonly batching: Batching;
  readonly dispatchCutoff: DispatchCutoff;
  readonly callbacks: CallbackDelivery;
  readonly monitoring: Monitoring;
  readonly reconciliation: Reconciliation;
  readonly deployments: CanaryDeployments;
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { data, messaging } = props.stateful;
    const shipments = data.table(SHIPMENTS_TABLE);
    const idempotency = data.table(IDEMPOTENCY_TABLE);
    const batching = data.table(BATCHING_TABLE);
    const batchBudgetSeconds = props.batchBudgetSeconds ?? 30;
    const environment: Record<string, string> = {
      [SHIPMENTS_TABLE.envVar]: shipments.tableName,
      [IDEMPOTENCY_TABLE.envVar]: idempotency.tableName,
      [BATCHING_TABLE.envVar]: batching.tableName,
      EVENT_BUS_NAME: messaging.bus.eventBusName,
      BATCH_BUDGET_SECONDS: String(batchBudgetSeconds),
      MAX_CONCURRENT_BATCHES: String(props.maxConcurrentBatches ?? 4),
      ...(props.fleetConfig ? { FLEET_CONFIG: props.fleetConfig } : {}),
      ...Object.fromEntries(SHIPMENT_QUEUES.map((q) => [q.envVar, messaging.queues[q.tier].queueUrl])),
    };

    this.api = new ShipmentApi(this, 'ShipmentApi', {
      shipments,
      idempotency,
      batching,
      bus: messaging.bus,
      environment,
    });

    this.batching = new Batching(this, 'Batching', {
      tables: { shipments, idempotency, batching },
      bus: messaging.bus,
      queues: messaging.queues,
      environment,
      maxConcurrentBatches: props.maxConcurrentBatches ?? 4,
      batchBudgetSeconds,
    });

    // Contract §3a: plans freeze at their dispatch cutoff, with the final callbacks.
    this.dispatchCutoff = new DispatchCutoff(this, 'DispatchCutoff', {
      tables: { shipments, batching },
      bus: messaging.bus,
      environment,
    });

    // The functions that plan routes: batch optimizers, the URGENT API endpoints, the p0 consumer.
    const routingMatrix = props.routingMatrix ?? routingMatrixFromContext(this.node);
    const matrixAlarm = matrixFallbackAlarm(this, routingMatrix);
    useRoutingMatrix(
      [
        ...API_ENDPOINTS.filter((e) => e.plansRoutes).map((e) => this.api.functions[e.id]!),
        ...BATCH_JOB_QUEUES.map((def) => this.batching.functions[`${def.priority}Optimizer`]!),
        this.batching.functions.urgentConsumer!,
      ],
      routingMatrix,
    );

    this.callbacks = new CallbackDelivery(this, 'Callbacks', {
      bus: messaging.bus,
      shipments,
      callbacks: data.table(CALLBACKS_TABLE),
      environment,
      scmCallbackUrl: props.scmCallbackUrl,
      mode: props.callbackRollout?.mode ?? 'shadow',
      ...(props.callbackRollout?.shadowCallbackUrl
        ? { shadowCallbackUrl: props.callbackRollout.shadowCallbackUrl }
        : {}),
    });

    // Backstop of the transactional outbox: publishes events a writer could not publish itself.
    const relay = new ServiceFunction(this, 'OutboxRelay', {
      entry: 'functions/schedule/outbox-relay.ts',
      handler: 'handler',
      description: 'Publishes committed events left in the outbox',
      environment,
      timeout: Duration.seconds(60),
      reservedConcurrency: 1,
    });
    grantTable(relay, shipments, SHIPMENTS_TABLE, 'readwrite');
    messaging.bus.grantPutEventsTo(relay);
    new Rule(this, 'OutboxRelaySchedule', {
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(relay.live, { retryAttempts: 2 })],
    });

    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      tables: { shipments, batching, callbacks: data.table(CALLBACKS_TABLE) },
      bus: messaging.bus,
      deliveryStateMachine: this.callbacks.stateMachine,
      environment,
      scm: {
        baseUrl: props.scmBaseUrl ?? new URL(props.scmCallbackUrl).origin,
        webhookSecret: this.callbacks.webhookSecret,
      },
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      queues: [
        ...SHIPMENT_QUEUES.map((q) => ({
          name: q.id,
          queue: messaging.queues[q.tier],
          deadLetterQueue: messaging.deadLetterQueues[q.tier],
        })),
        ...BATCH_JOB_QUEUES.map((q) => ({
          name: q.id,
          queue: this.batching.jobQueues[q.tier as 'p1' | 'p2'],
          deadLetterQueue: this.batching.jobDeadLetterQueues[q.tier as 'p1' | 'p2'],
        })),
      ],
      deadLetterQueues: [{ name: CALLBACK_DLQ_NAME, queue: this.callbacks.deadLetterQueue }],
      deliveryStateMachine: this.callbacks.stateMachine,
      batchBudgetSeconds,
      existingAlarms: [...Object.values(this.callbacks.alarms), ...(matrixAlarm ? [matrixAlarm] : [])],
      alarmEmail: props.alarmEmail ?? this.node.tryGetContext('alarmEmail'),
    });

    // Canary deployments of every function, rolled back on its errors, on latency and on any DLQ
    // message (contract §5 alarms of the monitoring construct) while the deployment runs.
    const rollbackAlarms = [
      ...this.monitoring.facade
        .createdAlarms()
        .filter((a) =>
          /-DLQ-Queue-Message-Count|(OptimizationSTANDARD|OptimizationBULK|Realtime)P99/.test(a.alarmName),
        )
        .map((a) => a.alarm),
      this.callbacks.alarms.deadLetters,
    ];
    this.deployments = new CanaryDeployments(this, 'Deployments', {
      functions: this.node.findAll().filter((c): c is ServiceFunction => c instanceof ServiceFunction),
      rollbackAlarms,
      deploymentConfig: props.deploymentConfig ?? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarmAction: new SnsAction(this.monitoring.topic),
    });

    // What an operator needs after `cdk deploy` (printed by the CLI, and in the stack's Outputs tab).
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the shipment API (append v1/shipments)',
      value: this.api.api.url,
    });
    new CfnOutput(this, 'ApiKeyId', {
      description:
        'The SCM API key (x-api-key): aws apigateway get-api-key --include-value --query value --output text --api-key <this id>',
      value: this.api.apiKey.keyId,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        'Signing secret of the webhooks: aws secretsmanager get-secret-value --query SecretString --output text --secret-id <this ARN>; the SCM verifies with whsec_<value>',
      value: this.callbacks.webhookSecret.secretArn,
    });
    new CfnOutput(this, 'CallbackMode', {
      description:
        'shadow: no callback reaches the SCM; live: the LiveShareParameter share does (context callbackMode)',
      value: props.callbackRollout?.mode ?? 'shadow',
    });
    new CfnOutput(this, 'LiveShareParameter', {
      description:
        'Share of shipments whose callbacks go live (0…1): npm run rollout:set -- 0.1 --parameter <this name>',
      value: this.callbacks.liveShareParameter.parameterName,
    });
    new CfnOutput(this, 'CallbacksTable', {
      description: 'Callback records: npm run -s shadow:list -- --table <this name> lists the shadowed ones',
      value: data.table(CALLBACKS_TABLE).tableName,
    });
    new CfnOutput(this, 'ScmCallbackUrl', {
      description: 'Where the webhooks go (context scmCallbackUrl)',
      value: props.scmCallbackUrl,
    });
  }
}
