/**
 * The console's AWS side (infra/engine/console.ts), by CDK assertions: Cognito (admin-created
 * users, the two role groups, the access-token trigger, a public PKCE client for the
 * console URL), the static site (private bucket, CloudFront with origin access control and
 * the strict CSP), config.json deployed beside it, CORS for the console's origin, and the
 * authorizer's issuer and client id. With `console: false`, none of it.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FollowupEngineConfigError } from '../../infra/engine-props.js';
import { synthStack, templateOf } from './helpers.js';

let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;
const idOf = (type: string, prefix: string) => {
  const found = Object.keys(resources).filter((id) => resources[id]?.Type === type && id.startsWith(prefix));
  expect(found, `${type} ${prefix}`).toHaveLength(1);
  return found[0] as string;
};

beforeAll(() => {
  ({ template } = templateOf());
  resources = template.toJSON().Resources;
});

describe('console: sign-in (Cognito)', () => {
  it('a user pool without self sign-up, on Essentials, with the access-token trigger (V2_0)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      UserPoolTier: 'ESSENTIALS',
      LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: { 'Fn::GetAtt': [idOf('AWS::Lambda::Function', 'EngineConsolePreTokenGeneration'), 'Arn'] } } },
      MfaConfiguration: 'OPTIONAL',
    });
    const trigger = resources[idOf('AWS::Lambda::Function', 'EngineConsolePreTokenGeneration')]?.Properties;
    expect(trigger?.Code.ZipFile).toContain('accessTokenGeneration');
    expect(trigger?.Code.ZipFile).toContain('claims.email = attributes.email');
  });

  it('the groups editor and viewer, editor first', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'editor', Precedence: 0 });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'viewer', Precedence: 1 });
  });

  it('a public app client: authorization code only, no secret, the console URL as redirect', () => {
    const client = template.findResources('AWS::Cognito::UserPoolClient');
    const [props] = Object.values(client).map((c) => c.Properties);
    expect(props.GenerateSecret).toBe(false);
    expect(props.AllowedOAuthFlows).toEqual(['code']);
    expect(props.AllowedOAuthScopes.sort()).toEqual(['email', 'openid', 'profile']);
    const distribution = idOf('AWS::CloudFront::Distribution', 'EngineConsoleDistribution');
    expect(props.CallbackURLs).toEqual([{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/console/']] }]);
    expect(props.AccessTokenValidity).toBe(60);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('the authorizer checks tokens of that pool and client', () => {
    const authorizer = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('EngineAuthorizerFunction'))?.[1];
    const env = authorizer?.Properties.Environment.Variables;
    const issuer = JSON.stringify(env.FOLLOWUP_JWT_ISSUER);
    expect(issuer).toContain('https://cognito-idp.');
    expect(issuer).toContain(Object.keys(template.findResources('AWS::Cognito::UserPool'))[0]);
    expect(env.FOLLOWUP_JWT_AUDIENCE).toEqual({ Ref: Object.keys(template.findResources('AWS::Cognito::UserPoolClient'))[0] });
  });
});

describe('console: the static site', () => {
  it('a private bucket read by CloudFront through origin access control only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject', Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }) }),
    });
  });

  it('the strict Content-Security-Policy, no framing', () => {
    const [policy] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const headers = policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const part of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) expect(csp).toContain(part);
    expect(csp).not.toContain('unsafe-inline');
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
  });

  it('deploys the console and config.json under console/, and invalidates it', () => {
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployment?.Properties.DestinationBucketKeyPrefix).toBe('console/');
    expect(deployment?.Properties.DistributionPaths).toEqual(['/console/*']);
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    // config.json's deploy-time values: the client id, the sign-in domain and the API.
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    expect(markers).toContain('ConsoleClient');
    expect(markers).toContain('ConsoleLoginDomain');
    expect(markers).toContain('HttpApi');
  });

  it('CORS on the API for the console origin only, with the export headers exposed', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf('AWS::CloudFront::Distribution', 'EngineConsoleDistribution'), 'DomainName'] }]] }],
        AllowHeaders: ['authorization', 'content-type'],
        ExposeHeaders: ['x-next-cursor', 'link'],
      },
    });
  });

  it('prints the console URL and the user pool', () => {
    template.hasOutput('ConsoleUrl', {});
    template.hasOutput('ConsoleUserPoolId', {});
  });
});

describe('console: false', () => {
  it('adds no user pool, site or CORS, and the authorizer takes the API key only', () => {
    const { template: bare } = templateOf({ engine: { console: false } });
    bare.resourceCountIs('AWS::Cognito::UserPool', 0);
    bare.resourceCountIs('AWS::CloudFront::Distribution', 0);
    // Only the import bucket (infra/engine/imports.ts): no console site.
    bare.resourceCountIs('AWS::S3::Bucket', 1);
    expect(Object.keys(bare.findResources('AWS::S3::Bucket'))[0]).toMatch(/^EngineImportBucket/);
    const api = Object.values(bare.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
    const all = bare.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const authorizer = Object.entries(all).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('EngineAuthorizerFunction'))?.[1];
    expect(authorizer?.Properties.Environment.Variables.FOLLOWUP_JWT_ISSUER).toBeUndefined();
  });

  it('refuses a domain prefix Cognito would refuse, naming the prop', () => {
    for (const authDomainPrefix of ['Followup', 'my-aws-console', '-x', 'a_b']) {
      expect(() => synthStack({ engine: { console: { authDomainPrefix } } })).toThrow(FollowupEngineConfigError);
      expect(() => synthStack({ engine: { console: { authDomainPrefix } } })).toThrow(/console\.authDomainPrefix/);
    }
  });
});
