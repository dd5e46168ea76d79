/**
 * The web console and its sign-in (README "Sign-in and roles"):
 *
 * - a Cognito user pool: users created by an admin (no self sign-up), groups `editor` and
 *   `viewer`, the managed login pages on a Cognito domain, and a public app client for the
 *   console (authorization code with PKCE, no secret; access tokens one hour). A pre token
 *   generation trigger (V2_0, so the pool is on the Essentials plan) copies the user's
 *   email into the ACCESS token: Cognito only puts it in ID tokens, and the API records
 *   `user:<email>` as the actor of every change;
 * - the console's static files on a private S3 bucket behind CloudFront with origin access
 *   control, under `/console/` as locally, with the same strict Content-Security-Policy,
 *   and `console/config.json` (API and sign-in URLs) written next to them at deploy time;
 * - CORS on the HTTP API for the console's origin (tokens go as `Authorization`, never as
 *   cookies, so no credentials mode is needed);
 * - the authorizer's token issuer and client id (FOLLOWUP_JWT_ISSUER, FOLLOWUP_JWT_AUDIENCE).
 */
import { existsSync } from 'node:fs';
import { Aws, Duration, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import type { ConsoleConfig } from '../../functions/contract/auth.js';
import { ROLES } from '../../functions/domain/roles.js';
import type { ResolvedConsoleProps } from '../resolve-engine-props.js';
import { LAMBDA_NODE_RUNTIME } from './function-settings.js';

/** Where the console lives on its CloudFront distribution (as on `npm start`). */
export const CONSOLE_PATH = '/console/';
/** The scopes the console asks for. */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'] as const;

export interface EngineConsole {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain: cognito.UserPoolDomain;
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly deployment: s3deploy.BucketDeployment;
  readonly preTokenGeneration: lambda.Function;
  /** `https://<distribution>/console/`. */
  readonly consoleUrl: string;
  /** The token issuer the authorizer checks. */
  readonly issuer: string;
}

export interface ConsoleInputs {
  readonly props: ResolvedConsoleProps & { readonly logRetention: logs.RetentionDays; readonly removalPolicy: RemovalPolicy };
  readonly httpApi: apigw.HttpApi;
  readonly apiUrl: string;
  readonly authorizer: lambda.IFunction;
}

/**
 * The pre token generation trigger, inline: a few lines with no dependency, so it needs no
 * bundle of its own. It adds the user's email (and name) to the access token.
 */
const PRE_TOKEN_GENERATION_SOURCE = `
exports.handler = async (event) => {
  const attributes = event.request.userAttributes || {};
  const claims = {};
  if (attributes.email) claims.email = attributes.email;
  if (attributes.name) claims.name = attributes.name;
  event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } } };
  return event;
};`;

export function buildConsole(scope: Construct, inputs: ConsoleInputs): EngineConsole {
  const { props } = inputs;
  const logGroup = new logs.LogGroup(scope, 'ConsolePreTokenGenerationLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  // Like the engine's functions (function-settings.ts): its own role, writing to its own log group only.
  const role = new iam.Role(scope, 'ConsolePreTokenGenerationRole', {
    description: 'Execution role of the Followup console pre token generation trigger',
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  logGroup.grantWrite(role);
  const preTokenGeneration = new lambda.Function(scope, 'ConsolePreTokenGeneration', {
    runtime: LAMBDA_NODE_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline(PRE_TOKEN_GENERATION_SOURCE),
    description: 'Followup console sign-in: puts the user email into Cognito access tokens',
    memorySize: 128,
    timeout: Duration.seconds(5),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
  });

  const userPool = new cognito.UserPool(scope, 'ConsoleUserPool', {
    // Users are created by an admin (README "Sign-in and roles"), never by sign-up.
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    standardAttributes: { email: { required: true, mutable: true } },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    mfa: props.mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
    mfaSecondFactor: { sms: false, otp: true },
    passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
    deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy: props.removalPolicy,
  });
  userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preTokenGeneration, cognito.LambdaVersion.V2_0);
  for (const role of ROLES) {
    new cognito.CfnUserPoolGroup(scope, `ConsoleGroup${role[0]?.toUpperCase()}${role.slice(1)}`, {
      userPoolId: userPool.userPoolId,
      groupName: role,
      description: role === 'editor' ? 'Imports, publishes, stops, pauses and resumes' : 'Reads everything, changes nothing',
      precedence: role === 'editor' ? 0 : 1,
    });
  }
  const userPoolDomain = userPool.addDomain('ConsoleLoginDomain', {
    cognitoDomain: { domainPrefix: props.authDomainPrefix ?? Fn.join('-', [defaultPrefix(scope), Aws.ACCOUNT_ID]) },
  });

  const bucket = new s3.Bucket(scope, 'ConsoleBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Built assets only (redeploying writes them again), but S3 refuses to delete a bucket
    // that is not empty: retained like the table by default (no extra custom resource).
    removalPolicy: props.removalPolicy,
  });

  // The same policy as the embedded runtime's (functions/local/console-assets.ts), plus the
  // API and the Cognito endpoints the console calls. Patterns, not the API's own URL: the
  // API's CORS names this distribution, so naming the API here would be a cycle.
  const connect = ["'self'", `https://*.execute-api.${Aws.REGION}.amazonaws.com`, `https://*.auth.${Aws.REGION}.amazoncognito.com`];
  if (!inputs.apiUrl.includes('execute-api') && !apiUrlIsToken(inputs.apiUrl)) connect.push(new URL(inputs.apiUrl).origin);
  const headers = new cloudfront.ResponseHeadersPolicy(scope, 'ConsoleHeaders', {
    securityHeadersBehavior: {
      contentSecurityPolicy: {
        contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect.join(' ')}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
    },
  });
  // `/console/` and the app's own routes (no file extension) answer index.html, as locally.
  const spaRewrite = new cloudfront.Function(scope, 'ConsoleIndexRewrite', {
    runtime: cloudfront.FunctionRuntime.JS_2_0,
    code: cloudfront.FunctionCode.fromInline(
      "function handler(event) { var r = event.request; if (r.uri === '/' || r.uri === '/console') { return { statusCode: 301, statusDescription: 'Moved', headers: { location: { value: '/console/' } } }; } if (r.uri.indexOf('/console/') === 0 && r.uri.slice(r.uri.lastIndexOf('/')).indexOf('.') < 0) { r.uri = '/console/index.html'; } return r; }",
    ),
  });
  const distribution = new cloudfront.Distribution(scope, 'ConsoleDistribution', {
    comment: 'Followup web console',
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      responseHeadersPolicy: headers,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      functionAssociations: [{ function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    },
    minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
  });
  const origin = `https://${distribution.distributionDomainName}`;
  const consoleUrl = `${origin}${CONSOLE_PATH}`;

  const userPoolClient = userPool.addClient('ConsoleClient', {
    // A browser app: a public client, PKCE instead of a secret.
    generateSecret: false,
    authFlows: {},
    preventUserExistenceErrors: true,
    oAuth: {
      flows: { authorizationCodeGrant: true },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
      callbackUrls: [consoleUrl],
      logoutUrls: [consoleUrl],
    },
    accessTokenValidity: Duration.hours(1),
    idTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.hours(12),
    enableTokenRevocation: true,
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
  });

  const authBase = userPoolDomain.baseUrl();
  const config: ConsoleConfig = {
    apiUrl: inputs.apiUrl,
    auth: {
      authorizeUrl: `${authBase}/oauth2/authorize`,
      tokenUrl: `${authBase}/oauth2/token`,
      logoutUrl: `${authBase}/logout`,
      clientId: userPoolClient.userPoolClientId,
      redirectUri: consoleUrl,
      scopes: [...CONSOLE_SCOPES],
    },
  };
  const assets = props.assetsDir && existsSync(props.assetsDir)
    ? s3deploy.Source.asset(props.assetsDir)
    : s3deploy.Source.data('index.html', '<!doctype html><meta charset="utf-8"><title>Followup console</title><p>The console was not built when this stack was deployed: run npm run build:console, then deploy again.</p>\n');
  const deployment = new s3deploy.BucketDeployment(scope, 'ConsoleDeployment', {
    destinationBucket: bucket,
    destinationKeyPrefix: CONSOLE_PATH.slice(1),
    sources: [assets, s3deploy.Source.jsonData('config.json', config)],
    distribution,
    distributionPaths: [`${CONSOLE_PATH}*`],
    memoryLimit: 256,
  });

  // CORS for the console's origin (the HTTP API answers preflights itself).
  (inputs.httpApi.node.defaultChild as apigw.CfnApi).corsConfiguration = {
    allowOrigins: [origin],
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['authorization', 'content-type'],
    exposeHeaders: ['x-next-cursor', 'link'],
    maxAge: 3600,
  };

  // The `iss` of the pool's tokens, spelled out: the ProviderURL attribute has no scheme.
  const issuer = `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${userPool.userPoolId}`;
  if (inputs.authorizer instanceof lambda.Function) {
    inputs.authorizer.addEnvironment('FOLLOWUP_JWT_ISSUER', issuer);
    inputs.authorizer.addEnvironment('FOLLOWUP_JWT_AUDIENCE', userPoolClient.userPoolClientId);
  }

  return { userPool, userPoolClient, userPoolDomain, bucket, distribution, deployment, preTokenGeneration, consoleUrl, issuer };
}

/**
 * The singleton handler BucketDeployment adds at the root of the stack (outside the
 * engine): tagged and acknowledged with the engine's own resources.
 */
export function bucketDeploymentHandlers(scope: Construct): IConstruct[] {
  return Stack.of(scope).node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
}

/** A Cognito domain prefix unique to this engine in its account: lower-case, no "aws" or "cognito". */
function defaultPrefix(scope: Construct): string {
  const unique = Names.uniqueResourceName(scope, { maxLength: 24, separator: '' }).toLowerCase().replace(/[^a-z0-9]/g, '');
  return `followup-${unique.replace(/aws|amazon|cognito/g, 'x')}`;
}

function apiUrlIsToken(url: string): boolean {
  return url.includes('${Token');
}
