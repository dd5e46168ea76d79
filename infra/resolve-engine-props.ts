/**
 * The up-front check of `FollowupEngineProps`: fills the defaults and turns a wrong prop
 * into ONE `FollowupEngineConfigError` naming it, before any resource is created.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import { ROUTES, type RouteKey } from '../functions/routes.js';
import { WEBHOOK_EVENT_TYPES } from '../functions/domain/webhook-events.js';
import {
  FOLLOWUP_ENGINE_DEFAULTS,
  FollowupEngineConfigError,
  LOG_LEVELS,
  type FollowupEngineProps,
} from './engine-props.js';
import { HANDLERS, type HandlerName } from './handlers.js';
import { BUNDLE_ENTRIES, PACKAGE_ROOT, type LambdaCodeSource } from './lambda-code.js';
import type { RouteThrottle } from './route-throttles.js';
import { MAX_WORKER_CONCURRENCY, MIN_WORKER_CONCURRENCY, workerConcurrencyFor } from './touch-sizing.js';

/** Props with every default filled in: what the builders read. */
export type ResolvedEngineProps = ReturnType<typeof resolveEngineProps>;

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const known = (value: unknown): boolean => !Token.isUnresolved(value);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Fills the defaults and checks every prop; throws `FollowupEngineConfigError` on the first bad one. */
export function resolveEngineProps(props: FollowupEngineProps, lambdaCodeDefault: LambdaCodeSource) {
  const fail = (prop: keyof FollowupEngineProps | `${string}.${string}`, problem: string): never => {
    throw new FollowupEngineConfigError(prop, problem);
  };
  const got = (value: unknown) => `(got ${JSON.stringify(value)})`;
  const d = FOLLOWUP_ENGINE_DEFAULTS;

  if (typeof props.sendingDomain !== 'string' || (known(props.sendingDomain) && !DOMAIN.test(props.sendingDomain))) {
    fail('sendingDomain', `must be a domain name verified in SES, e.g. "mail.example.com" ${got(props.sendingDomain)}`);
  }
  const fromAddress = props.fromAddress ?? `followup@${props.sendingDomain}`;
  if (known(fromAddress) && known(props.sendingDomain)) {
    if (!EMAIL.test(fromAddress)) fail('fromAddress', `must be an email address ${got(fromAddress)}`);
    const host = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
    const domain = props.sendingDomain.toLowerCase();
    if (host !== domain && !host.endsWith(`.${domain}`)) {
      fail('fromAddress', `must be an address at ${props.sendingDomain} (the SES-verified sending domain) ${got(fromAddress)}`);
    }
  }
  if (props.replyDomain !== undefined && known(props.replyDomain) && !DOMAIN.test(props.replyDomain)) {
    fail('replyDomain', `must be a domain name whose MX points at SES ${got(props.replyDomain)}`);
  }
  const twilioSecretName = props.twilioSecretName ?? d.twilioSecretName;
  if (known(twilioSecretName) && !SECRET_NAME.test(twilioSecretName)) {
    fail('twilioSecretName', `must be a Secrets Manager secret name (letters, digits, /_+=.@-) ${got(twilioSecretName)}`);
  }
  const secretsMaxAge = props.secretsMaxAge ?? d.secretsMaxAge;
  const maxAgeSeconds = secretsMaxAge.toSeconds();
  if (!(maxAgeSeconds >= 1 && maxAgeSeconds <= 3600)) fail('secretsMaxAge', `must be between 1 second and 1 hour (got ${maxAgeSeconds} s)`);

  const rate = (prop: 'sesMaxSendRate' | 'twilioMaxSendRate', value: number) => {
    if (!(Number.isFinite(value) && value > 0 && value <= 10_000)) {
      fail(prop, `must be a number of messages per second above 0 and at most 10000 ${got(value)}`);
    }
    return value;
  };
  const sesMaxSendRate = rate('sesMaxSendRate', props.sesMaxSendRate ?? d.sesMaxSendRate);
  const twilioMaxSendRate = rate('twilioMaxSendRate', props.twilioMaxSendRate ?? d.twilioMaxSendRate);
  const touchBatchSize = props.touchBatchSize ?? d.touchBatchSize;
  if (!Number.isInteger(touchBatchSize) || touchBatchSize < 1 || touchBatchSize > 10) {
    fail('touchBatchSize', `must be a whole number from 1 to 10 ${got(touchBatchSize)}`);
  }
  const concurrency = (prop: 'emailWorkerMaxConcurrency' | 'smsWorkerMaxConcurrency', given: number | undefined, rate: number) => {
    const value = given ?? workerConcurrencyFor(rate, touchBatchSize);
    if (!Number.isInteger(value) || value < MIN_WORKER_CONCURRENCY || value > MAX_WORKER_CONCURRENCY) {
      fail(prop, `must be a whole number from 2 to 1000 (SQS event source limits) ${got(value)}`);
    }
    return value;
  };
  const touchWorkerConcurrency = {
    email: concurrency('emailWorkerMaxConcurrency', props.emailWorkerMaxConcurrency, sesMaxSendRate),
    sms: concurrency('smsWorkerMaxConcurrency', props.smsWorkerMaxConcurrency, twilioMaxSendRate),
  } as const;
  const importWorkerMaxConcurrency = props.importWorkerMaxConcurrency ?? d.importWorkerMaxConcurrency;
  if (!Number.isInteger(importWorkerMaxConcurrency) || importWorkerMaxConcurrency < MIN_WORKER_CONCURRENCY || importWorkerMaxConcurrency > MAX_WORKER_CONCURRENCY) {
    fail('importWorkerMaxConcurrency', `must be a whole number from 2 to 1000 (SQS event source limits) ${got(importWorkerMaxConcurrency)}`);
  }
  const importSchedulesPerSecond = props.importSchedulesPerSecond ?? d.importSchedulesPerSecond;
  if (!(Number.isFinite(importSchedulesPerSecond) && importSchedulesPerSecond >= 1 && importSchedulesPerSecond <= 100_000)) {
    fail('importSchedulesPerSecond', `must be a number of CreateSchedule calls per second from 1 to 100000 ${got(importSchedulesPerSecond)}`);
  }
  const defaultTimezone = props.defaultTimezone ?? d.defaultTimezone;
  if (!isTimeZone(defaultTimezone)) fail('defaultTimezone', `must be an IANA time zone, e.g. "Europe/Paris" ${got(defaultTimezone)}`);
  const defaultPhoneRegion = props.defaultPhoneRegion ?? d.defaultPhoneRegion;
  if (!/^[A-Z]{2}$/.test(defaultPhoneRegion)) {
    fail('defaultPhoneRegion', `must be a two-letter ISO 3166 country code in capitals ${got(defaultPhoneRegion)}`);
  }
  if (props.alarmEmail !== undefined && known(props.alarmEmail) && !EMAIL.test(props.alarmEmail)) {
    fail('alarmEmail', `must be an email address ${got(props.alarmEmail)}`);
  }
  if (props.publicUrl !== undefined && known(props.publicUrl) && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(props.publicUrl)) {
    fail('publicUrl', `must be an https:// URL ${got(props.publicUrl)}`);
  }
  if (props.domainName !== undefined) {
    if (known(props.domainName) && !DOMAIN.test(props.domainName)) fail('domainName', `must be a domain name ${got(props.domainName)}`);
    if (props.certificate === undefined) fail('certificate', 'is required with "domainName" (an ACM certificate for it, in the stack\'s region)');
  } else if (props.certificate !== undefined) {
    fail('domainName', 'is required with "certificate" (the custom domain the certificate is for)');
  }
  const logLevel = props.logLevel ?? d.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) fail('logLevel', `must be one of ${LOG_LEVELS.join(', ')} ${got(logLevel)}`);

  const threshold = (prop: 'bounceRateAlarmThreshold' | 'complaintRateAlarmThreshold', value: number) => {
    if (!(value > 0 && value < 1)) fail(prop, `must be a rate between 0 and 1, e.g. 0.04 for 4 % ${got(value)}`);
    return value;
  };
  const apiThrottle = props.apiThrottle ?? d.apiThrottle;
  checkThrottle('apiThrottle', apiThrottle, fail);
  const routeThrottles = { ...d.routeThrottles } as Record<RouteKey, RouteThrottle>;
  for (const [key, value] of Object.entries(props.routeThrottles ?? {})) {
    if (!Object.hasOwn(ROUTES, key)) {
      fail('routeThrottles', `has an unknown route "${key}"; routes are the keys of ROUTES in functions/routes.ts`);
    }
    checkThrottle(`routeThrottles.${key}`, value as RouteThrottle, fail);
    routeThrottles[key as RouteKey] = value as RouteThrottle;
  }
  const tags = props.tags ?? d.tags;
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      fail('tags', `has an invalid key ${JSON.stringify(key)} (1 to 128 characters, not starting with "aws:")`);
    }
    if (typeof value !== 'string' || value.length > 256) fail(`tags.${key}`, 'must be a string of at most 256 characters');
  }
  const webhooks = props.webhooks ?? d.webhooks;
  const webhookIds = new Set<string>();
  webhooks.forEach((endpoint, index) => {
    const at = `webhooks.${index}` as const;
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(endpoint.id)) fail(`${at}.id` as never, `must be 1–32 lower-case letters, digits and dashes ${got(endpoint.id)}`);
    if (webhookIds.has(endpoint.id)) fail(`${at}.id` as never, `is used by an earlier endpoint ${got(endpoint.id)}`);
    webhookIds.add(endpoint.id);
    if (known(endpoint.url) && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(endpoint.url)) fail(`${at}.url` as never, `must be an https:// URL ${got(endpoint.url)}`);
    if (known(endpoint.secretName) && !SECRET_NAME.test(endpoint.secretName)) fail(`${at}.secretName` as never, `must be a Secrets Manager secret name ${got(endpoint.secretName)}`);
    for (const type of endpoint.events ?? []) {
      if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) fail(`${at}.events` as never, `has an unknown event type ${got(type)}; use ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  });
  const webhookMaxAttempts = props.webhookMaxAttempts ?? d.webhookMaxAttempts;
  if (!Number.isInteger(webhookMaxAttempts) || webhookMaxAttempts < 1 || webhookMaxAttempts > 100) {
    fail('webhookMaxAttempts', `must be a whole number from 1 to 100 ${got(webhookMaxAttempts)}`);
  }
  const lambdaCode = props.lambdaCode ?? lambdaCodeDefault;
  const bundleAwsSdk = props.bundleAwsSdk ?? d.bundleAwsSdk;
  if (bundleAwsSdk && lambdaCode === 'prebuilt') {
    fail('bundleAwsSdk', 'needs lambdaCode: "esbuild" (the prebuilt bundles leave the AWS SDK to the Lambda runtime)');
  }
  if (props.handlersDir !== undefined && lambdaCode === 'prebuilt') {
    fail('handlersDir', 'needs lambdaCode: "esbuild" (the prebuilt bundles are built from the package\'s own handlers)');
  }
  if (lambdaCode === 'esbuild') {
    for (const name of Object.keys(HANDLERS) as HandlerName[]) {
      const entry = props.handlersDir !== undefined ? path.join(props.handlersDir, HANDLERS[name].file) : path.join(PACKAGE_ROOT, BUNDLE_ENTRIES[name]);
      if (existsSync(entry)) continue;
      if (props.handlersDir !== undefined) fail('handlersDir', `must hold the handler entry files; ${entry} does not exist`);
      fail('lambdaCode', `"esbuild" bundles the TypeScript handlers, and ${entry} does not exist (the package ships bundles): use "prebuilt"`);
    }
  }

  const twilioStatusCallbacks = props.twilioStatusCallbacks ?? d.twilioStatusCallbacks;
  if (twilioStatusCallbacks !== 'functionUrl' && twilioStatusCallbacks !== 'httpApi') {
    fail('twilioStatusCallbacks', `must be 'functionUrl' or 'httpApi', got ${JSON.stringify(twilioStatusCallbacks)}`);
  }

  return {
    ...props,
    fromAddress,
    manageEmailIdentity: props.manageEmailIdentity ?? d.manageEmailIdentity,
    activateReceiptRuleSet: props.activateReceiptRuleSet ?? d.activateReceiptRuleSet,
    twilioSecretName,
    secretsMaxAge,
    sesMaxSendRate,
    twilioMaxSendRate,
    touchWorkerConcurrency,
    touchBatchSize,
    importWorkerMaxConcurrency,
    importSchedulesPerSecond,
    defaultTimezone,
    defaultPhoneRegion,
    removalPolicy: props.removalPolicy ?? d.removalPolicy,
    deletionProtection: props.deletionProtection ?? d.deletionProtection,
    logRetention: props.logRetention ?? d.logRetention,
    logLevel,
    apiThrottle,
    routeThrottles,
    twilioStatusCallbacks,
    tracing: props.tracing ?? d.tracing,
    dashboard: props.dashboard ?? d.dashboard,
    console: resolveConsole(props.console, fail),
    bundleAwsSdk,
    bounceRateAlarmThreshold: threshold('bounceRateAlarmThreshold', props.bounceRateAlarmThreshold ?? d.bounceRateAlarmThreshold),
    complaintRateAlarmThreshold: threshold(
      'complaintRateAlarmThreshold',
      props.complaintRateAlarmThreshold ?? d.complaintRateAlarmThreshold,
    ),
    tags,
    webhooks,
    webhookMaxAttempts,
    lambdaCode,
  } as const;
}

export interface ResolvedConsoleProps {
  readonly authDomainPrefix?: string;
  readonly assetsDir?: string;
  readonly mfa: 'optional' | 'required';
}

function resolveConsole(
  value: FollowupEngineProps['console'],
  fail: (prop: keyof FollowupEngineProps | `${string}.${string}`, problem: string) => never,
): ResolvedConsoleProps | undefined {
  if (value === false) return undefined;
  const given = value ?? {};
  const prefix = given.authDomainPrefix;
  if (prefix !== undefined && (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) || /aws|amazon|cognito/.test(prefix))) {
    fail('console.authDomainPrefix', `must be 1-63 lower-case letters, digits and hyphens, without "aws", "amazon" or "cognito" (got ${JSON.stringify(prefix)})`);
  }
  const mfa = given.mfa ?? FOLLOWUP_ENGINE_DEFAULTS.console.mfa;
  if (mfa !== 'optional' && mfa !== 'required') fail('console.mfa', `must be 'optional' or 'required' (got ${JSON.stringify(mfa)})`);
  const assetsDir = given.assetsDir ?? defaultConsoleAssets();
  return { ...(prefix !== undefined ? { authDomainPrefix: prefix } : {}), ...(assetsDir ? { assetsDir } : {}), mfa };
}

/** `web/dist` of this package, when the console was built. */
function defaultConsoleAssets(): string | undefined {
  const dir = path.join(PACKAGE_ROOT, 'web', 'dist');
  return existsSync(dir) ? dir : undefined;
}

function checkThrottle(prop: string, value: RouteThrottle, fail: (prop: never, problem: string) => never): void {
  for (const field of ['rateLimit', 'burstLimit'] as const) {
    const limit = value[field];
    if (limit !== undefined && !(Number.isFinite(limit) && limit >= 0)) {
      fail(prop as never, `.${field} must be a number of requests, 0 or more (got ${JSON.stringify(limit)})`);
    }
  }
}
