/**
 * Sequence types. The zod schema that validates a definition, and `compileSequence`,
 * live in `sequence-definition.ts`; this file holds only the shapes everyone shares.
 */
import type { OnHumanAction, Outcome, OutcomeAction } from './people-steps.js';

/**
 * A step's channel. `email` and `sms` are sent by the engine; `call` and `task` are done by
 * a rep (they create a task); `voicemail` is a call the engine places that leaves a
 * message on the answering machine (domain/people-steps.ts).
 */
export type Channel = 'email' | 'sms' | 'call' | 'voicemail' | 'task';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'call', 'voicemail', 'task'];

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
  /** People steps (call, voicemail, task): the one line that says why ("The reason I'm calling is…"). */
  purpose?: string;
  /** Call and task steps: who gets the task (a user's email); the sequence owner when unset. */
  assignee?: string;
  /** Call and task steps: skipped (and the sequence goes on) when not done within this time. */
  dueWithin?: Wait;
  /** Call and task steps: prospect attributes the rep fills in with the outcome. */
  collect?: string[];
  /** Call and task steps: what each outcome does, defaults merged in (DEFAULT_OUTCOME_ACTIONS). */
  outcomes?: Record<Outcome, OutcomeAction>;
  /** Voicemail steps: a recording to play instead of the template read by text-to-speech, and what a human gets. */
  voicemail?: VoicemailOptions;
}

export interface VoicemailOptions {
  /** An https URL of an audio file (`<Play>`); without it the step's template is read out (`<Say>`). */
  recordingUrl?: string;
  /** A human answered instead of a machine: connect them to the assignee, or say a short message and hang up. */
  onHuman: OnHumanAction;
}

export interface SenderIdentity {
  /** `sender.name` in templates. */
  name: string;
  company?: string;
  title?: string;
  email?: { from: string; replyTo?: string };
  sms?: { from?: string; messagingServiceSid?: string };
  /** Caller ID of calls and voicemail drops (E.164, a Twilio number); `sms.from` when unset. */
  voice?: { from: string };
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
  /** Outside events (`POST /prospects/{id}/events`) that end this sequence's enrollments as `converted`. */
  exitOn?: string[];
  /** Bridged calls are recorded only when this says so, with the notice played to the prospect first. */
  recording?: { enabled: boolean; consentNotice: string };
}

/** Liquid sources of one step, as authored (text or html may be derived from the other). */
export type StepTemplate =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; body: string }
  /** A call's or a task's script, or the message a voicemail drop reads out: the whole file. */
  | { channel: 'call' | 'voicemail' | 'task'; body: string };

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
