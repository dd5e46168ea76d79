import * as cdk from 'aws-cdk-lib/core';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { FollowupEngine, FOLLOWUP_ENGINE_DEFAULTS } from 'followup';

/**
 * A platform team's stack that already has its own AwsCustomResource (the engine's
 * receipt rule set activation uses its own provider, not this stack's shared role),
 * brings its own KMS key, serves the API on its own domain and tags everything.
 */
export class PlatformStack extends cdk.Stack {
  public readonly engine: FollowupEngine;

  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    new cr.AwsCustomResource(this, 'LookUpSomething', {
      onCreate: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: '/platform/flag' },
        physicalResourceId: cr.PhysicalResourceId.of('platform-flag'),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });

    const key = new kms.Key(this, 'PlatformKey', { enableKeyRotation: true });
    const certificate = acm.Certificate.fromCertificateArn(
      this,
      'ApiCertificate',
      'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
    );

    this.engine = new FollowupEngine(this, 'Followup', {
      sendingDomain: 'mail.acme.example',
      replyDomain: 'reply.acme.example',
      encryptionKey: key,
      domainName: 'followup.acme.example',
      certificate,
      alarmEmail: 'oncall@acme.example',
      sesMaxSendRate: FOLLOWUP_ENGINE_DEFAULTS.sesMaxSendRate * 2,
      // Replies, opt-outs, conversions… signed and POSTed to the CRM (the secret is created beforehand).
      webhooks: [{ id: 'crm', url: 'https://crm.acme.example/hooks/followup', secretName: 'platform/followup-webhooks', events: ['replied', 'opted_out', 'converted'] }],
      tags: { team: 'growth', 'cost-center': '4711' },
    });

    new cdk.CfnOutput(this, 'FollowupApiUrl', { value: this.engine.apiUrl });
  }
}
