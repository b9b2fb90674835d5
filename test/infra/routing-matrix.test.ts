import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp } from './app';

/** The functions that plan routes, by logical-id fragment. */
const PLANNERS = [
  'ShipmentApiCreateShipment',
  'ShipmentApiReplaceShipment',
  'BatchingBatchJobsStandardOptimizer',
  'BatchingBatchJobsBulkOptimizer',
  'BatchingUrgentConsumer',
];
const isPlanner = (logicalId: string) => PLANNERS.some((p) => logicalId.startsWith(p));

/** Logical ids of the roles whose policies grant `action`, and the statements. */
function grants(template: Template, action: string) {
  const statements: { roles: string[]; statement: Record<string, unknown> }[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    for (const statement of policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]) {
      const actions = ([] as string[]).concat(statement.Action as string | string[]);
      if (actions.some((a) => a === action || a.startsWith('geo'))) statements.push({ roles, statement });
    }
  }
  return statements;
}

function environments(template: Template) {
  return Object.entries(template.findResources('AWS::Lambda::Function')).map(([id, fn]) => ({
    id,
    variables: (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
  }));
}

describe('routing matrix: great-circle by default', () => {
  let synth: ReturnType<typeof synthApp>;
  beforeAll(() => {
    synth = synthApp();
  });

  it('has no matrix-fallback alarm: there is no provider to fall back from', () => {
    synth.service.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'MatrixFallbacks' }, 0);
  });

  it('grants no geo permission and sets no provider', () => {
    expect(grants(synth.service, 'geo-routes:CalculateRouteMatrix')).toEqual([]);
    expect(JSON.stringify(synth.service.toJSON())).not.toContain('geo-routes');
    for (const { variables } of environments(synth.service)) expect(variables.ROUTING_MATRIX).toBeUndefined();
  });
});

describe('routing matrix: amazon-location', () => {
  let synth: ReturnType<typeof synthApp>;
  beforeAll(() => {
    synth = synthApp({ routingMatrix: 'amazon-location', amazonLocationTravelMode: 'Truck' });
  });

  it('alarms when provider calls fall back to the great-circle estimate', () => {
    synth.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MatrixFallbacks',
      Namespace: 'ScmRouteOptimizer',
      Dimensions: [{ Name: 'service', Value: 'scm-route-optimizer' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('lets exactly the functions that plan routes call CalculateRouteMatrix on the Routes provider resource', () => {
    const statements = grants(synth.service, 'geo-routes:CalculateRouteMatrix');
    const roles = statements.flatMap((s) => s.roles).sort();
    expect(roles).toHaveLength(PLANNERS.length);
    expect(roles.every(isPlanner)).toBe(true);
    for (const { statement } of statements) {
      expect(statement).toEqual({
        Action: 'geo-routes:CalculateRouteMatrix',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':geo-routes:', { Ref: 'AWS::Region' }, '::provider/default'],
          ],
        },
      });
    }
  });

  it('configures the provider on those functions only', () => {
    const configured = environments(synth.service).filter((f) => f.variables.ROUTING_MATRIX !== undefined);
    expect(configured.map((f) => f.id).every(isPlanner)).toBe(true);
    expect(configured).toHaveLength(PLANNERS.length);
    for (const { variables } of configured) {
      expect(variables).toMatchObject({
        ROUTING_MATRIX: 'amazon-location',
        AMAZON_LOCATION_TRAVEL_MODE: 'Truck',
      });
    }
  });

  it('keeps cdk-nag AwsSolutions clean without new acknowledgments', () => {
    expect(synth.synthError).toBeUndefined();
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
    expect(nag?.suppressedViolations.filter((s) => /geo/i.test(JSON.stringify(s)))).toEqual([]);
  });
});

describe('routing matrix: configuration errors fail the synth', () => {
  it('osrm without a URL, an unknown provider or travel mode', () => {
    expect(() => synthApp({ routingMatrix: 'osrm' })).toThrow(/osrmUrl/);
    expect(() => synthApp({ routingMatrix: 'google' })).toThrow(/routingMatrix/);
    expect(() => synthApp({ routingMatrix: 'amazon-location', amazonLocationTravelMode: 'Bike' })).toThrow(
      /amazonLocationTravelMode/,
    );
  });
});
