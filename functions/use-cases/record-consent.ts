/**
 * `POST /prospects/{id}/consent {channel, source}`: an explicit, audited consent that
 * lifts what the consent ledger holds against one address of the prospect (README
 * "Enrollment rules"), so a later import may enroll them again.
 *
 * - `email`: lifts the email's unsubscribe, bounce, complaint or manual suppression and its
 *   reply entry.
 * - `sms`: lifts the phone's manual suppression and its reply entry. An `sms_stop` is the
 *   person's own STOP: only a START from that number lifts it (the SMS webhook does), so
 *   the request is refused (409) and says so.
 * - `call`: lifts the phone's `call` entry (a "do not call me" logged as a task outcome)
 *   and its reply entry, never its SMS entry (a call consent says nothing about texts);
 *   refused while the number has a STOP.
 * An erased person's entry is never lifted.
 *
 * Order (no transactions): the consent record first (the audit), then each entry is
 * deleted, then the timeline gets `opted_in` with the actor and the source. A retry after
 * a crash repeats every step harmlessly.
 */
import { addressHash } from '../domain/address-hash.js';
import type { ConsentChannel, ConsentRecord, Prospect, SuppressionReason } from '../domain/records.js';
import { suppressionReason } from '../domain/enrollment-rules.js';
import { ConsentRefusedError, ProspectNotFoundError, type UseCaseContext } from './context.js';

export const CONSENT_CHANNELS = ['email', 'sms', 'call'] as const satisfies readonly ConsentChannel[];

/** Which suppressions a consent for a channel may lift. */
const LIFTABLE: Record<ConsentChannel, readonly SuppressionReason[]> = {
  email: ['unsubscribe', 'bounce', 'complaint', 'manual'],
  sms: ['manual'],
  call: ['manual', 'unsubscribe'],
};

/** Who gives the consent is the context's `actor` (the API request's principal). */
export interface RecordConsentInput {
  prospectId: string;
  channel: ConsentChannel;
  source: string;
}

export async function recordConsent(ctx: UseCaseContext, input: RecordConsentInput): Promise<ConsentRecord> {
  // An editor route always has an actor (the access middleware); an audit without one is a wiring error.
  const actor = ctx.actor;
  if (!actor) throw new Error('recordConsent needs the acting principal (UseCaseContext.actor)');
  const prospect = await ctx.store.getProspect(input.prospectId);
  if (!prospect) throw new ProspectNotFoundError(input.prospectId);
  const address = addressOf(prospect, input.channel);
  const [suppression, reply, textEntry] = await Promise.all([
    ctx.store.getSuppression(address, input.channel),
    ctx.store.getReplyRecord(address),
    // A call consent is refused while the number's SMS entry says STOP or erased.
    input.channel === 'call' ? ctx.store.getSuppression(address) : undefined,
  ]);

  // The number's SMS entry is never lifted by a call consent; a STOP or an erasure refuses it.
  for (const entry of [suppression, textEntry]) {
    if (entry?.reason === 'sms_stop') {
      throw new ConsentRefusedError(
        `this number ${suppressionReason(entry)}: only a START from that number lifts an SMS opt-out, so ask them to text START to your number`,
        'channel',
      );
    }
    if (entry?.reason === 'erased') throw new ConsentRefusedError('this address belongs to a person who was erased; it stays suppressed', 'channel');
  }
  const liftSuppression = suppression !== undefined && LIFTABLE[input.channel].includes(suppression.reason);
  if (suppression && !liftSuppression) {
    throw new ConsentRefusedError(`a ${input.channel} consent does not lift this entry: ${suppressionReason(suppression)}`, 'channel');
  }

  const at = ctx.clock.now().toISOString();
  const consent: ConsentRecord = {
    addressHash: addressHash(address),
    channel: input.channel,
    source: input.source,
    actor,
    at,
    lifted: [...(liftSuppression && suppression ? [suppression.reason] : []), ...(reply ? ['reply'] : [])],
  };
  await ctx.store.putConsentRecord(consent);
  if (liftSuppression) await ctx.store.deleteSuppression(address, input.channel);
  if (reply) await ctx.store.deleteReplyRecord(address);
  await ctx.store.appendTimeline([
    {
      prospectId: prospect.id,
      at,
      type: 'opted_in',
      actor,
      detail: `${input.channel} consent: ${input.source}${consent.lifted.length > 0 ? ` (lifted: ${consent.lifted.join(', ')})` : ''}`,
    },
  ]);
  ctx.logger.info('consent recorded', { prospectId: prospect.id, channel: input.channel, lifted: consent.lifted });
  return consent;
}

function addressOf(prospect: Prospect, channel: ConsentChannel): string {
  const address = channel === 'email' ? prospect.email : prospect.phone;
  if (!address) throw new ConsentRefusedError(`the prospect has no ${channel === 'email' ? 'email address' : 'phone number'}`, 'channel');
  return address;
}
