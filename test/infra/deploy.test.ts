import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, DeploymentContextError } from '../../infra/build-app';
import { SCM_CALLBACK_URL, synthApp } from './app';

const root = join(__dirname, '../..');
const build = (context: Record<string, string>) =>
  buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));

describe('deployment context', () => {
  it('refuses to build the app without scmCallbackUrl, naming the context key', () => {
    expect(() => build({})).toThrow(DeploymentContextError);
    expect(() => build({})).toThrow(/context scmCallbackUrl is required.*-c scmCallbackUrl=https:\/\//);
    expect(() => build({ scmCallbackUrl: '' })).toThrow(/scmCallbackUrl is required/);
  });

  it('refuses a scmCallbackUrl that is not an http(s) URL', () => {
    expect(() => build({ scmCallbackUrl: 'scm.yourcompany.com/webhooks' })).toThrow(
      /scmCallbackUrl: not an absolute URL/,
    );
    expect(() => build({ scmCallbackUrl: 'ftp://scm.yourcompany.com/webhooks' })).toThrow(
      /scmCallbackUrl: expected an https:\/\/ URL/,
    );
  });

  it('`cdk synth` without it: the app exits 1 with one line naming the key, no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: '{}', CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-')) },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: context scmCallbackUrl is required/),
    ]);
  }, 60_000);
});

describe('a deployable synth', () => {
  let synth: ReturnType<typeof synthApp>;
  beforeAll(() => {
    synth = synthApp();
  });

  it('sends the callbacks to scmCallbackUrl and nowhere else', () => {
    synth.service.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCM_CALLBACK_URL: SCM_CALLBACK_URL }) },
    });
    expect(JSON.stringify(synth.service.toJSON())).not.toContain('example.com');
  });

  it('outputs the API URL, the API key id, the webhook secret ARN and the callback URL', () => {
    const outputs = synth.service.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const resources = synth.service.toJSON().Resources as Record<string, { Type: string }>;
    const idOf = (type: string) => Object.keys(resources).filter((id) => resources[id]?.Type === type);
    const [restApi] = idOf('AWS::ApiGateway::RestApi');
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(`"Ref":"${restApi}"`);
    expect(outputs.ApiKeyId?.Value).toEqual({ Ref: idOf('AWS::ApiGateway::ApiKey')[0] });
    expect(outputs.ApiKeyId?.Description).toMatch(/aws apigateway get-api-key --include-value/);
    expect(outputs.WebhookSecretArn?.Value).toEqual({ Ref: idOf('AWS::SecretsManager::Secret')[0] });
    expect(outputs.ScmCallbackUrl?.Value).toBe(SCM_CALLBACK_URL);
  });
});
