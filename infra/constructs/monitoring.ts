import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  type IAlarm,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import {
  type CustomMetricGroup,
  DefaultDashboardFactory,
  MonitoringFacade,
  notifySns,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import {
  DAILY_FINDINGS,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  QUEUE_DEPTH_ALARM,
  REALTIME_P99_ALARM_SECONDS,
} from '../../shared/domain/operations/metric-names';

export interface MonitoredQueue {
  /** Name on the dashboard and in the alarm name, e.g. `UrgentShipments`. */
  name: string;
  queue: IQueue;
  deadLetterQueue: IQueue;
}

export interface MonitoringProps {
  /** Every work queue with its DLQ: depth >= 1,000 and any DLQ message alarm (contract §5). */
  queues: MonitoredQueue[];
  /** DLQs that belong to no work queue here (CallbackDeadLetters): graphed; their alarm is in `existingAlarms`. */
  deadLetterQueues: { name: string; queue: IQueue }[];
  /** The callback delivery state machine: graphed; its failed-executions alarm is in `existingAlarms`. */
  deliveryStateMachine: IStateMachine;
  /** Optimization p99 above this many seconds alarms, per priority (the batch budget). */
  batchBudgetSeconds: number;
  /** Alarms made elsewhere (circuit open, matrix fallback, …): they notify the same topic. */
  existingAlarms: Alarm[];
  /** E-mail that receives every alarm and OK (CDK context `alarmEmail`); none: topic only. */
  alarmEmail?: string;
  /** Dashboard and alarm name prefix. */
  name?: string;
}

const PRIORITIES = ['STANDARD', 'BULK'] as const;

/**
 * Monitoring (contract §5): one SNS topic that every alarm notifies on ALARM and on OK, one
 * dashboard, and an alarm for each line of §5 — built with cdk-monitoring-constructs (ADR 0006).
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly facade: MonitoringFacade;
  /** The alarms this construct created, by purpose (tests and other constructs read them). */
  readonly alarms: IAlarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const name = props.name ?? 'ScmRouteOptimizer';

    // CloudWatch alarms publish to an encrypted topic only with a customer key they may use.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the operations alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `${name} operations alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: name,
      createDashboard: true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
      detailDashboardRange: Duration.hours(8),
    });
    this.facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: name,
        actionsEnabled: true,
        action: notifySns(this.topic, this.topic),
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
      },
      metricFactoryDefaults: { namespace: METRIC_NAMESPACE },
      dashboardFactory: dashboards,
    });

    this.facade.addLargeHeader(`${name}: operations`).addWidget(
      new TextWidget({
        markdown: [
          'Contract §5. Every alarm below notifies the operations SNS topic, on ALARM and on OK.',
          'Queues: depth ≥ 1,000 or any DLQ message → see README (dlq:redrive).',
          'Circuit open → the SCM is failing; callbacks wait, nothing is lost.',
          'Stuck shipments → the hourly reconciliation found and remediated them (`npm run reconcile`).',
        ].join('\n\n'),
        width: 24,
        height: 3,
      }),
    );

    for (const q of props.queues) {
      this.facade.monitorSqsQueueWithDlq({
        queue: q.queue,
        deadLetterQueue: q.deadLetterQueue,
        humanReadableName: q.name,
        alarmFriendlyName: q.name,
        addQueueMaxSizeAlarm: {
          Critical: {
            maxMessageCount: QUEUE_DEPTH_ALARM,
            comparisonOperatorOverride: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          },
        },
        addDeadLetterQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0 } },
      });
    }
    // CallbackDeadLetters and failed deliveries already alarm (constructs/callbacks.ts): graphs only.
    for (const dlq of props.deadLetterQueues) {
      this.facade.monitorSqsQueue({
        queue: dlq.queue,
        humanReadableName: dlq.name,
        alarmFriendlyName: dlq.name,
      });
    }
    this.facade.monitorStepFunction({
      stateMachine: props.deliveryStateMachine,
      humanReadableName: 'Callback delivery',
      alarmFriendlyName: 'CallbackDelivery',
    });

    const metric = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { service: METRIC_SERVICE, ...extra },
        statistic,
        period: Duration.minutes(5),
      });
    const above = (threshold: number) => ({
      Critical: { threshold, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
    });
    const atLeastOne = {
      Critical: {
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
      },
    };
    const groups: CustomMetricGroup[] = [
      {
        title: 'Optimization latency (batch job received → routes saved), seconds',
        metrics: PRIORITIES.flatMap((priority) => [
          metric(METRICS.optimizationSeconds, 'p50', { priority }).with({ label: `${priority} p50` }),
          metric(METRICS.optimizationSeconds, 'p95', { priority }).with({ label: `${priority} p95` }),
          {
            metric: metric(METRICS.optimizationSeconds, 'p99', { priority }).with({
              label: `${priority} p99`,
            }),
            alarmFriendlyName: `Optimization${priority}P99`,
            addAlarm: above(props.batchBudgetSeconds),
          },
        ]),
      },
      {
        title: 'Real-time insertion (URGENT), seconds',
        metrics: [
          metric(METRICS.realtimeSeconds, 'p50').with({ label: 'p50' }),
          metric(METRICS.realtimeSeconds, 'p95').with({ label: 'p95' }),
          {
            metric: metric(METRICS.realtimeSeconds, 'p99').with({ label: 'p99' }),
            alarmFriendlyName: 'RealtimeP99',
            addAlarm: above(REALTIME_P99_ALARM_SECONDS),
          },
        ],
      },
      {
        title: 'Callbacks to the SCM',
        metrics: [
          metric(METRICS.callbackDelivered, 'Sum').with({ label: 'delivered' }),
          metric(METRICS.callbackFailed, 'Sum').with({ label: 'failed' }),
          metric(METRICS.circuitOpened, 'Sum').with({ label: 'circuit opened' }),
        ],
      },
      {
        title: 'Consistency',
        metrics: [
          metric(METRICS.versionConflicts, 'Sum').with({ label: 'version conflicts' }),
          {
            metric: metric(METRICS.stuckShipmentsFound, 'Sum').with({ label: 'stuck shipments found' }),
            alarmFriendlyName: 'StuckShipments',
            addAlarm: atLeastOne,
          },
          {
            // The daily comparison with the SCM: every finding (re-sent or flagged) is worth a look.
            metric: new MathExpression({
              expression: DAILY_FINDINGS.map((_, i) => `FILL(f${i}, 0)`).join(' + '),
              usingMetrics: Object.fromEntries(
                DAILY_FINDINGS.map((finding, i) => [
                  `f${i}`,
                  metric(METRICS.scmDiscrepanciesFound, 'Sum', { finding }),
                ]),
              ),
              label: 'SCM discrepancies found (daily)',
              period: Duration.minutes(5),
            }),
            alarmFriendlyName: 'ScmDiscrepancies',
            addAlarm: atLeastOne,
          },
          {
            metric: metric(METRICS.shipmentsUnassigned, 'Sum').with({
              label: 'shipments given up (unassigned)',
            }),
            alarmFriendlyName: 'ShipmentsUnassigned',
            addAlarm: atLeastOne,
          },
        ],
      },
      {
        title: 'End to end (RECEIVED → ROUTE_APPLIED), seconds',
        metrics: ['p50', 'p95', 'p99'].map((s) => metric(METRICS.endToEndSeconds, s).with({ label: s })),
      },
    ];
    this.facade.monitorCustom({
      humanReadableName: 'Service metrics',
      alarmFriendlyName: 'Service',
      metricGroups: groups,
    });

    // Alarms made by other constructs: same topic, ALARM and OK, shown with the others.
    const action = new SnsAction(this.topic);
    for (const alarm of props.existingAlarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    const created = this.facade.createdAlarms().map((a) => a.alarm);
    this.alarms.push(...created, ...props.existingAlarms);
    this.facade.addWidget(
      new AlarmStatusWidget({ title: 'Every alarm', alarms: this.alarms, width: 24, height: 6 }),
    );
  }
}
