import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_TASKS } from '../../infra/constructs/callbacks-definition';
import { renderDeliveryDefinition } from '../../infra/constructs/callbacks-render';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
beforeAll(() => {
  synth = synthApp();
});

const definitionOf = () => {
  const machines = synth.service.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines);
  return machine?.Properties as Record<string, unknown>;
};

describe('callback delivery (infra/constructs/callbacks.ts)', () => {
  it('is one Standard state machine that logs ALL events with execution data, with X-Ray tracing', () => {
    synth.service.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    synth.service.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [Match.objectLike({ CloudWatchLogsLogGroup: Match.anyValue() })],
      }),
    });
    expect(definitionOf()).toBeDefined();
  });

  it('waits 30/60/120/300 s by the task’s answer (SecondsPath) and until the breaker reopens (TimestampPath)', () => {
    const { definition } = renderDeliveryDefinition();
    const states = definition.States as Record<string, Record<string, unknown>>;
    expect(states.WaitBeforeRetry).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.progress.waitSeconds',
      Next: 'Attempt',
    });
    expect(states.WaitForBreaker).toMatchObject({
      Type: 'Wait',
      TimestampPath: '$.progress.resumeAt',
      Next: 'Attempt',
    });
    expect(states.DeadLetter).toMatchObject({ Type: 'Task', Next: 'DeliveryFailed' });
    expect(states.DeliveryFailed).toMatchObject({ Type: 'Fail' });
    for (const task of Object.keys(DELIVERY_TASKS)) {
      expect(states[task]?.Resource).toMatch(/^arn:aws:lambda:eu-north-1:000000000000:function:Callbacks/);
    }
    // JSONPath only: the definition runs unchanged in aws-local-stepfunctions.
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('starts one execution per route.optimized, shipment.unassigned and route.updated event from the stateful bus, target DLQ the callback DLQ', () => {
    synth.service.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['scm.route-optimizer'],
        'detail-type': ['route.optimized', 'shipment.unassigned', 'route.updated'],
      },
      Targets: [
        Match.objectLike({
          Arn: Match.objectLike({ Ref: Match.stringLikeRegexp('DeliveryStateMachine') }),
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
          RoleArn: Match.anyValue(),
        }),
      ],
    });
  });

  it('has an encrypted, SSL-only, retained callback DLQ and alarms on it, on the circuit opening and on failed executions', () => {
    synth.service.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 }),
      DeletionPolicy: 'Retain',
    });
    synth.service.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
    synth.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    synth.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CircuitOpened',
      Namespace: 'ScmRouteOptimizer',
      Dimensions: [{ Name: 'service', Value: 'scm-route-optimizer' }],
      Threshold: 1,
    });
    synth.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
    });
  });

  it('gives the attempt function the signing secret and a 10 s attempt inside its 25 s timeout', () => {
    synth.service.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.attempt',
      Timeout: 25,
      Environment: {
        Variables: Match.objectLike({
          SCM_WEBHOOK_SECRET_ARN: Match.anyValue(),
          SCM_CALLBACK_URL: Match.anyValue(),
          CALLBACK_DLQ_URL: Match.anyValue(),
          CALLBACKS_TABLE: Match.anyValue(),
          CALLBACK_MODE: 'shadow',
        }),
      },
    });
  });

  it('grants least privilege: only the redrive function may start executions, only the dead-letter task may send to the DLQ', () => {
    const policies = synth.service.findResources('AWS::IAM::Policy');
    const statementsOf = (pattern: RegExp) =>
      Object.entries(policies)
        .filter(([id]) => pattern.test(id))
        .flatMap(
          ([, p]) =>
            (p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } })
              .PolicyDocument.Statement,
        )
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(statementsOf(/CallbacksRedriveFunction/)).toContain('states:StartExecution');
    expect(statementsOf(/CallbacksDeadLetterFunction/)).toContain('sqs:SendMessage');
    expect(statementsOf(/CallbacksAttemptFunction/)).not.toContain('sqs:SendMessage');
    expect(statementsOf(/CallbacksPrepareFunction/)).not.toContain('events:PutEvents');
    expect(statementsOf(/CallbacksAttemptFunction/)).toContain('secretsmanager:GetSecretValue');
    for (const action of Object.values(policies).flatMap((p) =>
      (
        p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }
      ).PolicyDocument.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    )) {
      expect(action).not.toBe('*');
      expect(action).not.toMatch(/^dynamodb:\*$|^sqs:\*$|^states:\*$/);
    }
  });

  it('is cdk-nag clean: no unacknowledged AwsSolutions finding under the callbacks construct', () => {
    expect(synth.synthError).toBeUndefined();
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    const mine = (nag?.violations ?? []).filter((v) =>
      v.violatingConstructs.some((c) => c.constructPath.includes('/Callbacks/')),
    );
    expect(mine.map((v) => v.ruleName)).toEqual([]);
    const acknowledged = (nag?.suppressedViolations ?? []).filter((s) => /SQS3|SMG4|IAM5/.test(s.ruleName));
    for (const s of acknowledged) expect(s.reason.length).toBeGreaterThan(20);
  });
});
