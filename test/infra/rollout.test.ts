import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, DeploymentContextError } from '../../infra/build-app';
import { synthApp } from './app';

type Synth = ReturnType<typeof synthApp>;
type Statement = { Action: string | string[]; Resource: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const statements = (synth: Synth, pattern: RegExp) =>
  Object.entries(synth.service.findResources('AWS::IAM::Policy'))
    .filter(([id]) => pattern.test(id))
    .flatMap(
      ([, p]) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
const callbackFunctions = (synth: Synth) =>
  Object.entries(synth.service.findResources('AWS::Lambda::Function')).filter(([id]) =>
    /^Callbacks(Prepare|Attempt|DeadLetter)Function[0-9A-F]{8}$/.test(id),
  ) as [string, { Properties: { Environment: { Variables: Record<string, unknown> } } }][];

describe('gradual rollout in AWS (issue 13)', () => {
  let shadow: Synth;
  let live: Synth;
  beforeAll(() => {
    shadow = synthApp();
    live = synthApp({ callbackMode: 'live', shadowCallbackUrl: 'https://shadow.invalid/webhooks' });
  });

  it('deploys in shadow by default: every callback function has CALLBACK_MODE=shadow, no shadow URL', () => {
    const fns = callbackFunctions(shadow);
    expect(fns).toHaveLength(3);
    for (const [, fn] of fns) {
      expect(fn.Properties.Environment.Variables.CALLBACK_MODE).toBe('shadow');
      expect(fn.Properties.Environment.Variables.SHADOW_CALLBACK_URL).toBeUndefined();
    }
    shadow.service.hasOutput('CallbackMode', { Value: 'shadow' });
  });

  it('-c callbackMode=live -c shadowCallbackUrl=… reach the callback functions', () => {
    for (const [, fn] of callbackFunctions(live)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        CALLBACK_MODE: 'live',
        SHADOW_CALLBACK_URL: 'https://shadow.invalid/webhooks',
      });
    }
    live.service.hasOutput('CallbackMode', { Value: 'live' });
  });

  it('refuses a callbackMode other than shadow|live and a shadowCallbackUrl that is not a URL', () => {
    const build = (context: Record<string, string>) =>
      buildApp(
        new App({
          context: { 'aws:cdk:bundling-stacks': [], scmCallbackUrl: 'https://scm.invalid/w', ...context },
        }),
      );
    expect(() => build({ callbackMode: 'canary' })).toThrow(DeploymentContextError);
    expect(() => build({ callbackMode: 'canary' })).toThrow(
      /callbackMode: expected shadow or live, got "canary"/,
    );
    expect(() => build({ shadowCallbackUrl: 'not a url' })).toThrow(/shadowCallbackUrl: not an absolute URL/);
  });

  it('creates the live-share parameter at 0 and lets only the prepare task read it (ssm:GetParameter on its ARN)', () => {
    const params = shadow.service.findResources('AWS::SSM::Parameter');
    const entries = Object.entries(params);
    expect(entries).toHaveLength(1);
    const [paramId, param] = entries[0] as [string, { Properties: Record<string, unknown> }];
    expect(param.Properties).toMatchObject({
      Type: 'String',
      Value: '0',
      Name: '/ScmRouteOptimizer-Service/callbacks/live-share',
    });
    shadow.service.hasOutput('LiveShareParameter', { Value: { Ref: paramId } });

    const ssmStatements = statements(shadow, /.*/).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('ssm:')),
    );
    expect(ssmStatements).toHaveLength(1);
    expect(actionsOf(ssmStatements[0] as Statement)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify((ssmStatements[0] as Statement).Resource)).toContain(paramId);
    expect(JSON.stringify((ssmStatements[0] as Statement).Resource)).not.toContain('*');
    expect(
      statements(shadow, /CallbacksPrepareFunction/).some((s) => actionsOf(s).includes('ssm:GetParameter')),
    ).toBe(true);

    const withParameter = callbackFunctions(shadow).filter(
      ([, fn]) => fn.Properties.Environment.Variables.LIVE_SHARE_PARAMETER !== undefined,
    );
    expect(withParameter.map(([id]) => id)).toEqual([expect.stringMatching(/^CallbacksPrepareFunction/)]);
    shadow.service.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.prepare',
      Environment: { Variables: Match.objectLike({ LIVE_SHARE_MAX_AGE_SECONDS: '60' }) },
    });
  });

  it('gives no function a service endpoint of its own: on LocalStack the SDK takes AWS_ENDPOINT_URL', () => {
    for (const [id, fn] of Object.entries(shadow.service.findResources('AWS::Lambda::Function'))) {
      const vars = Object.keys(
        (fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ??
          {},
      );
      expect(
        vars.filter((v) => /_ENDPOINT$|^AWS_ENDPOINT_URL/.test(v)),
        id,
      ).toEqual([]);
    }
  });

  it('outputs the callbacks table for shadow:list', () => {
    shadow.service.hasOutput('CallbacksTable', Match.anyValue());
  });

  it('stays cdk-nag clean in both modes', () => {
    for (const synth of [shadow, live]) {
      expect(synth.synthError).toBeUndefined();
      const nag = synth.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
      expect((nag?.violations ?? []).map((v) => v.ruleName)).toEqual([]);
    }
  });
});
