import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';

/** The SCM webhook URL the tests deploy with (`.invalid`: a host that never resolves). */
export const SCM_CALLBACK_URL = 'https://scm.invalid/webhooks/route-optimized';

/**
 * Synthesizes the whole app once per test file, without esbuild bundling (assets are stubbed), with
 * the cdk-nag AwsSolutions plugin attached as in `npm run synth`; `context` as given with `-c`
 * (`scmCallbackUrl` is SCM_CALLBACK_URL unless given).
 */
export function synthApp(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-'));
  const app = new App({
    outdir,
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      scmCallbackUrl: SCM_CALLBACK_URL,
      ...context,
    },
  });
  const { stateful, service } = buildApp(app);
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      conclusion: string;
      violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      suppressedViolations: { ruleName: string; reason: string }[];
    }[];
  };
  return {
    synthError,
    report,
    stateful: Template.fromStack(stateful),
    service: Template.fromStack(service),
  };
}
