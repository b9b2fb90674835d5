import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { CfnAlias, CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CallbackDelivery } from './callbacks';
import { DELIVERY_TASKS, type DeliveryTaskHandler } from './callbacks-definition';

export interface RenderedDefinition {
  /** The Amazon States Language document, Lambda ARNs resolved. */
  definition: Record<string, unknown>;
  /** Task state name → handler export of functions/workflow/callbacks.ts. */
  tasks: Record<string, DeliveryTaskHandler>;
}

/**
 * Synthesizes the callbacks construct alone, in memory (no bundling), and returns the state-machine
 * definition exactly as deployed, with function ARNs resolved: the local runtime and the tests run
 * this with aws-local-stepfunctions.
 */
export function renderDeliveryDefinition(
  options: { region?: string; account?: string } = {},
): RenderedDefinition {
  const region = options.region ?? 'eu-north-1';
  const account = options.account ?? '000000000000';
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CallbackDefinition', { env: { region, account } });
  const table = (id: string) =>
    new TableV2(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const delivery = new CallbackDelivery(stack, 'Callbacks', {
    bus: new EventBus(stack, 'Bus'),
    shipments: table('ShipmentsTable'),
    callbacks: table('CallbacksTable'),
    environment: {},
    scmCallbackUrl: 'https://scm.invalid/callbacks',
  });
  const arnOf = new Map<string, string>();
  for (const fn of Object.values(delivery.functions)) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    arnOf.set(logicalId, `arn:aws:lambda:${region}:${account}:function:${logicalId}`);
    // The tasks invoke the `live` alias (Ref of an AWS::Lambda::Alias is its ARN).
    arnOf.set(
      stack.getLogicalId(fn.live.node.defaultChild as CfnAlias),
      `arn:aws:lambda:${region}:${account}:function:${logicalId}:${fn.live.aliasName}`,
    );
  }
  const cfn = delivery.stateMachine.node.defaultChild as { definitionString?: string };
  const resolved = stack.resolve(cfn.definitionString) as unknown;
  const text = flatten(
    resolved,
    (ref) => {
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return account;
      const arn = arnOf.get(ref);
      if (arn) return arn;
      throw new Error(`unresolvable reference ${ref} in the delivery definition`);
    },
    (logicalId) => {
      const arn = arnOf.get(logicalId);
      if (!arn) throw new Error(`unknown resource ${logicalId} in the delivery definition`);
      return arn;
    },
  );
  return { definition: JSON.parse(text) as Record<string, unknown>, tasks: { ...DELIVERY_TASKS } };
}

function flatten(
  value: unknown,
  ref: (name: string) => string,
  getArn: (logicalId: string) => string,
): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => flatten(p, ref, getArn)).join(sep);
    }
    if ('Ref' in obj) return ref(String(obj.Ref));
    if ('Fn::GetAtt' in obj) {
      const [logicalId, attr] = obj['Fn::GetAtt'] as [string, string];
      if (attr !== 'Arn') throw new Error(`unsupported attribute ${attr}`);
      return getArn(logicalId);
    }
  }
  throw new Error(`unsupported token in the delivery definition: ${JSON.stringify(value)}`);
}
