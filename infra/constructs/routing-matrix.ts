import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct, Node } from 'constructs';

/** Where the functions that plan routes take distances and durations from (ROUTING_MATRIX). */
export type RoutingMatrixConfig =
  | { provider: 'great-circle' }
  | { provider: 'osrm'; url: string; maxTableSize?: number; profile?: string }
  | { provider: 'amazon-location'; travelMode?: 'Car' | 'Truck'; endpoint?: string };

const PROVIDERS = ['great-circle', 'osrm', 'amazon-location'] as const;

/**
 * The configuration from CDK context: `-c routingMatrix=amazon-location
 * [-c amazonLocationTravelMode=Truck] [-c amazonLocationEndpoint=URL]` or `-c routingMatrix=osrm
 * -c osrmUrl=URL [-c osrmMaxTableSize=N]`; great-circle when absent. Fails the synth on a
 * configuration the functions would reject at cold start.
 */
export function routingMatrixFromContext(node: Node): RoutingMatrixConfig {
  const context = (key: string): string | undefined => {
    const value = node.tryGetContext(key) as unknown;
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const provider = context('routingMatrix') ?? 'great-circle';
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new Error(`context routingMatrix: expected one of ${PROVIDERS.join(', ')}, got "${provider}"`);
  }
  if (provider === 'osrm') {
    const url = context('osrmUrl');
    if (!url) throw new Error('context routingMatrix=osrm needs osrmUrl (the OSRM-compatible server)');
    const maxTableSize = context('osrmMaxTableSize');
    return { provider, url, ...(maxTableSize ? { maxTableSize: Number(maxTableSize) } : {}) };
  }
  if (provider === 'amazon-location') {
    const travelMode = context('amazonLocationTravelMode');
    if (travelMode !== undefined && travelMode !== 'Car' && travelMode !== 'Truck') {
      throw new Error(`context amazonLocationTravelMode: expected Car or Truck, got "${travelMode}"`);
    }
    const endpoint = context('amazonLocationEndpoint');
    return { provider, ...(travelMode ? { travelMode } : {}), ...(endpoint ? { endpoint } : {}) };
  }
  return { provider: 'great-circle' };
}

/** The environment variables of shared/schemas/environment.ts for this configuration. */
export function routingMatrixEnvironment(config: RoutingMatrixConfig): Record<string, string> {
  switch (config.provider) {
    case 'great-circle':
      return {};
    case 'osrm':
      return {
        ROUTING_MATRIX: 'osrm',
        OSRM_URL: config.url,
        ...(config.maxTableSize ? { OSRM_MAX_TABLE_SIZE: String(config.maxTableSize) } : {}),
        ...(config.profile ? { OSRM_PROFILE: config.profile } : {}),
      };
    case 'amazon-location':
      return {
        ROUTING_MATRIX: 'amazon-location',
        AMAZON_LOCATION_TRAVEL_MODE: config.travelMode ?? 'Car',
        ...(config.endpoint ? { AMAZON_LOCATION_ENDPOINT: config.endpoint } : {}),
      };
  }
}

/**
 * Gives the functions that plan routes (batch optimizers, the URGENT API routes and the p0
 * consumer) the routing-matrix configuration and, for Amazon Location, the one permission it
 * needs: geo-routes:CalculateRouteMatrix on the Routes `provider` resource of this region,
 * arn:${Partition}:geo-routes:${Region}::provider/default — the narrowest resource the Service
 * Authorization Reference defines for the action (no account, no wildcard).
 */
export function useRoutingMatrix(functions: readonly LambdaFunction[], config: RoutingMatrixConfig): void {
  const environment = routingMatrixEnvironment(config);
  for (const fn of functions) {
    for (const [key, value] of Object.entries(environment)) fn.addEnvironment(key, value);
    if (config.provider !== 'amazon-location') continue;
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['geo-routes:CalculateRouteMatrix'],
        resources: [
          Stack.of(fn).formatArn({
            service: 'geo-routes',
            account: '',
            resource: 'provider',
            resourceName: 'default',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}

/**
 * With a road-network provider, an alarm when calls fall back to the great-circle estimate
 * (`MatrixFallbacks`): the provider is failing, throttling or too slow, and routes are being
 * planned on estimated distances. None for great-circle, which has nothing to fall back from.
 */
export function matrixFallbackAlarm(
  scope: Construct,
  config: RoutingMatrixConfig,
  namespace = 'ScmRouteOptimizer',
): Alarm | undefined {
  if (config.provider === 'great-circle') return undefined;
  return new Alarm(scope, 'MatrixFallbackAlarm', {
    alarmDescription: `The ${config.provider} routing matrix failed or timed out: routes are planned on great-circle estimates (see README, Choosing a matrix provider).`,
    metric: new Metric({
      namespace,
      metricName: 'MatrixFallbacks',
      dimensionsMap: { service: 'scm-route-optimizer' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
