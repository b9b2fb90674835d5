import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
beforeAll(() => {
  synth = synthApp();
});

const fnByHandler = (handler: string, entryHint?: string) => {
  const fns = synth.service.findResources('AWS::Lambda::Function', {
    Properties: { Handler: `index.${handler}` },
  });
  return Object.entries(fns).filter(([id]) => !entryHint || id.includes(entryHint));
};

describe('batching infrastructure', () => {
  it('has the batching table with its due-window and batches-by-region indexes', () => {
    synth.stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'due' }),
        Match.objectLike({ IndexName: 'batchesByRegion' }),
      ]),
    });
  });

  it('consumes p0, p1 and p2 with partial batch responses', () => {
    const mappings = Object.values(synth.service.findResources('AWS::Lambda::EventSourceMapping'));
    const withFailures = mappings.filter(
      (m) => JSON.stringify(m.Properties.FunctionResponseTypes) === '["ReportBatchItemFailures"]',
    );
    expect(withFailures.length).toBe(mappings.length);
    // p0, p1, p2 and the two optimizer job queues.
    expect(mappings.length).toBe(5);
  });

  it('limits batch optimizations to 4 at once per priority, one window per invocation', () => {
    synth.service.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 4 } },
      2,
    );
  });

  it('gives the optimizer time for the 30 s budget and the job queues a visibility of six timeouts, with DLQs', () => {
    const optimizers = fnByHandler('handler', 'Optimizer');
    expect(optimizers).toHaveLength(2);
    for (const [, fn] of optimizers) expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(60);
    const jobQueues = synth.service.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) },
    });
    expect(Object.keys(jobQueues)).toHaveLength(2);
    for (const q of Object.values(jobQueues))
      expect(q.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(540);
    synth.service.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('closes windows with an EventBridge Scheduler tick every minute', () => {
    synth.service.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() }),
    });
  });

  it('lets only what publishes events put them on the bus (least privilege)', () => {
    const policies = synth.service.findResources('AWS::IAM::Policy');
    const policyOf = (rolePart: string) =>
      JSON.stringify(
        Object.values(policies).filter((p) => JSON.stringify(p.Properties.Roles).includes(rolePart)),
      );
    expect(policyOf('BatchingWindowConsumerRole')).not.toContain('events:PutEvents');
    expect(policyOf('BatchingWindowTickRole')).not.toContain('events:PutEvents');
    expect(policyOf('BatchingUrgentConsumerRole')).toContain('events:PutEvents');
    expect(policyOf('BatchingBatchJobsStandardOptimizerRole')).toContain('events:PutEvents');
    expect(policyOf('BatchingWindowConsumerRole')).toContain('sqs:SendMessage');
  });
});
