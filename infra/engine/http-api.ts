/**
 * The HTTP API: routes from `functions/routes.ts`, the API-key authorizer on admin routes,
 * a stage with per-route throttling and access logs, and an optional custom domain.
 * Created in two steps because every function needs the API's URL before the routes
 * can point at the functions.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTE_LIST, type RouteKey, type RouteTarget } from '../../functions/routes.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { HANDLERS } from '../handlers.js';

/**
 * Routes whose own 4xx/5xx/latency metrics are written (detailed metrics are custom
 * metrics, billed per route): Twilio's webhooks, which Twilio does not retry, and the
 * one-click unsubscribe, which the law requires to work.
 */
export const ROUTES_WITH_DETAILED_METRICS: readonly RouteKey[] = [
  ...ROUTE_LIST.filter((route) => route.access === 'signed').map((route) => route.routeKey),
  'POST /unsubscribe/{token}',
];

export interface EngineHttpApi {
  readonly httpApi: apigw.HttpApi;
  /** With `domainName`: point DNS at its `regionalDomainName`. */
  readonly domain?: apigw.DomainName;
  /** Base URL of the API (no trailing slash). */
  readonly apiUrl: string;
}

export function createHttpApi(scope: Construct, id: string, props: ResolvedEngineProps): EngineHttpApi {
  const httpApi = new apigw.HttpApi(scope, 'HttpApi', {
    apiName: `${Stack.of(scope).stackName}-${id}`,
    description: 'Followup: admin API, Twilio webhooks and unsubscribe pages',
    // The stage is created with the routes, with throttling and access logs.
    createDefaultStage: false,
  });
  const domain =
    props.domainName !== undefined && props.certificate !== undefined
      ? new apigw.DomainName(scope, 'ApiDomain', {
          domainName: props.domainName,
          certificate: props.certificate,
          securityPolicy: apigw.SecurityPolicy.TLS_1_2,
        })
      : undefined;
  const apiUrl =
    props.publicUrl?.replace(/\/+$/, '') ?? (props.domainName !== undefined ? `https://${props.domainName}` : httpApi.apiEndpoint);
  return { httpApi, ...(domain ? { domain } : {}), apiUrl };
}

export interface RouteInputs {
  readonly functions: Readonly<Record<RouteTarget | 'authorizer', lambda.IFunction>>;
  readonly props: ResolvedEngineProps;
}

export interface EngineRoutes {
  readonly stage: apigw.HttpStage;
  readonly routes: Readonly<Record<RouteKey, apigw.HttpRoute>>;
}

export function addRoutes(scope: Construct, api: EngineHttpApi, inputs: RouteInputs): EngineRoutes {
  const { props, functions } = inputs;
  const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', functions.authorizer, {
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    identitySource: ['$request.header.Authorization'],
    // Bounded so a rotated key stops working within five minutes (README, API key rotation).
    resultsCacheTtl: Duration.minutes(5),
  });
  const integrations = new Map<RouteTarget, HttpLambdaIntegration>();
  const integrationFor = (target: RouteTarget) => {
    let integration = integrations.get(target);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${HANDLERS[target].constructId}Integration`, functions[target]);
      integrations.set(target, integration);
    }
    return integration;
  };
  const routes = {} as Record<RouteKey, apigw.HttpRoute>;
  for (const route of ROUTE_LIST) {
    const [created] = api.httpApi.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration: integrationFor(route.target),
      ...(route.admin ? { authorizer } : {}),
    });
    if (created) routes[route.routeKey] = created;
  }

  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = new apigw.HttpStage(scope, 'DefaultStage', {
    httpApi: api.httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: props.apiThrottle,
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(accessLogs),
      // Route templates, not raw paths (those carry unsubscribe tokens); no IPs or user agents.
      format: AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          routeKey: '$context.routeKey',
          status: '$context.status',
          responseLatency: '$context.responseLatency',
          integrationLatency: '$context.integrationLatency',
          integrationError: '$context.integrationErrorMessage',
          authorizerError: '$context.authorizer.error',
          requestTime: '$context.requestTimeEpoch',
        }),
      ),
    },
    ...(api.domain ? { domainMapping: { domainName: api.domain } } : {}),
  });
  // One token bucket per route (the L2 stage has no route settings yet), and route-level
  // metrics for the routes a provider or a prospect calls (their 5xx are alarmed on).
  const cfnStage = stage.node.defaultChild as apigw.CfnStage;
  cfnStage.routeSettings = Object.fromEntries(
    ROUTE_LIST.map((route) => {
      const throttle = props.routeThrottles[route.routeKey];
      return [
        route.routeKey,
        {
          DetailedMetricsEnabled: ROUTES_WITH_DETAILED_METRICS.includes(route.routeKey),
          ...(throttle.rateLimit !== undefined ? { ThrottlingRateLimit: throttle.rateLimit } : {}),
          ...(throttle.burstLimit !== undefined ? { ThrottlingBurstLimit: throttle.burstLimit } : {}),
        },
      ];
    }),
  );
  // API Gateway refuses settings for a route it does not know yet.
  for (const route of Object.values(routes)) stage.node.addDependency(route);
  return { stage, routes };
}
