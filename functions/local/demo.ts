/**
 * `npm run demo`: the story of a two-week sequence in under a minute. Starts the embedded
 * runtime, enrolls the sample prospects from templates/sample-prospects.csv over HTTP,
 * moves the virtual clock day by day, has one prospect reply by SMS and one unsubscribe,
 * and prints each prospect's timeline and the sequence stats.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { createConsoleLogger } from './console-logger.js';
import { DEV_TWILIO_ACCOUNT_SID, startRuntime } from './runtime.js';
import { signTwilioRequest } from './twilio-stub.js';

const SEQUENCE = 'inbound-lead-follow-up';
const API_KEY = 'demo-api-key-not-secret';

interface TimelineEntry {
  at: string;
  type: string;
  stepId?: string;
  detail?: string;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Start on a Monday 07:00 in New York, so the first morning is a working day everywhere in the US.
  const monday = DateTime.now().setZone('America/New_York').startOf('week').plus({ weeks: 1 }).set({ hour: 7 });
  const runtime = await startRuntime({
    port: 0,
    startAt: monday.toJSDate(),
    apiKey: API_KEY,
    templatesDir: resolve('templates'),
    logger: createConsoleLogger('error'),
  });
  const api = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': contentType } : {}) },
      ...(body ? { body } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
  };
  const say = (line: string) => console.log(line);
  const localNow = () => DateTime.fromJSDate(runtime.clock.now()).setZone('America/New_York').toFormat('ccc d LLL HH:mm');

  try {
    say(`Followup demo: sequence "${SEQUENCE}", virtual clock starts ${localNow()} (New York)\n`);
    const csv = await readFile(resolve('templates/sample-prospects.csv'), 'utf8');
    const enrolled = await api('POST', `/sequences/${SEQUENCE}/enrollments`, csv, 'text/csv');
    const rows = csv.trim().split('\n').slice(1);
    const people = new Map<string, { name: string; prospectId: string; email?: string; phone?: string }>();
    for (const result of enrolled.json.results as { row: number; status: string; prospectId?: string; reason?: string }[]) {
      const [email, phone, firstName, lastName] = (rows[result.row - 1] ?? '').split(',');
      const name = `${firstName} ${lastName}`.trim();
      say(`  row ${result.row} ${name.padEnd(16)} ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
      if (result.prospectId) people.set(name, { name, prospectId: result.prospectId, ...(email ? { email } : {}), ...(phone ? { phone } : {}) });
    }

    const advance = async (duration: string) => {
      const moved = await api('POST', '/dev/clock', JSON.stringify({ advance: duration }));
      if (moved.status !== 200) throw new Error(`moving the clock failed: ${moved.status} ${moved.text}`);
    };
    let shown = 0;
    const showNewMessages = () => {
      const messages = runtime.outbox.list();
      for (const message of messages.slice(shown)) {
        const who = [...people.values()].find((p) => message.enrollmentId?.startsWith(p.prospectId))?.name ?? message.to;
        const when = DateTime.fromISO(message.sentAt).setZone('America/New_York').toFormat('ccc d LLL HH:mm');
        const what = message.channel === 'email' ? `email "${message.subject}"` : `SMS "${truncate(message.text, 60)}"`;
        say(`  ${when} ET  ${message.channel === 'email' ? '✉' : '✆'} ${who.padEnd(16)} ${message.stepId ?? 'notice'}: ${what}`);
      }
      shown = messages.length;
    };

    say('\nDay by day:');
    for (let day = 1; day <= 18; day++) {
      await advance('1d');
      showNewMessages();
      if (day === 3) await smsReply(runtime, people.get('Maya Okafor'), say);
      if (day === 6) await unsubscribe(runtime, people.get('Lena Vogel'), say);
    }

    say('\nTimelines:');
    for (const person of people.values()) {
      const view = await api('GET', `/prospects/${person.prospectId}`);
      const entries = (view.json.timeline as TimelineEntry[]).map((e) => `${e.type}${e.stepId ? `:${e.stepId}` : ''}`);
      const status = (view.json.enrollments as { status: string }[])[0]?.status;
      say(`  ${person.name.padEnd(16)} [${status}] ${entries.join(' → ')}`);
    }

    const stats = (await api('GET', `/sequences/${SEQUENCE}/stats`)).json;
    say('\nSequence stats:');
    say(`  enrollments: ${Object.entries(stats.enrollments as Record<string, number>).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ')}`);
    for (const step of stats.steps as { stepId: string; channel: string; sent: number; replies: number; skipped: number }[]) {
      say(`  ${step.stepId.padEnd(15)} ${step.channel.padEnd(5)} sent ${step.sent}, skipped ${step.skipped}, replies ${step.replies}`);
    }
    say(`\nDone at ${localNow()} (New York), ${runtime.outbox.list().length} messages in the outbox.`);
  } finally {
    await runtime.close();
  }
}

async function smsReply(
  runtime: Awaited<ReturnType<typeof startRuntime>>,
  person: { name: string; phone?: string } | undefined,
  say: (line: string) => void,
): Promise<void> {
  if (!person?.phone) return;
  const url = `${runtime.publicUrl}/webhooks/twilio/sms`;
  const from = `+1${person.phone.replace(/\D/g, '').slice(-10)}`;
  const params = {
    AccountSid: DEV_TWILIO_ACCOUNT_SID,
    MessageSid: `SM${'d'.repeat(32)}`,
    From: from,
    To: '+15005550006',
    Body: 'Thanks Dana - can we talk Thursday at 2?',
    NumMedia: '0',
  };
  const response = await fetch(`${runtime.url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(url, params, runtime.twilioAuthToken),
    },
    body: new URLSearchParams(params).toString(),
  });
  say(`  … ${person.name} replies by SMS: "${params.Body}" → ${response.status === 200 ? 'sequence stops' : `HTTP ${response.status}`}`);
}

async function unsubscribe(
  runtime: Awaited<ReturnType<typeof startRuntime>>,
  person: { name: string; email?: string } | undefined,
  say: (line: string) => void,
): Promise<void> {
  const email = runtime.outbox.list().find((m) => m.channel === 'email' && m.to === person?.email);
  const link = email?.headers?.['List-Unsubscribe'] ? /<(https?:[^>]+)>/.exec(email.headers['List-Unsubscribe'])?.[1] : undefined;
  if (!person || !link) return;
  const response = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  say(`  … ${person.name} clicks "unsubscribe" in her mail client → ${response.status === 200 ? 'sequence stops' : `HTTP ${response.status}`}`);
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
