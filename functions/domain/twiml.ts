/**
 * TwiML (Twilio's call instructions) for the calls Followup places: bridging a rep to a
 * prospect, a voicemail drop's message, a human's short message. Built as text (no Twilio
 * SDK: the webhook function stays small), every value XML-escaped. Pure.
 */

export type Verb = string & { readonly __twiml: unique symbol };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function attributes(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

export function response(...verbs: Verb[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}

/** Text-to-speech. Twilio reads at most 4,096 characters of one `<Say>`. */
export function say(text: string, language = 'en-US'): Verb {
  return `<Say${attributes({ language })}>${escapeXml(text.slice(0, 4_096))}</Say>` as Verb;
}

export function play(url: string): Verb {
  return `<Play>${escapeXml(url)}</Play>` as Verb;
}

export function pause(seconds: number): Verb {
  return `<Pause${attributes({ length: seconds })}/>` as Verb;
}

export function hangup(): Verb {
  return '<Hangup/>' as Verb;
}

export interface DialNumber {
  number: string;
  /** Where Twilio posts this leg's progress. */
  statusCallback?: string;
  statusCallbackEvent?: string;
  /** TwiML played to the called party once they answer, before the legs are bridged (the recording notice). */
  url?: string;
}

/**
 * Bridges the call to a number. `callerId` is what the called party sees; with `record`,
 * both legs are recorded from the moment the called party answers (dual channel).
 */
export function dial(options: { callerId: string; timeoutSeconds?: number; record?: boolean }, target: DialNumber): Verb {
  const numberAttributes = attributes({
    statusCallback: target.statusCallback,
    statusCallbackEvent: target.statusCallbackEvent,
    statusCallbackMethod: target.statusCallback ? 'POST' : undefined,
    url: target.url,
    method: target.url ? 'POST' : undefined,
  });
  const dialAttributes = attributes({
    callerId: options.callerId,
    timeout: options.timeoutSeconds,
    record: options.record ? 'record-from-answer-dual' : undefined,
  });
  return `<Dial${dialAttributes}><Number${numberAttributes}>${escapeXml(target.number)}</Number></Dial>` as Verb;
}

/** What a human who picks up a voicemail drop hears when the step says `short_message`. */
export function shortMessageFor(input: { firstName?: string; senderName: string; company?: string }): string {
  const hello = input.firstName ? `Hi ${input.firstName}` : 'Hi';
  const from = input.company ? `${input.senderName} from ${input.company}` : input.senderName;
  return `${hello}, this is ${from}. Sorry I missed you; I will try you again another time. Goodbye.`;
}

/** The text a TwiML document will speak or play, in order (for the local outbox and tests). */
export function spokenParts(twiml: string): string[] {
  const parts: string[] = [];
  for (const match of twiml.matchAll(/<(Say|Play)[^>]*>([^<]*)<\/\1>/g)) parts.push(unescapeXml(match[2] ?? ''));
  return parts;
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] as string);
}
