/**
 * Sequence types. The zod schema that validates a definition, and `compileSequence`,
 * live in `sequence-definition.ts`; this file holds only the shapes everyone shares.
 */
export type Channel = 'email' | 'sms';
export const CHANNELS: readonly Channel[] = ['email', 'sms'];

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Days of week plus local hours ("HH:mm", end exclusive) in which touches may be sent. */
export interface SendWindow {
  days: Weekday[];
  start: string;
  end: string;
}

export type WaitUnit = 'minutes' | 'hours' | 'days' | 'businessDays';
export interface Wait {
  amount: number;
  unit: WaitUnit;
}

export interface StepDefinition {
  id: string;
  channel: Channel;
  /** Wait before this step, counted from enrollment (first step) or from the previous touch. */
  wait: Wait;
  /** Template file name inside the sequence folder. */
  template: string;
  /** Overrides the sequence window for this step. */
  window?: SendWindow;
  /** Email only: start a new thread instead of replying under the sequence's first email. */
  newThread?: boolean;
}

export interface SenderIdentity {
  /** `sender.name` in templates. */
  name: string;
  company?: string;
  title?: string;
  email?: { from: string; replyTo?: string };
  sms?: { from?: string; messagingServiceSid?: string };
}

export type PermanentFailurePolicy = 'skip_step' | 'fail_enrollment';

export const STOP_ON_REPLY_FROM = ['prospect', 'account'] as const;
export type StopOnReplyFrom = (typeof STOP_ON_REPLY_FROM)[number];

export interface SequenceDefinition {
  id: string;
  name: string;
  description?: string;
  defaultTimezone: string;
  /** Where human replies are forwarded. */
  owner: string;
  window: SendWindow;
  stopOnReply: boolean;
  /**
   * `account`: a human reply from anyone at the replier's company email domain also stops
   * their colleagues' enrollments in this sequence (README "Enrollment rules"). Absent means
   * `prospect` (only the replier's own enrollments), so existing definitions keep their hash.
   */
  stopOnReplyFrom?: StopOnReplyFrom;
  /** A person running in another sequence may also be enrolled into this one. Absent means false. */
  allowConcurrent?: boolean;
  onPermanentFailure: PermanentFailurePolicy;
  sender: SenderIdentity;
  /** Custom prospect attributes the templates may use, with sample values for validation. */
  attributes: Record<string, string>;
  steps: StepDefinition[];
}

/** Liquid sources of one step, as authored (text or html may be derived from the other). */
export type StepTemplate =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; body: string };

export interface PublishedSequence {
  id: string;
  version: number;
  /** Content hash: publishing identical content again creates no new version. */
  hash: string;
  publishedAt: string;
  definition: SequenceDefinition;
  templates: Record<string, StepTemplate>;
  /** Non-fatal findings, e.g. an SMS longer than one segment. */
  warnings: string[];
}
