import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarm,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ILambdaDeploymentConfig,
  LambdaApplication,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
} from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ServiceFunction } from './function';

/** CodeDeploy allows at most 10 alarms per deployment group. */
export const MAX_ALARMS_PER_GROUP = 10;

/** The deployment configurations context `deploymentConfig` accepts, by their CodeDeploy names. */
export const DEPLOYMENT_CONFIGS: Record<string, ILambdaDeploymentConfig> = {
  Canary10Percent5Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Canary10Percent15Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  Canary10Percent30Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  Linear10PercentEvery1Minute: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  Linear10PercentEvery2Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  Linear10PercentEvery3Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  Linear10PercentEvery10Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
  AllAtOnce: LambdaDeploymentConfig.ALL_AT_ONCE,
};
export const DEFAULT_DEPLOYMENT_CONFIG = 'Canary10Percent5Minutes';

export interface CanaryDeploymentsProps {
  functions: ServiceFunction[];
  /** Alarms that roll back any deployment in progress (latency, DLQs), besides each function's errors. */
  rollbackAlarms: IAlarm[];
  deploymentConfig: ILambdaDeploymentConfig;
  /** Where each function's errors alarm notifies, on ALARM and OK (the operations topic). */
  alarmAction?: IAlarmAction;
}

/**
 * Canary deployments: each function's `live` alias is moved to a new version by a CodeDeploy
 * deployment group (Canary10Percent5Minutes by default: 10 % of invocations for 5 minutes, then
 * all), rolled back automatically when, during the deployment, the function's own errors alarm or
 * one of the shared alarms (optimization and real-time p99, any DLQ message) fires, when the
 * deployment fails, or when an operator stops it.
 */
export class CanaryDeployments extends Construct {
  readonly application: LambdaApplication;
  readonly groups = new Map<ServiceFunction, LambdaDeploymentGroup>();
  readonly errorAlarms = new Map<ServiceFunction, Alarm>();

  constructor(scope: Construct, id: string, props: CanaryDeploymentsProps) {
    super(scope, id);
    if (props.rollbackAlarms.length + 1 > MAX_ALARMS_PER_GROUP)
      throw new Error(
        `${props.rollbackAlarms.length} rollback alarms and the function's own: more than CodeDeploy's ${MAX_ALARMS_PER_GROUP}`,
      );
    this.application = new LambdaApplication(this, 'Application', {
      applicationName: `${Stack.of(this).stackName}-functions`,
    });
    const role = new Role(this, 'DeploymentRole', {
      assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited'),
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        'The AWS managed policy CodeDeploy documents for Lambda deployments (UpdateAlias, GetAlias, DescribeAlarms); one role shared by every deployment group.',
    });

    for (const fn of props.functions) {
      const name = fn.node.id;
      const errors = new Alarm(this, `${name}Errors`, {
        alarmDescription: `${name}: an invocation of the live alias failed; during a deployment this rolls it back.`,
        metric: fn.live.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmAction) {
        errors.addAlarmAction(props.alarmAction);
        errors.addOkAction(props.alarmAction);
      }
      this.errorAlarms.set(fn, errors);
      this.groups.set(
        fn,
        new LambdaDeploymentGroup(this, `${name}Deployment`, {
          application: this.application,
          alias: fn.live,
          deploymentConfig: props.deploymentConfig,
          alarms: [errors, ...props.rollbackAlarms],
          role,
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        }),
      );
    }
  }
}
