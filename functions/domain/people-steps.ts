/**
 * Steps a person does (a `call`, a `task`) or that reach a person by voice (a `voicemail`
 * drop), as data: the outcomes a rep logs, what each outcome does to the enrollment by
 * default, and which consent-ledger entries keep a step from reaching a prospect. Pure.
 * README "Calls, voicemail and tasks" describes them for people writing sequences.
 */

/** Channels that send a message through a provider, with no person in the loop. */
export const MESSAGE_CHANNELS = ['email', 'sms'] as const;
/** Channels of steps that reach a prospect through a rep, or by voice. */
export const PEOPLE_CHANNELS = ['call', 'voicemail', 'task'] as const;
/** People steps that create a task for a rep (a voicemail drop is placed by the engine itself). */
export const TASK_CHANNELS = ['call', 'task'] as const;

export type TaskChannel = (typeof TASK_CHANNELS)[number];

/** What a rep logs when a call or a task is done (`POST /tasks/{id}/outcome`). */
export const OUTCOMES = [
  'connected',
  'left_voicemail',
  'no_answer',
  'wrong_number',
  'meeting_booked',
  'not_interested',
  'call_back',
  'done',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What an outcome does to the enrollment:
 * - `continue`: the step is done, the sequence goes on with the next step;
 * - `pause_until`: paused until the call-back date, when the task reappears;
 * - `stop_replied` / `stop_converted`: the enrollment ends as `replied` / `converted`;
 * - `stop_opted_out`: "do not call me": a `call` suppression in the consent ledger, and
 *   the enrollment ends as `opted_out`.
 */
export const OUTCOME_ACTIONS = ['continue', 'pause_until', 'stop_replied', 'stop_converted', 'stop_opted_out'] as const;
export type OutcomeAction = (typeof OUTCOME_ACTIONS)[number];

/** Defaults as data; a step's `outcomes:` map overrides them one by one. */
export const DEFAULT_OUTCOME_ACTIONS: Readonly<Record<Outcome, OutcomeAction>> = {
  connected: 'continue',
  left_voicemail: 'continue',
  no_answer: 'continue',
  // The number is wrong, not the prospect: the other channels may still reach them.
  wrong_number: 'continue',
  meeting_booked: 'stop_converted',
  // They answered: a reply, so the sequence stops as it does for any reply.
  not_interested: 'stop_replied',
  call_back: 'pause_until',
  done: 'continue',
};

/** Outcomes that carry a date (`callBackAt`), and the only ones `pause_until` fits. */
export const DATED_OUTCOMES: readonly Outcome[] = ['call_back'];

/** What happens when a human answers a voicemail drop. */
export const ON_HUMAN_ACTIONS = ['connect_rep', 'short_message'] as const;
export type OnHumanAction = (typeof ON_HUMAN_ACTIONS)[number];

/** Channels of the consent ledger: each suppression blocks one of them. */
export type ConsentChannel = 'email' | 'sms' | 'call';

/**
 * Which ledger channels keep a step of `channel` from a prospect. A voicemail drop is an
 * automated, prerecorded call: a number that opted out of calls OR texted STOP to us gets
 * none (a STOP answered with a robot voicemail from the same number is the complaint the
 * TCPA's revocation rules are about). A task (a LinkedIn message, a note) needs no address.
 */
export const BLOCKING_CONSENT: Readonly<Record<'email' | 'sms' | 'call' | 'voicemail' | 'task', readonly ConsentChannel[]>> = {
  email: ['email'],
  sms: ['sms'],
  call: ['call'],
  voicemail: ['call', 'sms'],
  task: [],
};

/** Local hours in which calls and voicemail drops may be placed (like SMS quiet hours). */
export const CALL_HOURS = { start: '08:00', end: '21:00' } as const;

export function isPeopleChannel(channel: string): channel is (typeof PEOPLE_CHANNELS)[number] {
  return (PEOPLE_CHANNELS as readonly string[]).includes(channel);
}

export function isTaskChannel(channel: string): channel is TaskChannel {
  return (TASK_CHANNELS as readonly string[]).includes(channel);
}

/** The ledger channel an address belongs to when no other is named: email for an email, SMS for a phone. */
export function naturalConsentChannel(address: string): ConsentChannel {
  return address.includes('@') ? 'email' : 'sms';
}
