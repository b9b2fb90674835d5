import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ENDPOINTS } from '../../functions/api/endpoints';
import { TABLES } from '../../shared/adapters/dynamodb/tables';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { SHIPMENT_QUEUE_RULES } from '../../shared/domain/event-rules';
import { API_THROTTLE } from '../../shared/domain/throttle';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
beforeAll(() => {
  synth = synthApp();
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged violation and synth succeeds', () => {
    expect(synth.synthError).toBeUndefined();
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(
      nag?.violations.map(
        (v) => `${v.ruleName} ${v.violatingConstructs.map((c) => c.constructPath).join(',')}`,
      ),
    ).toEqual([]);
  });
  it('gives a written reason for every acknowledgment', () => {
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    for (const s of nag?.suppressedViolations ?? []) expect(s.reason.length).toBeGreaterThan(20);
  });
});

describe('stateful stack', () => {
  it('has every table on demand, with point-in-time recovery, encryption, retained', () => {
    synth.stateful.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
    synth.stateful.allResourcesProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    const tables = synth.stateful.findResources('AWS::DynamoDB::GlobalTable');
    for (const t of Object.values(tables)) expect(t.DeletionPolicy).toBe('Retain');
  });
  it('keeps the shipment table keys and indexes, and the idempotency TTL', () => {
    synth.stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'outbox' }),
        Match.objectLike({ IndexName: 'byStatus' }),
      ]),
    });
    synth.stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });
  it('has three priority queues, each with a DLQ after 5 receives, encrypted', () => {
    synth.stateful.resourceCountIs('AWS::SQS::Queue', SHIPMENT_QUEUES.length * 2);
    synth.stateful.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const queues = synth.stateful.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) },
    });
    expect(Object.keys(queues)).toHaveLength(3);
  });
  it('enforces SSL on every queue', () => {
    const policies = synth.stateful.findResources('AWS::SQS::QueuePolicy');
    const denies = Object.values(policies).filter((p) =>
      JSON.stringify(p).includes('"aws:SecureTransport":"false"'),
    );
    expect(denies.length).toBe(SHIPMENT_QUEUES.length * 2);
  });
  it('routes with exactly the shared rule patterns, one rule per priority queue', () => {
    const rules = synth.stateful.findResources('AWS::Events::Rule');
    const patterns = Object.values(rules).map((r) => r.Properties.EventPattern);
    for (const rule of SHIPMENT_QUEUE_RULES) expect(patterns).toContainEqual(rule.pattern);
    synth.stateful.resourceCountIs('AWS::Events::EventBus', 1);
  });
});

describe('service stack', () => {
  it('has one ARM64 Node 24 function per route, plus the outbox relay, with tracing', () => {
    const fns = synth.service.findResources('AWS::Lambda::Function');
    const list = Object.values(fns);
    expect(list.length).toBeGreaterThanOrEqual(API_ENDPOINTS.length + 1);
    for (const fn of list) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });
  it('requires an API key on every /v1 method and none on /health', () => {
    const methods = Object.values(synth.service.findResources('AWS::ApiGateway::Method')).filter(
      (m) => m.Properties.HttpMethod !== 'OPTIONS',
    );
    expect(methods).toHaveLength(API_ENDPOINTS.length);
    const withKey = methods.filter((m) => m.Properties.ApiKeyRequired === true);
    expect(withKey).toHaveLength(API_ENDPOINTS.filter((r) => r.apiKey).length);
  });
  it('has a usage plan with throttling bound to an API key, and JSON access logging', () => {
    // The same numbers the local gateway enforces.
    synth.service.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: API_THROTTLE.rateLimit, BurstLimit: API_THROTTLE.burstLimit },
    });
    synth.service.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    synth.service.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      }),
      TracingEnabled: true,
    });
  });
  it('gives the routes that may optimize an URGENT shipment in the call one full vCPU', () => {
    const memoryOf = (description: string) =>
      Object.values(synth.service.findResources('AWS::Lambda::Function')).find(
        (f) => f.Properties.Description === description,
      )?.Properties.MemorySize;
    expect(memoryOf('POST /v1/shipments')).toBe(1769);
    expect(memoryOf('PUT /v1/shipments/{shipmentId}')).toBe(1769);
    expect(memoryOf('GET /v1/shipments/{shipmentId}')).toBe(512);
  });
  it("answers API Gateway's own errors as problem+json with the contract's status codes", () => {
    const responses = Object.values(synth.service.findResources('AWS::ApiGateway::GatewayResponse')).map(
      (r) => r.Properties,
    );
    const byType = new Map(responses.map((r) => [r.ResponseType, r]));
    for (const [type, status] of [
      ['THROTTLED', '429'],
      ['QUOTA_EXCEEDED', '429'],
      ['INVALID_API_KEY', '403'],
      ['REQUEST_TOO_LARGE', '413'],
      ['UNSUPPORTED_MEDIA_TYPE', '415'],
      ['MISSING_AUTHENTICATION_TOKEN', '404'],
      ['DEFAULT_4XX', undefined],
      ['DEFAULT_5XX', undefined],
    ] as const) {
      const response = byType.get(type);
      expect(response, type).toBeDefined();
      expect(response.StatusCode).toBe(status);
      expect(response.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        'gatewayresponse.header.X-Correlation-Id': 'context.requestId',
      });
      const template = response.ResponseTemplates['application/json'] as string;
      // Valid JSON once API Gateway substitutes its variables ($context.error.messageString is quoted).
      const filled = template
        .replace('$context.error.messageString', '"Too Many Requests"')
        .replace('$context.requestId', 'r-1')
        .replace('$context.path', '/prod/v1/shipments');
      // The shape of the functions' problems: typed, with instance and correlationId.
      expect(JSON.parse(filled)).toMatchObject({
        type: expect.stringMatching(/^https:\/\/docs\.scm-route-optimizer\.dev\/problems\/[a-z-]+$/),
        detail: 'Too Many Requests',
        instance: '/prod/v1/shipments',
        correlationId: 'r-1',
      });
      if (status) expect(JSON.parse(filled).status).toBe(Number(status));
    }
  });
  it('grants read-only routes no write action and no wildcard index access', () => {
    const policies = Object.values(synth.service.findResources('AWS::IAM::Policy'));
    const text = JSON.stringify(policies);
    expect(text).not.toContain('index/*');
    expect(text).not.toContain('dynamodb:Scan');
    const getPolicy = policies.find((p) => JSON.stringify(p.Properties.Roles).includes('GetShipmentRole'));
    expect(JSON.stringify(getPolicy)).not.toMatch(/PutItem|UpdateItem|DeleteItem|PutEvents/);
  });
  it('runs the outbox relay every minute', () => {
    synth.service.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });
});
