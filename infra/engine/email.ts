/**
 * SES: the configuration set (events to EventBridge), the identities, and, with a reply
 * domain, the inbound pipeline: receipt rule set → encrypted SNS topic (raw MIME) →
 * inbound handler, plus the rule set's activation.
 */
import { Aws, CfnCondition, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { FOLLOWUP_RECEIPT_RULE_PREFIX, ReceiptRuleSetActivation, type ReceiptRuleSetActivationProps } from '../receipt-rule-set/activation.js';
import type { EngineKeys } from './encryption.js';

/**
 * The SES sending events the engine handles (handlers/ses-events.ts), as configuration-set
 * event types and EventBridge detail types. Only these: every event published is a Lambda
 * invocation. Not Send (the touch worker records the send), not Delivery Delay (SES keeps
 * retrying on its own and a delay changes nothing; the Delivery or Bounce that follows
 * does), not Rendering Failure or Subscription (no SES templates or topics are used).
 */
export const SES_EVENTS = [
  { event: ses.EmailSendingEvent.BOUNCE, detailType: 'Email Bounced' },
  { event: ses.EmailSendingEvent.COMPLAINT, detailType: 'Email Complaint Received' },
  { event: ses.EmailSendingEvent.DELIVERY, detailType: 'Email Delivered' },
  { event: ses.EmailSendingEvent.OPEN, detailType: 'Email Opened' },
  { event: ses.EmailSendingEvent.CLICK, detailType: 'Email Clicked' },
  { event: ses.EmailSendingEvent.REJECT, detailType: 'Email Rejected' },
] as const;

export interface EngineEmail {
  readonly configurationSet: ses.ConfigurationSet;
  /** Undefined when `manageEmailIdentity` is false. */
  readonly emailIdentity?: ses.EmailIdentity;
  /** Identity of a reply domain distinct from the sending domain (managed identities only). */
  readonly replyIdentity?: ses.EmailIdentity;
  /** Identities and configuration set `ses:SendEmail` may use. */
  readonly sendEmailResources: string[];
  /** Domain of the Message-ID header SES stamps (region-dependent). */
  readonly messageIdDomain: string;
}

export function buildEmail(scope: Construct, props: ResolvedEngineProps): EngineEmail {
  const stack = Stack.of(scope);
  const configurationSet = new ses.ConfigurationSet(scope, 'ConfigurationSet', {
    reputationMetrics: true,
    sendingEnabled: true,
    suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
  });
  // SES can only publish sending events to the default bus.
  const defaultBus = events.EventBus.fromEventBusName(scope, 'DefaultEventBus', 'default');
  configurationSet.addEventDestination('ToEventBridge', {
    destination: ses.EventDestination.eventBus(defaultBus),
    events: SES_EVENTS.map(({ event }) => event),
  });
  const identity = (id: string, domain: string) =>
    new ses.EmailIdentity(scope, id, {
      identity: ses.Identity.domain(domain),
      dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
      // Mail sent without naming a configuration set still reports its events.
      configurationSet,
    });
  const emailIdentity = props.manageEmailIdentity ? identity('SendingIdentity', props.sendingDomain) : undefined;
  // SES receives only for verified domains, so a distinct reply domain gets its own identity.
  const replyIdentityDomain =
    props.replyDomain !== undefined && props.replyDomain.toLowerCase() !== props.sendingDomain.toLowerCase()
      ? props.replyDomain
      : undefined;
  const replyIdentity =
    replyIdentityDomain !== undefined && props.manageEmailIdentity ? identity('ReplyIdentity', replyIdentityDomain) : undefined;
  const identityArn = (domain: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain });
  const sendEmailResources = [
    identityArn(props.sendingDomain),
    ...(replyIdentityDomain !== undefined ? [identityArn(replyIdentityDomain)] : []),
    stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
  ];
  return {
    configurationSet,
    ...(emailIdentity ? { emailIdentity } : {}),
    ...(replyIdentity ? { replyIdentity } : {}),
    sendEmailResources,
    messageIdDomain: sesMessageIdDomain(scope),
  };
}

/** SES stamps `<id@email.amazonses.com>` in us-east-1 and `<id@<region>.amazonses.com>` elsewhere. */
function sesMessageIdDomain(scope: Construct): string {
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region)) return region === 'us-east-1' ? 'email.amazonses.com' : `${region}.amazonses.com`;
  // Environment-agnostic synth (no credentials): decide at deploy time.
  const isUsEast1 = new CfnCondition(scope, 'IsUsEast1', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
  return Fn.conditionIf(isUsEast1.logicalId, 'email.amazonses.com', `${Aws.REGION}.amazonses.com`).toString();
}

/** SES sending events of our configuration set (default bus) → the events handler. */
export function routeSesEvents(scope: Construct, email: EngineEmail, handler: lambda.IFunction, deadLetterQueue: sqs.IQueue): events.Rule {
  return new events.Rule(scope, 'SesEventsRule', {
    description: 'Followup: SES sending events of the Followup configuration set',
    eventPattern: {
      source: ['aws.ses'],
      detailType: SES_EVENTS.map(({ detailType }) => detailType),
      // Other applications in the account may use SES too: only our configuration set.
      detail: { mail: { tags: { 'ses:configuration-set': [email.configurationSet.configurationSetName] } } },
    },
    targets: [new targets.LambdaFunction(handler, { deadLetterQueue, maxEventAge: Duration.hours(24), retryAttempts: 185 })],
  });
}

export interface EngineInbound {
  /** Raw inbound mail (base64 MIME), encrypted with the topic key. */
  readonly topic: sns.Topic;
  readonly ruleSet: ses.ReceiptRuleSet;
  readonly activation?: ReceiptRuleSetActivation;
}

/** Receipt rule set -> encrypted SNS topic (raw MIME, base64) -> inbound handler, plus its activation. */
export function buildInbound(
  scope: Construct,
  props: ResolvedEngineProps & { readonly replyDomain: string },
  keys: EngineKeys,
  handler: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
  activationSettings: Omit<ReceiptRuleSetActivationProps, 'ruleSet'>,
): EngineInbound {
  const topic = new sns.Topic(scope, 'InboundEmailTopic', {
    displayName: 'Followup inbound email',
    enforceSSL: true,
    // Raw reply MIME (addresses, bodies): encrypted at rest with a key SES may use.
    masterKey: keys.topicKey,
  });
  // SES publishes with its service principal; only on behalf of this account.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowSesPublish',
      principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
  topic.addSubscription(new subscriptions.LambdaSubscription(handler, { deadLetterQueue }));

  const ruleSet = new ses.ReceiptRuleSet(scope, 'ReceiptRuleSet', {
    rules: [
      {
        // Named, so the activation handler can tell a Followup rule set from any other.
        receiptRuleName: `${FOLLOWUP_RECEIPT_RULE_PREFIX}${Stack.of(scope).stackName}`.slice(0, 64),
        recipients: [props.replyDomain],
        // Spam and virus verdicts arrive as headers; the handler ignores failed mail.
        scanEnabled: true,
        // SNS notifications carry the whole message; SES bounces mail over 150 KB here.
        actions: [new sesActions.Sns({ topic, encoding: sesActions.EmailEncoding.BASE64 })],
      },
    ],
  });
  const policy = topic.node.tryFindChild('Policy');
  if (policy) ruleSet.node.addDependency(policy);
  if (!props.activateReceiptRuleSet) return { topic, ruleSet };
  const activation = new ReceiptRuleSetActivation(scope, 'ActivateReceiptRuleSet', { ...activationSettings, ruleSet });
  return { topic, ruleSet, activation };
}
