/**
 * The deployable stack: a thin shell around `FollowupEngine` that adds the outputs an
 * operator needs after `cdk deploy` (URLs to paste into Twilio, secret names, DNS).
 */
import { CfnOutput, Fn, Stack, Aws, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FollowupEngine, type FollowupEngineProps } from './followup-engine.js';

export interface FollowupStackProps extends StackProps {
  /** Everything the engine needs; see `FollowupEngineProps`. */
  readonly engine: FollowupEngineProps;
}

export class FollowupStack extends Stack {
  public readonly engine: FollowupEngine;

  constructor(scope: Construct, id: string, props: FollowupStackProps) {
    super(scope, id, {
      description: 'Followup: serverless multi-channel follow-up sequences (email + SMS)',
      ...props,
    });
    const engine = new FollowupEngine(this, 'Engine', props.engine);
    this.engine = engine;

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', engine.apiUrl, 'Base URL of the Followup API (admin routes need Authorization: Bearer <api key>)');
    output(
      'TwilioSmsWebhookUrl',
      engine.twilioSmsWebhookUrl,
      'Twilio: phone number or Messaging Service > "A message comes in" > Webhook, HTTP POST',
    );
    output(
      'TwilioStatusCallbackUrl',
      engine.twilioStatusWebhookUrl,
      'Twilio: Messaging Service > Delivery Status Callback (the worker also sets it on every message)',
    );
    output('UnsubscribeBaseUrl', engine.unsubscribeBaseUrl, 'Unsubscribe links are this URL followed by a signed token');
    if (engine.console) {
      output('ConsoleUrl', engine.console.consoleUrl, 'The web console (sign in with a user of the user pool below)');
      output('ConsoleUserPoolId', engine.console.userPool.userPoolId, 'Cognito user pool: create users and add them to the editor or viewer group');
      output('ConsoleSignInDomain', engine.console.userPoolDomain.baseUrl(), 'Managed login pages of the console');
    }
    output('ApiKeySecretName', engine.apiKeySecret.secretName, 'Secrets Manager secret holding the admin API key');
    output('UnsubscribeSecretName', engine.unsubscribeSecret.secretName, 'Secrets Manager secret signing unsubscribe links');
    output('TwilioSecretName', engine.twilioSecret.secretName, 'Secrets Manager secret you create with the Twilio credentials');
    output(
      'AuthorizerFunctionName',
      engine.functions.authorizer.functionName,
      'Lambda authorizer (update its configuration to drop cached API keys after a rotation)',
    );
    if (engine.touchDeadLetterQueue) {
      output('TouchDeadLetterQueueUrl', engine.touchDeadLetterQueue.queueUrl, 'Touches that failed repeatedly (redrive after fixing the cause)');
    }
    output('AlarmTopicArn', engine.alarms.topic.topicArn, 'SNS topic receiving the Followup alarms');
    if (engine.dashboard) {
      output(
        'DashboardUrl',
        Fn.join('', ['https://console.aws.amazon.com/cloudwatch/home?region=', Aws.REGION, '#dashboards:name=', engine.dashboard.dashboardName]),
        'CloudWatch dashboard of the engine',
      );
    }
    if (engine.apiDomain) {
      output('ApiDomainTarget', engine.apiDomain.regionalDomainName, 'Custom domain: point a CNAME (or alias) record at this name');
    }
    output('TableName', engine.table.tableName, 'DynamoDB table');
    output('ConfigurationSetName', engine.configurationSet.configurationSetName, 'SES configuration set');
    output('ScheduleGroupName', engine.scheduleGroup.scheduleGroupName, 'EventBridge Scheduler group of pending touches');
    engine.emailIdentity?.dkimRecords.forEach((record, index) => {
      output(`DkimRecord${index + 1}`, Fn.join(' ', [record.name, 'CNAME', record.value]), 'Sending domain: DNS record for SES Easy DKIM');
    });
    engine.replyIdentity?.dkimRecords.forEach((record, index) => {
      output(`ReplyDkimRecord${index + 1}`, Fn.join(' ', [record.name, 'CNAME', record.value]), 'Reply domain: DNS record for SES Easy DKIM');
    });
    if (engine.receiptRuleSet) {
      output(
        'ReplyDomainMxRecord',
        Fn.join('', ['10 inbound-smtp.', Aws.REGION, '.amazonaws.com']),
        'MX record value for the reply domain',
      );
    }
  }
}
