import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  type IApiKey,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type Resource,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ENDPOINTS } from '../../functions/api/endpoints';
import { BATCHING_TABLE, IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { API_THROTTLE, type ThrottleLimits } from '../../shared/domain/throttle';
import { PROBLEM_BASE } from '../../shared/runtime/http/problem';
import { grantTable } from './access';
import { ServiceFunction } from './function';

export interface ShipmentApiProps {
  shipments: TableV2;
  idempotency: TableV2;
  /** Windows, routes and region plans: the URGENT path inserts into the region's plan. */
  batching: TableV2;
  bus: IEventBus;
  environment: Record<string, string>;
  /** Steady-state requests per second per API key, and the burst. */
  throttle?: ThrottleLimits;
}

/**
 * The REST API of contract §1: every /v1 method needs an API key (usage plan with throttling);
 * access logs in JSON; one function per endpoint, read-only endpoints with read-only table access.
 */
export class ShipmentApi extends Construct {
  readonly api: RestApi;
  /** The key the SCM sends as `x-api-key` (its value: `aws apigateway get-api-key --include-value`). */
  readonly apiKey: IApiKey;
  readonly functions: Record<string, ServiceFunction> = {};

  constructor(scope: Construct, id: string, props: ShipmentApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR });
    this.api = new RestApi(this, 'Api', {
      restApiName: 'scm-route-optimizer',
      description: 'Shipments in, optimized routes out',
      apiKeySourceType: ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: (props.throttle ?? API_THROTTLE).rateLimit,
        throttlingBurstLimit: (props.throttle ?? API_THROTTLE).burstLimit,
      },
    });
    // Answers API Gateway gives itself (no key, throttled, too large, no route) are problem+json too
    // (contract §1), with the status the contract names.
    // The same shape as the functions' problems (shared/runtime/http/problem.ts): a typed `type`,
    // the path as `instance`, API Gateway's request id as `correlationId` and X-Correlation-Id.
    const gatewayProblems: [string, ResponseType, string, string, string | undefined][] = [
      ['InvalidApiKey', ResponseType.INVALID_API_KEY, 'forbidden', 'Forbidden', '403'],
      ['Throttled', ResponseType.THROTTLED, 'throttled', 'Too Many Requests', '429'],
      ['QuotaExceeded', ResponseType.QUOTA_EXCEEDED, 'throttled', 'Too Many Requests', '429'],
      ['RequestTooLarge', ResponseType.REQUEST_TOO_LARGE, 'payload-too-large', 'Content Too Large', '413'],
      [
        'UnsupportedMediaType',
        ResponseType.UNSUPPORTED_MEDIA_TYPE,
        'unsupported-media-type',
        'Unsupported Media Type',
        '415',
      ],
      // Unknown resources and methods: API Gateway's "Missing Authentication Token" 403.
      ['NoRoute', ResponseType.MISSING_AUTHENTICATION_TOKEN, 'not-found', 'Not Found', '404'],
      ['IntegrationTimeout', ResponseType.INTEGRATION_TIMEOUT, 'gateway-timeout', 'Gateway Timeout', '504'],
      ['Default4xx', ResponseType.DEFAULT_4XX, 'client-error', 'Client Error', undefined],
      ['Default5xx', ResponseType.DEFAULT_5XX, 'internal-error', 'Server Error', undefined],
    ];
    for (const [id, type, code, title, statusCode] of gatewayProblems) {
      const status = statusCode ? `"status":${statusCode},` : '';
      this.api.addGatewayResponse(id, {
        type,
        ...(statusCode ? { statusCode } : {}),
        responseHeaders: {
          'Content-Type': "'application/problem+json'",
          'X-Correlation-Id': 'context.requestId',
        },
        templates: {
          'application/json': `{"type":"${PROBLEM_BASE}${code}","title":"${title}",${status}"detail":$context.error.messageString,"instance":"$context.path","correlationId":"$context.requestId"}`,
        },
      });
    }

    const validator = this.api.addRequestValidator('ValidateParameters', {
      validateRequestParameters: true,
      // No body model: the functions validate bodies with zod and answer field-level problem+json.
      validateRequestBody: true,
    });

    const resources = new Map<string, Resource>();
    const resourceFor = (path: string) => {
      let resource = this.api.root;
      let soFar = '';
      for (const part of path.split('/').filter(Boolean)) {
        soFar += `/${part}`;
        const existing = resources.get(soFar);
        if (existing) resource = existing;
        else {
          const created = resource.addResource(part);
          resources.set(soFar, created);
          resource = created;
        }
      }
      return resource;
    };

    for (const endpoint of API_ENDPOINTS) {
      const fn = new ServiceFunction(this, endpoint.id, {
        entry: endpoint.entry,
        handler: endpoint.handler,
        description: `${endpoint.method} ${endpoint.resource}`,
        environment: props.environment,
        timeout: Duration.seconds(29),
        ...(endpoint.memorySize ? { memorySize: endpoint.memorySize } : {}),
      });
      this.functions[endpoint.id] = fn;
      if (endpoint.access === 'write') {
        grantTable(fn, props.shipments, SHIPMENTS_TABLE, 'readwrite');
        grantTable(fn, props.idempotency, IDEMPOTENCY_TABLE, 'readwrite');
        grantTable(fn, props.batching, BATCHING_TABLE, 'readwrite');
        props.bus.grantPutEventsTo(fn);
      } else if (endpoint.access === 'read') {
        grantTable(fn, props.shipments, SHIPMENTS_TABLE, 'read');
        grantTable(fn, props.batching, BATCHING_TABLE, 'read');
      }
      const pathParameters = [...endpoint.resource.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
      resourceFor(endpoint.resource).addMethod(endpoint.method, new LambdaIntegration(fn.live), {
        apiKeyRequired: endpoint.apiKey,
        requestValidator: validator,
        requestParameters: Object.fromEntries(pathParameters.map((p) => [`method.request.path.${p}`, true])),
      });
    }

    const plan = this.api.addUsagePlan('UsagePlan', {
      name: 'scm-integration',
      throttle: props.throttle ?? API_THROTTLE,
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.apiKey = this.api.addApiKey('ScmApiKey', {
      description: `API key of the SCM integration (${Stack.of(this).stackName})`,
    });
    plan.addApiKey(this.apiKey);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'Contract §1: machine-to-machine SCM calls authenticate with an API key bound to a usage plan (throttled); no end users.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG4',
      reason: 'No end users, hence no Cognito user pool: the SCM system authenticates with its API key.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'The WAF web ACL is account- and edge-specific; attach the organisation web ACL at deployment (see README, Deploy).',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level API Gateway logging role needs this AWS managed policy for access and execution logs.',
    });
  }
}
