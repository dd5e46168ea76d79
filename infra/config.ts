/**
 * Deployment configuration: read from `cdk.json` context or `-c key=value`, validated
 * with zod at synth time. A missing or malformed value fails `cdk synth` with ONE line
 * naming the key and showing an example, before any construct is built.
 */
import { z } from 'zod';

/** Example for every key, used in error messages and mirrored in cdk.json / docs. */
export const CONTEXT_EXAMPLES = {
  sendingDomain: 'mail.example.com',
  fromAddress: 'sales@mail.example.com',
  replyDomain: 'reply.example.com',
  twilioSecretName: 'followup/twilio',
  sesMaxSendRate: '14',
  twilioMaxSendRate: '1',
  defaultTimezone: 'America/New_York',
  defaultPhoneRegion: 'US',
  alarmEmail: 'ops@example.com',
  publicUrl: 'https://followup.example.com',
  manageEmailIdentity: 'false',
  activateReceiptRuleSet: 'false',
  stackName: 'FollowupStaging',
} as const;

export type ContextKey = keyof typeof CONTEXT_EXAMPLES;

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
// Secrets Manager secret names: letters, digits and /_+=.@- only, at most 512 characters.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** `-c key=` (empty) means "not set", like leaving the key out. */
const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;

/** `true`/`false` from cdk.json, or the strings "true"/"false" from `-c`. */
const flag = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === 'true' ? true : value === 'false' ? false : value),
    z.boolean({ error: 'expected true or false' }).default(fallback),
  );

const domain = (what: string) => z.string({ error: `expected ${what}` }).regex(DOMAIN, `expected ${what}`);
const rate = (max: number) =>
  z.coerce
    .number({ error: 'expected a number of messages per second' })
    .positive('expected a number of messages per second greater than 0')
    .max(max, `expected at most ${max} messages per second`);

export const contextSchema = z
  .object({
    sendingDomain: z.preprocess(blankToUndefined, domain('a domain name verified in SES')),
    fromAddress: z.preprocess(blankToUndefined, z.email('expected an email address').optional()),
    replyDomain: z.preprocess(blankToUndefined, domain('a domain name whose MX points at SES').optional()),
    twilioSecretName: z.preprocess(
      blankToUndefined,
      z
        .string({ error: 'expected the name of a Secrets Manager secret' })
        .regex(SECRET_NAME, 'expected a Secrets Manager secret name (letters, digits, /_+=.@-)'),
    ),
    sesMaxSendRate: z.preprocess(blankToUndefined, rate(10_000).default(14)),
    twilioMaxSendRate: z.preprocess(blankToUndefined, rate(10_000).default(1)),
    defaultTimezone: z.preprocess(
      blankToUndefined,
      z.string().refine(isTimeZone, 'expected an IANA time zone').default('America/New_York'),
    ),
    defaultPhoneRegion: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[A-Z]{2}$/, 'expected a two-letter ISO 3166 country code in capitals')
        .default('US'),
    ),
    alarmEmail: z.preprocess(blankToUndefined, z.email('expected an email address').optional()),
    publicUrl: z.preprocess(
      blankToUndefined,
      z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).optional(),
    ),
    manageEmailIdentity: z.preprocess(blankToUndefined, flag(true)),
    activateReceiptRuleSet: z.preprocess(blankToUndefined, flag(true)),
    stackName: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'expected a CloudFormation stack name (letters, digits, hyphens)')
        .default('Followup'),
    ),
  })
  .superRefine((value, ctx) => {
    // SES only lets us send from the verified domain (or its subdomains).
    if (value.fromAddress !== undefined) {
      const host = value.fromAddress.slice(value.fromAddress.lastIndexOf('@') + 1).toLowerCase();
      const domainName = value.sendingDomain.toLowerCase();
      if (host !== domainName && !host.endsWith(`.${domainName}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fromAddress'],
          message: `expected an address at ${value.sendingDomain} (the SES-verified sending domain)`,
        });
      }
    }
  });

export type FollowupContext = z.output<typeof contextSchema>;

export class ContextError extends Error {
  override name = 'ContextError';
}

/** Validates raw context values (as read with `node.tryGetContext`). */
export function parseContext(raw: Partial<Record<ContextKey, unknown>>): FollowupContext {
  const parsed = contextSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = (issue?.path[0] as ContextKey | undefined) ?? 'sendingDomain';
  const got = raw[key];
  const problem = got === undefined || got === '' ? 'missing' : `${issue?.message ?? 'invalid'} (got ${JSON.stringify(got)})`;
  const example = CONTEXT_EXAMPLES[key] ?? '';
  throw new ContextError(
    `Invalid context "${key}": ${problem}. Set it in cdk.json "context" or pass -c ${key}=${example}`,
  );
}

/** Reads every known key from a construct's context (cdk.json + `-c`). */
export function readContext(tryGetContext: (key: string) => unknown): FollowupContext {
  const raw: Partial<Record<ContextKey, unknown>> = {};
  for (const key of Object.keys(CONTEXT_EXAMPLES) as ContextKey[]) raw[key] = tryGetContext(key);
  return parseContext(raw);
}
