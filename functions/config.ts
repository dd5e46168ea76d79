/**
 * The process configuration: one zod-validated object per process, read from the
 * environment once. The same names are used in AWS (set by the CDK stack) and by
 * the embedded runtime (`npm start`). Schemas use zod/mini (see functions/zod.ts).
 */
import * as z from './zod.js';
import { WEBHOOK_EVENT_TYPES } from './domain/webhook-events.js';

const optional = z.optional(z.string().check(z.trim(), z.minLength(1)));
const positiveInt = () => z.coerce.number().check(z.int(), z.positive());

/** 1 MB: about 10,000 rows, answered well inside API Gateway's 30 s (handlers/api.ts MAX_ENROLLMENT_ROWS). */
export const DEFAULT_MAX_ENROLLMENT_BODY_BYTES = 1024 * 1024;

export const configSchema = z.object({
  TABLE_NAME: z._default(z.string().check(z.minLength(1)), 'followup'),
  /** Base URL for unsubscribe links, Twilio status callbacks and Twilio signature checks. */
  FOLLOWUP_PUBLIC_URL: z.url(),
  /**
   * Where Twilio posts SMS delivery statuses: the Twilio webhook function's URL in AWS (set
   * by the stack on the SMS worker); default `<FOLLOWUP_PUBLIC_URL>/webhooks/twilio/status`.
   */
  TWILIO_STATUS_CALLBACK_URL: z.optional(z.url()),
  /** Local: the secret itself. In AWS: FOLLOWUP_UNSUBSCRIBE_SECRET_ARN names a Secrets Manager secret. */
  FOLLOWUP_UNSUBSCRIBE_SECRET: optional,
  FOLLOWUP_UNSUBSCRIBE_SECRET_ARN: optional,
  /** Local: the admin key itself. In AWS the authorizer reads FOLLOWUP_API_KEY_SECRET_ARN. */
  FOLLOWUP_API_KEY: optional,
  FOLLOWUP_API_KEY_SECRET_ARN: optional,
  /**
   * Signed-in users (README "Sign-in and roles"): the token issuer (the Cognito user pool's
   * `https://cognito-idp.<region>.amazonaws.com/<pool id>`), its JWKS URL (default
   * `<issuer>/.well-known/jwks.json`) and the app client ids whose access tokens are accepted
   * (comma-separated). Without an issuer only the API key is accepted.
   */
  FOLLOWUP_JWT_ISSUER: z.optional(z.url()),
  FOLLOWUP_JWT_JWKS_URL: z.optional(z.url()),
  FOLLOWUP_JWT_AUDIENCE: optional,
  /** Twilio: a Secrets Manager secret holding {accountSid, authToken, from?, messagingServiceSid?} in AWS. */
  TWILIO_SECRET_ARN: optional,
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  /** Overrides Twilio's API base URL (the embedded runtime's local stub). */
  TWILIO_API_BASE_URL: optional,
  /**
   * EventBridge Scheduler targets: the touch queue of each channel (a schedule delivers to
   * its step's channel), the role schedules assume, their group and DLQ.
   */
  EMAIL_TOUCH_QUEUE_ARN: optional,
  SMS_TOUCH_QUEUE_ARN: optional,
  SCHEDULER_ROLE_ARN: optional,
  SCHEDULE_GROUP_NAME: z._default(z.string().check(z.minLength(1)), 'followup'),
  SCHEDULER_DLQ_ARN: optional,
  SES_CONFIGURATION_SET: optional,
  /** Replies come back to reply+<token>@REPLY_DOMAIN. */
  REPLY_DOMAIN: optional,
  /** SES puts `<MessageId@DOMAIN>` into the Message-ID header; used to thread follow-ups. */
  SES_MESSAGE_ID_DOMAIN: z._default(z.string().check(z.minLength(1)), 'email.amazonses.com'),
  /** Region assumed for phone numbers written without a country code. */
  DEFAULT_PHONE_REGION: z._default(z.string().check(z.length(2)), 'US'),
  /** Only when every sequence lacks one: the zone for prospects whose zone is unknown. */
  DEFAULT_TIMEZONE: z._default(z.string().check(z.minLength(1)), 'America/New_York'),
  /** Seconds a touch claim is held before a retry may take it over. */
  TOUCH_CLAIM_LEASE_SECONDS: z._default(positiveInt(), 300),
  /** Touches one person may get per channel and local day across concurrent sequences (README "Enrollment rules"). */
  TOUCHES_PER_PERSON_PER_DAY: z._default(positiveInt(), 1),
  /** Largest enrollment request body (bytes); larger answers 413 naming /imports (README "Imports"). */
  MAX_ENROLLMENT_BODY_BYTES: z._default(positiveInt(), DEFAULT_MAX_ENROLLMENT_BODY_BYTES),
  POWERTOOLS_SERVICE_NAME: z._default(z.string(), 'followup'),
  /** How long a secret read from Secrets Manager is kept before it is read again (rotation takes effect). */
  FOLLOWUP_SECRETS_MAX_AGE_SECONDS: z._default(positiveInt(), 300),
  /** Sender of mail the engine writes itself (forwarded replies); an address at the SES sending domain. */
  FOLLOWUP_FROM_EMAIL: optional,
  /**
   * Provider send rates (messages per second) and each channel queue's maximum worker
   * concurrency, set by the CDK stack: one worker instance paces its sends at
   * rate / concurrency (adapters/send-pacer.ts), so together they stay under the rate.
   */
  SES_MAX_SEND_RATE: z.optional(z.coerce.number().check(z.positive())),
  TWILIO_MAX_SEND_RATE: z.optional(z.coerce.number().check(z.positive())),
  EMAIL_TOUCH_CONCURRENCY: z.optional(positiveInt()),
  SMS_TOUCH_CONCURRENCY: z.optional(positiveInt()),
  /**
   * Outbound webhook endpoints, JSON: `[{"id": "crm", "url": "https://…", "events": ["replied", …],
   * "secretArn": "arn:…"}]` (in AWS, the signing secret stays in Secrets Manager; locally
   * `"secret": "…"` may be given inline). Checked by `webhookEndpointsOf`.
   */
  FOLLOWUP_WEBHOOKS: optional,
  /** The EventBridge bus webhook events are published to (AWS); none: no webhooks. */
  WEBHOOK_BUS_NAME: optional,
  /** Delivery attempts of one event to one endpoint before it is recorded as failed. */
  WEBHOOK_MAX_ATTEMPTS: z._default(positiveInt(), 8),
  /** Import jobs (README "Imports"): the bucket of uploads and results, and the queue of chunks. */
  IMPORT_BUCKET: optional,
  IMPORT_QUEUE_URL: optional,
  /**
   * CreateSchedule calls per second this container may make (its share of the account's
   * Scheduler quota: the import workers' maximum concurrency × this stays under it). Unset:
   * no limit beyond the throttle retries.
   */
  SCHEDULE_CREATE_RATE: z.optional(z.coerce.number().check(z.positive())),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const webhookEndpointSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'id: 1–32 lower-case letters, digits and dashes' })),
  url: z.url({ protocol: /^https?$/, error: 'url: an http(s) URL' }),
  events: z.optional(z.array(z.enum(WEBHOOK_EVENT_TYPES, { error: `events: each one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))),
  secret: z.optional(z.string().check(z.minLength(16, { error: 'secret: at least 16 characters' }))),
  secretArn: z.optional(z.string().check(z.minLength(1))),
});
export type WebhookEndpointConfig = z.infer<typeof webhookEndpointSchema>;

/** FOLLOWUP_WEBHOOKS, checked: a bad entry fails with one line naming it. */
export function webhookEndpointsOf(cfg: Pick<Config, 'FOLLOWUP_WEBHOOKS'>): WebhookEndpointConfig[] {
  if (!cfg.FOLLOWUP_WEBHOOKS) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(cfg.FOLLOWUP_WEBHOOKS);
  } catch {
    throw new ConfigError('Invalid configuration: FOLLOWUP_WEBHOOKS: not JSON (expected [{"id": "crm", "url": "https://…", "secret": "…"}])');
  }
  const parsed = z.array(webhookEndpointSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: FOLLOWUP_WEBHOOKS[${String(issue?.path[0] ?? 0)}]: ${issue?.message ?? 'invalid'}`);
  }
  const ids = new Set<string>();
  for (const endpoint of parsed.data) {
    if (ids.has(endpoint.id)) throw new ConfigError(`Invalid configuration: FOLLOWUP_WEBHOOKS: id "${endpoint.id}" is used twice`);
    if (!endpoint.secret && !endpoint.secretArn) throw new ConfigError(`Invalid configuration: FOLLOWUP_WEBHOOKS: endpoint "${endpoint.id}" needs a secret or a secretArn`);
    ids.add(endpoint.id);
  }
  return parsed.data;
}

/** Parses the environment; a bad value fails with one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') ?? 'configuration';
    throw new ConfigError(`Invalid configuration: ${key}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
