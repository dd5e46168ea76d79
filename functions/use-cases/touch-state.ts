/**
 * What one touch leads to, and what the touch worker knows while it carries a decision out:
 * shared by run-touch.ts and the steps it delegates to (assign-task.ts).
 */
import type { Enrollment, Prospect, Suppression } from '../domain/records.js';
import type { Channel, PublishedSequence, StepDefinition } from '../domain/sequence.js';

/** `channel` is the step's, so the handler can count outcomes per channel (metrics). */
export type TouchOutcome =
  | { kind: 'sent'; channel: Channel; providerMessageId: string; completed: boolean }
  /** A call or task step made (or re-opened) its task; the enrollment waits for the outcome. */
  | { kind: 'assigned'; channel: Channel; taskId: string }
  | { kind: 'stale'; reason: string }
  | { kind: 'rescheduled'; dueAt: string }
  | { kind: 'skipped'; channel: Channel; reason: string }
  | { kind: 'failed'; channel: Channel; reason: string };

/** The touch could not be done now but may succeed later: the queue should redeliver it. */
export class RetryableTouchError extends Error {
  override name = 'RetryableTouchError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    readonly channel?: Channel,
  ) {
    super(message);
  }
}

/** Everything known about the touch once the decision is to act on its step. */
export interface TouchState {
  enrollment: Enrollment;
  prospect: Prospect;
  sequence: PublishedSequence;
  step: StepDefinition;
  now: Date;
  suppressions: Suppression[];
  /** Moving on is conditional on the enrollment still waiting for this task attempt. */
  expectedTask?: { taskId: string; attempt: number };
}

