/**
 * Signatures of outbound webhooks, and the check a receiver runs. Pure (node:crypto).
 *
 * Header: `Followup-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The
 * timestamp is part of what is signed, so an old delivery cannot be re-sent with a fresh
 * one; the receiver refuses timestamps outside its tolerance (5 minutes by default) and ids
 * it has already seen (a replay within the tolerance). During a secret rotation the sender
 * may put several `v1=` values in one header; any one matching is enough.
 *
 * A receiver in Node:
 *
 *     const result = verifyWebhookSignature({ header: req.headers['followup-signature'], body: rawBody, secret });
 *     if (!result.ok) return res.status(400).end(result.reason);
 *     const event = JSON.parse(rawBody);   // {id, type, at, data}
 *     if (alreadySeen(event.id)) return res.status(200).end(); // replay: acknowledge, do nothing
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Followup-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `t=…,v1=…` for `body` signed with each secret at `at`. */
export function signWebhook(body: string, secrets: string | readonly string[], at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0 || list.some((secret) => secret.length < 16)) throw new RangeError('webhook secrets must be at least 16 characters');
  return [`t=${t}`, ...list.map((secret) => `v1=${hmac(secret, t, body)}`)].join(',');
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a delivery: the header's shape, the timestamp within `toleranceSeconds` of `now`
 * (either side: clocks drift), and an HMAC of the exact body bytes. Constant-time compare.
 */
export function verifyWebhookSignature(input: {
  header: string | undefined;
  body: string;
  secret: string;
  now?: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of input.header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (t === undefined) return { ok: false, reason: 'no timestamp (t=) in the signature header' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature in the signature header' };
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - t) > tolerance) return { ok: false, reason: `timestamp is ${now - t} s old; only ${tolerance} s are accepted (a replay?)` };
  const expected = Buffer.from(hmac(input.secret, t, input.body), 'hex');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true, timestamp: t } : { ok: false, reason: 'signature does not match the body' };
}

/**
 * The ids a receiver has accepted in the last `toleranceSeconds` (older deliveries fail the
 * timestamp check anyway, so nothing older needs remembering): `accept(id)` is false for a
 * replay. Bounded by what arrives within the tolerance.
 */
export function createReplayGuard(toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now: () => Date = () => new Date()) {
  const seen = new Map<string, number>();
  return {
    accept(id: string): boolean {
      const at = now().getTime();
      for (const [known, when] of seen) {
        if (at - when <= (toleranceSeconds + 60) * 1000) break;
        seen.delete(known);
      }
      if (seen.has(id)) return false;
      seen.set(id, at);
      return true;
    },
  };
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}
