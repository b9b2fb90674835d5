import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextValue, DeployCheckError, deployPlan, localstackEnvironment } from '../../scripts/deploy';
import { runScript } from '../support/cli';

const emptyHome = () => mkdtempSync(join(tmpdir(), 'home-'));
const noCredentials = {
  AWS_PROFILE: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_WEB_IDENTITY_TOKEN_FILE: '',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
  AWS_CONFIG_FILE: '',
  AWS_SHARED_CREDENTIALS_FILE: '',
};
const scm = ['-c', 'scmCallbackUrl=https://scm.invalid/webhooks/route-optimized'];

describe('npm run deploy: checks before the CDK CLI', () => {
  it('without scmCallbackUrl: one line naming the context key, exit 2, nothing run', async () => {
    const home = emptyHome();
    const r = await runScript('scripts/deploy.ts', ['--dry-run'], { env: { ...noCredentials, HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'npm run deploy: context scmCallbackUrl is required: npm run deploy -- -c scmCallbackUrl=https://scm.yourcompany.com/webhooks/route-optimized',
    ]);
  });

  it('without credentials, then without a region: one line each, exit 2', async () => {
    const home = emptyHome();
    const none = await runScript('scripts/deploy.ts', [...scm, '--dry-run'], {
      env: { ...noCredentials, HOME: home },
    });
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toMatch(/^npm run deploy: no AWS credentials: export AWS_PROFILE=/);
    const noRegion = await runScript('scripts/deploy.ts', [...scm, '--dry-run'], {
      env: { ...noCredentials, HOME: home, AWS_PROFILE: 'prod' },
    });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr.trim()).toBe(
      'npm run deploy: no AWS region: export AWS_REGION=eu-north-1 (or set one in the profile)',
    );
  });

  it('with context, credentials and region: cdk deploy --all with the options given', () => {
    const plan = deployPlan(
      'aws',
      [...scm, '-c', 'callbackMode=live'],
      {
        AWS_PROFILE: 'prod',
        AWS_REGION: 'eu-north-1',
      },
      { home: emptyHome() },
    );
    expect(plan.commands).toEqual([['npx', 'cdk', 'deploy', '--all', ...scm, '-c', 'callbackMode=live']]);
  });

  it('finds scmCallbackUrl in -c, --context=, or the context block of cdk.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'cdk-'));
    expect(contextValue(['-c', 'scmCallbackUrl=https://a.invalid/'], 'scmCallbackUrl', root)).toBe(
      'https://a.invalid/',
    );
    expect(contextValue(['--context=scmCallbackUrl=https://b.invalid/'], 'scmCallbackUrl', root)).toBe(
      'https://b.invalid/',
    );
    expect(contextValue([], 'scmCallbackUrl', root)).toBeUndefined();
    writeFileSync(
      join(root, 'cdk.json'),
      JSON.stringify({ context: { scmCallbackUrl: 'https://c.invalid/' } }),
    );
    expect(contextValue([], 'scmCallbackUrl', root)).toBe('https://c.invalid/');
    expect(() => deployPlan('aws', [], {}, { root: mkdtempSync(join(tmpdir(), 'cdk-')) })).toThrow(
      DeployCheckError,
    );
  });
});

describe('npm run deploy:localstack: the endpoint configuration', () => {
  it('points cdklocal and every SDK client at AWS_ENDPOINT_URL (default http://localhost:4566) with test credentials', () => {
    const plan = deployPlan(
      'localstack',
      ['-c', 'scmCallbackUrl=http://host.docker.internal:4010/webhooks'],
      {},
    );
    expect(plan.env).toMatchObject({
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_ENDPOINT_URL_S3: 'http://localhost:4566',
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      CDK_DEFAULT_ACCOUNT: '000000000000',
    });
    expect(plan.commands).toEqual([
      ['cdklocal', 'bootstrap'],
      [
        'cdklocal',
        'deploy',
        '--all',
        '--require-approval',
        'never',
        '-c',
        'scmCallbackUrl=http://host.docker.internal:4010/webhooks',
      ],
    ]);
  });

  it('takes the endpoint from LOCALSTACK_ENDPOINT or AWS_ENDPOINT_URL; refuses one that is not a URL', () => {
    expect(localstackEnvironment({ LOCALSTACK_ENDPOINT: 'http://localstack:4566/' }).AWS_ENDPOINT_URL).toBe(
      'http://localstack:4566',
    );
    expect(localstackEnvironment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4567' }).AWS_ENDPOINT_URL).toBe(
      'http://127.0.0.1:4567',
    );
    expect(() => localstackEnvironment({ LOCALSTACK_ENDPOINT: 'localstack' })).toThrow(/not a URL/);
  });

  it('--dry-run prints the environment and the commands; without the context it stops with exit 2', async () => {
    const r = await runScript('scripts/deploy.ts', [
      '--localstack',
      '--dry-run',
      '-c',
      'scmCallbackUrl=http://host.docker.internal:4010/webhooks',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('AWS_ENDPOINT_URL=http://localhost:4566\n');
    expect(r.stdout).toContain('cdklocal bootstrap\n');
    const missing = await runScript('scripts/deploy.ts', ['--localstack', '--dry-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^npm run deploy:localstack: context scmCallbackUrl is required/);
  });
});
