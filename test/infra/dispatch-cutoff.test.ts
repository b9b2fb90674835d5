import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp } from './app';

let synth: ReturnType<typeof synthApp>;
type Resource = { Properties: Record<string, unknown> };
beforeAll(() => {
  synth = synthApp();
});

const aliasOf = (fnId: string) =>
  Object.entries(synth.service.findResources('AWS::Lambda::Alias')).find(
    ([, a]) => JSON.stringify(a.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
  )?.[0] ?? 'no alias';

const byLogicalId = (type: string, fragment: string) => {
  const found = Object.entries(synth.service.findResources(type)).filter(
    ([id]) => id.includes(fragment) && !id.includes('Scheduler') && !id.includes('Schedule'),
  );
  expect(found, `${type} ${fragment}`).toHaveLength(1);
  return found[0] as [string, Resource];
};
const one = (type: string, fragment: string) => {
  const found = Object.entries(synth.service.findResources(type)).filter(([id]) => id.includes(fragment));
  expect(found, `${type} ${fragment}`).toHaveLength(1);
  return found[0] as [string, Resource];
};
const statementsOf = (roleId: string) =>
  Object.values(synth.service.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );

describe('dispatch cutoff schedule (contract §3a)', () => {
  it('invokes the cutoff function every 5 minutes through its live alias, with its own invoke-only role, one run at a time', () => {
    const [fnId, fn] = byLogicalId('AWS::Lambda::Function', 'DispatchCutoff');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.Handler).toMatch(/handler$/);
    const [, schedule] = one('AWS::Scheduler::Schedule', 'DispatchCutoffSchedule');
    expect(schedule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const target = schedule.Properties.Target as { Arn: unknown; RoleArn: unknown; RetryPolicy?: unknown };
    expect(JSON.stringify(target.Arn)).toContain(aliasOf(fnId));
    const [roleId] = one('AWS::IAM::Role', 'DispatchCutoffSchedulerRole');
    expect(JSON.stringify(target.RoleArn)).toContain(roleId);
    const statements = statementsOf(roleId);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Action).toBe('lambda:InvokeFunction');
      for (const r of [s.Resource].flat()) expect(JSON.stringify(r)).toContain(aliasOf(fnId));
    }
  });

  it('lets the function write plans and shipments and put events, and nothing of queues, callbacks or Scan', () => {
    const [fnId] = byLogicalId('AWS::Lambda::Function', 'DispatchCutoff');
    const fnRoleRef = (synth.service.findResources('AWS::Lambda::Function')[fnId] as Resource).Properties
      .Role;
    const roleId = (fnRoleRef as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(roleId).toMatch(/DispatchCutoff/);
    const statements = statementsOf(roleId);
    const actions = statements.flatMap((s) => [s.Action].flat()).map(String);
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).toContain('events:PutEvents');
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.some((a) => a.startsWith('sqs:') || a.startsWith('states:'))).toBe(false);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).not.toMatch(/Callbacks|Idempotency/);
  });
});
