import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';

/**
 * Synthesizes the whole app once per test file, without esbuild bundling (assets are stubbed), with
 * the cdk-nag AwsSolutions plugin attached as in `npm run synth`; `context` as given with `-c`.
 */
export function synthApp(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-'));
  const app = new App({
    outdir,
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
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
