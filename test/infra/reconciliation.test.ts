import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
type Resource = { Properties: Record<string, unknown> };
beforeAll(() => {
  synth = synthApp();
});

/** The `live` alias of a function: what every trigger invokes (canary deployments). */
const aliasOf = (fnId: string) =>
  Object.entries(synth.service.findResources('AWS::Lambda::Alias')).find(
    ([, a]) => JSON.stringify(a.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
  )?.[0] ?? 'no alias';

const byLogicalId = (type: string, fragment: string) => {
  const found = Object.entries(synth.service.findResources(type)).filter(([id]) => id.includes(fragment));
  expect(found, `${type} ${fragment}`).toHaveLength(1);
  return found[0] as [string, Resource];
};

describe('reconciliation schedule', () => {
  it('invokes the reconciliation function every hour with its own role, one run at a time', () => {
    const [fnId, fn] = byLogicalId('AWS::Lambda::Function', 'HourlyReconciliation');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(JSON.stringify(fn.Properties.Environment)).toContain('CALLBACK_STATE_MACHINE_ARN');
    const [, schedule] = byLogicalId('AWS::Scheduler::Schedule', 'HourlyReconciliationSchedule');
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    const target = schedule.Properties.Target as { Arn: unknown; RoleArn: unknown };
    expect(JSON.stringify(target.Arn)).toContain(aliasOf(fnId));
    const [roleId] = byLogicalId('AWS::IAM::Role', 'HourlyReconciliationSchedulerRole');
    expect(JSON.stringify(target.RoleArn)).toContain(roleId);
  });

  it('invokes the daily comparison once a day with its own role, one run at a time, with the SCM listing and secret', () => {
    const [fnId, fn] = byLogicalId('AWS::Lambda::Function', 'DailyReconciliation');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.Handler).toMatch(/dailyHandler$/);
    const env = JSON.stringify(fn.Properties.Environment);
    for (const name of ['SCM_BASE_URL', 'SCM_WEBHOOK_SECRET_ARN', 'CALLBACK_STATE_MACHINE_ARN'])
      expect(env).toContain(name);
    const [, schedule] = byLogicalId('AWS::Scheduler::Schedule', 'DailyReconciliationSchedule');
    expect(schedule.Properties.ScheduleExpression).toBe('cron(30 3 * * ? *)');
    const target = schedule.Properties.Target as { Arn: unknown; RoleArn: unknown };
    expect(JSON.stringify(target.Arn)).toContain(aliasOf(fnId));
    const [roleId] = byLogicalId('AWS::IAM::Role', 'DailyReconciliationSchedulerRole');
    expect(JSON.stringify(target.RoleArn)).toContain(roleId);
    const statements = Object.values(synth.service.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      );
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Action).toBe('lambda:InvokeFunction');
      for (const r of [s.Resource].flat()) expect(JSON.stringify(r)).toContain(aliasOf(fnId));
    }
  });

  it('gives the schedule role lambda:InvokeFunction on that function only', () => {
    const [fnId] = byLogicalId('AWS::Lambda::Function', 'HourlyReconciliation');
    const [roleId] = byLogicalId('AWS::IAM::Role', 'HourlyReconciliationSchedulerRole');
    const policies = Object.values(synth.service.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    const statements = policies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Action).toBe('lambda:InvokeFunction');
      for (const r of [s.Resource].flat()) expect(JSON.stringify(r)).toContain(aliasOf(fnId));
    }
  });

  it('lets the function start deliveries and read callbacks, and query tables without Scan', () => {
    const [fnId] = byLogicalId('AWS::Lambda::Function', 'HourlyReconciliation');
    const fnRoleRef = (synth.service.findResources('AWS::Lambda::Function')[fnId] as Resource).Properties
      .Role;
    const roleId = JSON.stringify(fnRoleRef).match(/"(\w+ServiceRole\w*)"/)?.[1] ?? '';
    const statements = Object.values(synth.service.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('states:StartExecution');
    expect(actions).toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:Scan');
    synth.service.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution' })]),
      }),
    });
  });
});
