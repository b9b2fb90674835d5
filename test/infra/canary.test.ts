import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, DeploymentContextError } from '../../infra/build-app';
import { synthApp } from './app';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, navigated by the assertions
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json>; UpdatePolicy?: Record<string, Json> };
let synth: ReturnType<typeof synthApp>;
let resources: Record<string, Resource>;
const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const refs = (value: unknown) =>
  [...JSON.stringify(value).matchAll(/"Ref":"([A-Za-z0-9]+)"/g)].map((m) => m[1] ?? '');

beforeAll(() => {
  synth = synthApp();
  resources = synth.service.toJSON().Resources as Record<string, Resource>;
});

describe('canary deployments (issue 13)', () => {
  it('puts every function behind a `live` alias on a published version, moved by its own CodeDeploy group', () => {
    const functions = of('AWS::Lambda::Function').map(([id]) => id);
    expect(functions.length).toBeGreaterThanOrEqual(18);
    const aliases = of('AWS::Lambda::Alias');
    const groups = Object.fromEntries(of('AWS::CodeDeploy::DeploymentGroup'));
    for (const fn of functions) {
      const alias = aliases.find(([, a]) => a.Properties.FunctionName.Ref === fn);
      expect(alias, `alias of ${fn}`).toBeDefined();
      const [, a] = alias as [string, Resource];
      expect(a.Properties.Name).toBe('live');
      const versionId = a.Properties.FunctionVersion['Fn::GetAtt'][0];
      expect(resources[versionId]?.Type).toBe('AWS::Lambda::Version');
      const groupId = a.UpdatePolicy?.CodeDeployLambdaAliasUpdate?.DeploymentGroupName?.Ref;
      const group = groups[groupId];
      expect(group, `deployment group of ${fn}`).toBeDefined();
      expect(group?.Properties).toMatchObject({
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: expect.arrayContaining([
            'DEPLOYMENT_FAILURE',
            'DEPLOYMENT_STOP_ON_REQUEST',
            'DEPLOYMENT_STOP_ON_ALARM',
          ]),
        },
      });
    }
    expect(Object.keys(groups)).toHaveLength(functions.length);
    expect(of('AWS::CodeDeploy::Application')).toHaveLength(1);
  });

  it("rolls back on the function's own errors and on the latency and DLQ alarms (at most CodeDeploy's 10)", () => {
    const aliases = of('AWS::Lambda::Alias');
    for (const [groupId, group] of of('AWS::CodeDeploy::DeploymentGroup')) {
      const [, alias] = aliases.find(
        ([, a]) => a.UpdatePolicy?.CodeDeployLambdaAliasUpdate?.DeploymentGroupName?.Ref === groupId,
      ) as [string, Resource];
      const config = group.Properties.AlarmConfiguration;
      expect(config.Enabled).toBe(true);
      const names = config.Alarms.map((a: { Name: { Ref: string } }) => a.Name.Ref) as string[];
      expect(names.length).toBeLessThanOrEqual(10);
      for (const fragment of [
        'OptimizationSTANDARDP99',
        'OptimizationBULKP99',
        'RealtimeP99',
        'UrgentShipmentsDLQ',
        'StandardShipmentsDLQ',
        'BulkShipmentsDLQ',
        'BatchJobsStandardDLQ',
        'BatchJobsBulkDLQ',
        'CallbackDlqAlarm',
      ])
        expect(
          names.some((n) => n.includes(fragment)),
          fragment,
        ).toBe(true);
      // The function's own: Errors of its live alias.
      const own = names.map((n) => resources[n]).find((a) => a?.Properties.MetricName === 'Errors');
      expect(own?.Properties).toMatchObject({
        Threshold: 1,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      const dims = Object.fromEntries(
        ((own?.Properties.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [
          d.Name,
          d.Value,
        ]),
      );
      expect(refs(dims.FunctionName)).toEqual([alias.Properties.FunctionName.Ref]);
      expect(JSON.stringify(dims.Resource)).toContain(':live');
    }
  });

  it('points SQS event sources, API integrations, the scheduler, the relay rule and the state machine at the alias', () => {
    const aliasIds = new Set(of('AWS::Lambda::Alias').map(([id]) => id));
    const functionIds = new Set(of('AWS::Lambda::Function').map(([id]) => id));
    const onAlias = (value: unknown, what: string) => {
      const r = refs(value).filter((id) => aliasIds.has(id) || functionIds.has(id));
      expect(r.length, what).toBeGreaterThan(0);
      for (const id of r) expect(aliasIds.has(id), `${what} → ${id}`).toBe(true);
      expect(JSON.stringify(value), what).not.toMatch(/"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]/);
    };
    const mappings = of('AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBe(5);
    for (const [id, m] of mappings) {
      onAlias(m.Properties.FunctionName, id);
      expect(JSON.stringify(m.Properties.FunctionName)).toContain(':live');
    }
    for (const [id, m] of of('AWS::ApiGateway::Method')) {
      if (m.Properties.Integration?.Type === 'AWS_PROXY') onAlias(m.Properties.Integration.Uri, id);
    }
    for (const [id, s] of of('AWS::Scheduler::Schedule')) onAlias(s.Properties.Target.Arn, id);
    const lambdaTargets = of('AWS::Events::Rule').flatMap(([id, r]) =>
      (r.Properties.Targets ?? [])
        .filter((t: { Arn: unknown }) => refs(t.Arn).some((x) => aliasIds.has(x) || functionIds.has(x)))
        .map((t: { Arn: unknown }) => [id, t.Arn] as const),
    );
    expect(lambdaTargets.length).toBeGreaterThan(0);
    for (const [id, arn] of lambdaTargets) onAlias(arn, id);
    const machines = of('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(1);
    onAlias(machines[0]?.[1].Properties.DefinitionString, 'delivery state machine');
    // Invoke permissions go to the aliases too (API Gateway, EventBridge): no permission on $LATEST.
    for (const [id, p] of of('AWS::Lambda::Permission')) {
      const target = refs(p.Properties.FunctionName);
      for (const t of target) expect(aliasIds.has(t), `${id} → ${t}`).toBe(true);
    }
  });

  it('takes another configuration from -c deploymentConfig and refuses an unknown one', () => {
    const build = (deploymentConfig: string) =>
      buildApp(
        new App({
          context: {
            'aws:cdk:bundling-stacks': [],
            scmCallbackUrl: 'https://scm.invalid/w',
            deploymentConfig,
          },
        }),
      );
    const { service } = build('Linear10PercentEvery1Minute');
    const group = service.deployments.groups.values().next().value;
    expect(service.resolve(group?.deploymentConfig.deploymentConfigName)).toBe(
      'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
    );
    expect(
      service.resolve(
        build('CodeDeployDefault.LambdaAllAtOnce').service.deployments.groups.values().next().value
          ?.deploymentConfig.deploymentConfigName,
      ),
    ).toBe('CodeDeployDefault.LambdaAllAtOnce');
    expect(() => build('Canary50Percent')).toThrow(DeploymentContextError);
    expect(() => build('Canary50Percent')).toThrow(
      /deploymentConfig: unknown configuration "Canary50Percent"/,
    );
  });

  it('is cdk-nag clean, the shared CodeDeploy role acknowledged with a reason', () => {
    expect(synth.synthError).toBeUndefined();
    const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect((nag?.violations ?? []).map((v) => v.ruleName)).toEqual([]);
    const codedeployRoles = of('AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('codedeploy.amazonaws.com'),
    );
    expect(codedeployRoles).toHaveLength(1);
  });
});
