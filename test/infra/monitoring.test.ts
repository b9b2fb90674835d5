import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_QUEUES, SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { DAILY_FINDINGS, METRICS } from '../../shared/domain/operations/metric-names';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
type Resource = { Properties: Record<string, unknown> };
let alarms: [string, Resource][];
let topicRef: { Ref: string };

beforeAll(() => {
  synth = synthApp({
    alarmEmail: 'route-ops@example.com',
    routingMatrix: 'osrm',
    osrmUrl: 'https://osrm.example.net',
  });
  alarms = Object.entries(synth.service.findResources('AWS::CloudWatch::Alarm')) as [string, Resource][];
  const topics = Object.keys(synth.service.findResources('AWS::SNS::Topic'));
  expect(topics).toHaveLength(1);
  topicRef = { Ref: topics[0]! };
});

/** The one alarm whose logical id or name contains every fragment. */
function alarm(...fragments: string[]): Resource {
  const found = alarms.filter(([id, a]) =>
    fragments.every((f) => id.includes(f) || String(a.Properties.AlarmName ?? '').includes(f)),
  );
  expect(
    found.map(([id]) => id),
    `alarm ${fragments.join(' ')}`,
  ).toHaveLength(1);
  return found[0]![1];
}

function expectThreshold(a: Resource, threshold: number, comparison: string) {
  expect(a.Properties.Threshold).toBe(threshold);
  expect(a.Properties.ComparisonOperator).toBe(comparison);
}

describe('monitoring: the alarm topic', () => {
  it('is KMS-encrypted with a rotated key CloudWatch may use, and e-mails the alarmEmail context', () => {
    synth.service.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
    synth.service.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      }),
    });
    synth.service.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'route-ops@example.com',
      TopicArn: topicRef,
    });
  });
  it('has no e-mail subscription without the context value', () => {
    const plain = synthApp();
    plain.service.resourceCountIs('AWS::SNS::Subscription', 0);
    plain.service.resourceCountIs('AWS::SNS::Topic', 1);
  });
});

describe('monitoring: every alarm of contract §5', () => {
  it('alarms at depth >= 1,000 on each queue and on any message in its DLQ', () => {
    for (const q of [...SHIPMENT_QUEUES, ...BATCH_JOB_QUEUES]) {
      expectThreshold(alarm(`-${q.id}-Queue-Message-Count-Max`), 1000, 'GreaterThanOrEqualToThreshold');
      expectThreshold(alarm(`-${q.id}-DLQ-Queue-Message-Count-Max`), 0, 'GreaterThanThreshold');
    }
    expect(SHIPMENT_QUEUES.length + BATCH_JOB_QUEUES.length).toBe(5);
  });
  it('alarms on any message in CallbackDeadLetters, the circuit opening and failed delivery executions', () => {
    expectThreshold(alarm('CallbackDlqAlarm'), 1, 'GreaterThanOrEqualToThreshold');
    const circuit = alarm('CircuitOpenAlarm');
    expect(circuit.Properties.MetricName).toBe(METRICS.circuitOpened);
    expectThreshold(circuit, 1, 'GreaterThanOrEqualToThreshold');
    const failed = alarm('DeliveryFailedAlarm');
    expect(failed.Properties.MetricName).toBe('ExecutionsFailed');
    expectThreshold(failed, 1, 'GreaterThanOrEqualToThreshold');
  });
  it('alarms on any discrepancy the daily comparison with the SCM found, whichever finding (ScmDiscrepancies)', () => {
    const daily = alarm('ScmDiscrepancies');
    const metrics = JSON.stringify(daily.Properties.Metrics);
    expect(metrics).toContain(METRICS.scmDiscrepanciesFound);
    for (const finding of DAILY_FINDINGS) expect(metrics).toContain(`"Value":"${finding}"`);
    expect(metrics).toMatch(/FILL\(f0, 0\) \+ FILL\(f1, 0\) \+ FILL\(f2, 0\)/);
    expectThreshold(daily, 1, 'GreaterThanOrEqualToThreshold');
    expect(daily.Properties.TreatMissingData).toBe('notBreaching');
    expect(daily.Properties.AlarmActions).toEqual([topicRef]);
    expect(daily.Properties.OKActions).toEqual([topicRef]);
  });
  it('alarms on any shipment given up as unplannable (ShipmentsUnassigned)', () => {
    const given = alarm('ShipmentsUnassigned');
    expect(JSON.stringify(given.Properties.Metrics ?? given.Properties.MetricName)).toContain(
      METRICS.shipmentsUnassigned,
    );
    expectThreshold(given, 1, 'GreaterThanOrEqualToThreshold');
    expect(given.Properties.TreatMissingData).toBe('notBreaching');
  });
  it('alarms when stuck shipments are found, on optimization p99 over the budget and real-time p99 over 10 s', () => {
    const metricOf = (a: Resource) => JSON.stringify(a.Properties.Metrics ?? a.Properties.MetricName);
    const stuck = alarm('StuckShipments');
    expect(metricOf(stuck)).toContain(METRICS.stuckShipmentsFound);
    expectThreshold(stuck, 1, 'GreaterThanOrEqualToThreshold');
    for (const priority of ['STANDARD', 'BULK']) {
      const p99 = alarm(`Optimization${priority}P99`);
      expect(metricOf(p99)).toContain(METRICS.optimizationSeconds);
      expect(metricOf(p99)).toContain('"Stat":"p99"');
      expect(metricOf(p99)).toContain(`"Value":"${priority}"`);
      expectThreshold(p99, 30, 'GreaterThanThreshold'); // BATCH_BUDGET_SECONDS default
    }
    const realtime = alarm('RealtimeP99');
    expect(metricOf(realtime)).toContain(METRICS.realtimeSeconds);
    expect(metricOf(realtime)).toContain('"Stat":"p99"');
    expectThreshold(realtime, 10, 'GreaterThanThreshold');
  });
  it('sends every alarm, the four that predate monitoring included, to the topic on ALARM and on OK', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(5 * 2 + 3 + 4 + 1);
    for (const [id, a] of alarms) {
      expect(a.Properties.AlarmActions, id).toEqual([topicRef]);
      expect(a.Properties.OKActions, id).toEqual([topicRef]);
      expect(a.Properties.ActionsEnabled ?? true, id).toBe(true);
    }
    expect(alarms.some(([id]) => id.startsWith('MatrixFallbackAlarm'))).toBe(true);
  });
});

describe('monitoring: the dashboard', () => {
  it('is one dashboard with every §5 figure and the status of every alarm', () => {
    const dashboards = Object.values(synth.service.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const name of Object.values(METRICS)) {
      if (name === METRICS.circuitState) continue; // a gauge for the ops page; CircuitOpened is graphed
      expect(body, name).toContain(name);
    }
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(body).toContain('ExecutionsFailed');
    expect(body).toContain('"type\\":\\"alarm\\"');
  });
});

describe('monitoring: cdk-nag', () => {
  it('is clean with the e-mail subscription and the road-network alarm in place', () => {
    expect(synth.synthError).toBeUndefined();
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
  });
});
