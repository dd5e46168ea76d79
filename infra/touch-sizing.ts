/**
 * How many touch workers each channel's queue may run at once (the event source
 * mapping's maximum concurrency), from the provider's rate. Plain data and arithmetic,
 * shared by the construct and `npm run bench` (whose burst simulation runs exactly these
 * numbers). README "Sizing" explains the formula to operators.
 *
 * A worker invocation takes a batch of B touches and runs them in parallel, in about
 * SECONDS_PER_TOUCH (the provider call and four DynamoDB requests); N workers can so
 * move N × B / SECONDS_PER_TOUCH touches per second. Pacing (functions/adapters/
 * send-pacer.ts) gives each worker the share R / N of the provider rate R and hands
 * everything beyond it back to the queue until its slot. So N only has to cover R, with
 * headroom for the records a worker gives back and for slow provider calls:
 *
 *   N = clamp(2, 1000, ceil(R × SECONDS_PER_TOUCH × HEADROOM / B))
 *
 * 2 and 1000 are the limits of an SQS event source's maximum concurrency. SES at its
 * default 14/s and a Twilio long code at 1/s both give N = 2; a short code at 100/s with
 * B = 10 gives 10; an SES account at 1,000/s gives 100.
 */

/**
 * Seconds one touch keeps a worker busy: a consistent read, the claim, one provider
 * call, the enrollment advance, the counters and the next schedule.
 */
export const SECONDS_PER_TOUCH = 0.5;

/** Spare capacity over the provider rate: give-backs and slow provider calls. */
export const CONCURRENCY_HEADROOM = 2;

/** The SQS event source's limits on maximum concurrency. */
export const MIN_WORKER_CONCURRENCY = 2;
export const MAX_WORKER_CONCURRENCY = 1000;

/** Maximum concurrency for a channel's queue whose provider sends `ratePerSecond`, fed `batchSize` records per invocation. */
export function workerConcurrencyFor(ratePerSecond: number, batchSize: number): number {
  const needed = Math.ceil((ratePerSecond * SECONDS_PER_TOUCH * CONCURRENCY_HEADROOM) / batchSize);
  return Math.min(MAX_WORKER_CONCURRENCY, Math.max(MIN_WORKER_CONCURRENCY, needed));
}
