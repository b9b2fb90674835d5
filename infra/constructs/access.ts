import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { TableDefinition } from '../../shared/adapters/dynamodb/tables';

const READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/**
 * Least-privilege table access: the table and its named indexes only (no `index/*` wildcard), no
 * Scan, and write actions only for writers.
 */
export function grantTable(
  grantee: IGrantable,
  table: TableV2,
  def: TableDefinition,
  mode: 'read' | 'readwrite',
): void {
  const resources = [table.tableArn, ...def.indexes.map((i) => `${table.tableArn}/index/${i.name}`)];
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: mode === 'read' ? READ : [...READ, ...WRITE], resources }),
  );
}
