/**
 * Signed tokens for unsubscribe links and reply addresses.
 *
 * Both are HMAC-SHA256 over a purpose-tagged payload, so a token can be checked
 * without a database read and a token minted for one purpose never verifies for
 * the other. Pure functions over node:crypto: no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from './sequence.js';

export class TokenSecretError extends Error {
  override name = 'TokenSecretError';
}

export class ReplyTokenError extends Error {
  override name = 'ReplyTokenError';
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function requireSecret(secret: string): void {
  // A short secret makes every token forgeable offline; refuse instead of signing weakly.
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new TokenSecretError('token secret must be at least 16 characters');
  }
}

function mac(secret: string, purpose: string, payload: string, bytes: number): string {
  return createHmac('sha256', secret)
    .update(`followup/${purpose}/v1\n${payload}`, 'utf8')
    .digest()
    .subarray(0, bytes)
    .toString('base64url');
}

/** Compares two MAC strings without leaking, through timing, how many leading characters matched. */
function sameMac(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------
// Unsubscribe tokens: `<base64url(c:prospectId)>.<base64url(128-bit MAC)>`
// ---------------------------------------------------------------------------

export interface UnsubscribeClaims {
  prospectId: string;
  /** Unsubscribe links are only ever sent by email and SMS. */
  channel: Extract<Channel, 'email' | 'sms'>;
}

/** 128 bits (RFC 4868's HMAC-SHA-256-128): unguessable, and keeps links short. */
const UNSUBSCRIBE_MAC_BYTES = 16;
const CHANNEL_CODES: Record<UnsubscribeClaims['channel'], string> = { email: 'e', sms: 's' };

export function createUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string {
  requireSecret(secret);
  if (claims.prospectId.length === 0) throw new TypeError('prospectId must not be empty');
  const payload = Buffer.from(`${CHANNEL_CODES[claims.channel]}:${claims.prospectId}`, 'utf8').toString('base64url');
  return `${payload}.${mac(secret, 'unsubscribe', payload, UNSUBSCRIBE_MAC_BYTES)}`;
}

/** The claims of a genuine token; `undefined` for anything tampered, truncated or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeClaims | undefined {
  requireSecret(secret);
  if (typeof token !== 'string' || token.length > 1024) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, signature] = parts as [string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
  // The MAC covers the payload as transmitted, so no second spelling of it verifies.
  if (!sameMac(signature, mac(secret, 'unsubscribe', payload, UNSUBSCRIBE_MAC_BYTES))) return undefined;
  const decoded = Buffer.from(payload, 'base64url').toString('utf8');
  const match = /^([es]):(.+)$/s.exec(decoded);
  if (!match) return undefined;
  const channel: UnsubscribeClaims['channel'] = match[1] === 'e' ? 'email' : 'sms';
  return { prospectId: match[2] as string, channel };
}

// ---------------------------------------------------------------------------
// Reply tokens: the local part of `reply+<token>@reply-domain`
// ---------------------------------------------------------------------------
//
// RFC 5321 caps a local part at 64 octets, so `reply+` leaves 58 characters. An
// enrollment id is `<prospectId>.<sequenceId>` (`p_` + 24 characters, then a slug
// of up to 48), i.e. up to ~75 characters: even packed optimally, prospect id,
// slug and an 80-bit MAC need ~470 bits where 58 local-part characters hold at
// most 348. So the token carries the prospect id verbatim plus a 30-bit tag of the
// sequence id, and the inbound handler picks the enrollment among the prospect's
// enrollments (one query it needs anyway to stop the enrollment) with
// `findEnrollmentForReplyToken`. The MAC (88 bits) covers both, so neither can be
// forged or swapped.
//
// Token: `<prospectId>.<tag: 5 base64url chars><mac: 15 base64url chars>`.

/** Longest token that still fits `reply+<token>` into a 64-octet local part. */
export const MAX_REPLY_TOKEN_LENGTH = 64 - 'reply+'.length;

const REPLY_TAG_LENGTH = 5; // 30 bits: collision-free among one prospect's few enrollments.
const REPLY_MAC_BYTES = 11; // 88 bits, 15 base64url characters.
const REPLY_MAC_LENGTH = 15;
/** Characters that are safe, unquoted, in a local part and survive every MTA. */
const LOCAL_PART_SAFE = /^[A-Za-z0-9_-]+$/;

export interface ReplyTokenClaims {
  prospectId: string;
  /** Short hash of the sequence id; match it with `findEnrollmentForReplyToken`. */
  sequenceTag: string;
}

function sequenceTagFor(sequenceId: string): string {
  return createHash('sha256').update(sequenceId, 'utf8').digest('base64url').slice(0, REPLY_TAG_LENGTH);
}

/** Splits `<prospectId>.<sequenceId>`; sequence slugs never contain a dot, prospect ids might. */
function splitEnrollmentId(enrollmentId: string): { prospectId: string; sequenceId: string } | undefined {
  const dot = enrollmentId.lastIndexOf('.');
  if (dot <= 0 || dot === enrollmentId.length - 1) return undefined;
  return { prospectId: enrollmentId.slice(0, dot), sequenceId: enrollmentId.slice(dot + 1) };
}

/**
 * A token for the Reply-To local part. Throws `ReplyTokenError` when the enrollment
 * id cannot be expressed in 58 local-part-safe characters (prospect id longer than
 * 37 characters or outside `[A-Za-z0-9_-]`); callers then send without a reply token
 * and rely on In-Reply-To/References threading.
 */
export function createReplyToken(enrollmentId: string, secret: string): string {
  requireSecret(secret);
  const parts = splitEnrollmentId(enrollmentId);
  if (!parts) throw new ReplyTokenError(`not an enrollment id: ${enrollmentId}`);
  if (!LOCAL_PART_SAFE.test(parts.prospectId)) {
    throw new ReplyTokenError(`prospect id is not local-part safe: ${parts.prospectId}`);
  }
  const body = `${parts.prospectId}.${sequenceTagFor(parts.sequenceId)}`;
  const token = `${body}${mac(secret, 'reply', body, REPLY_MAC_BYTES)}`;
  if (token.length > MAX_REPLY_TOKEN_LENGTH) {
    throw new ReplyTokenError(`reply token would be ${token.length} characters, max ${MAX_REPLY_TOKEN_LENGTH}`);
  }
  return token;
}

/** The claims of a genuine reply token; `undefined` for anything tampered, truncated or malformed. */
export function verifyReplyToken(token: string, secret: string): ReplyTokenClaims | undefined {
  requireSecret(secret);
  if (typeof token !== 'string' || token.length > MAX_REPLY_TOKEN_LENGTH) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const prospectId = token.slice(0, dot);
  const rest = token.slice(dot + 1);
  if (rest.length !== REPLY_TAG_LENGTH + REPLY_MAC_LENGTH) return undefined;
  if (!LOCAL_PART_SAFE.test(prospectId) || !BASE64URL.test(rest)) return undefined;
  const sequenceTag = rest.slice(0, REPLY_TAG_LENGTH);
  const signature = rest.slice(REPLY_TAG_LENGTH);
  if (!sameMac(signature, mac(secret, 'reply', `${prospectId}.${sequenceTag}`, REPLY_MAC_BYTES))) return undefined;
  return { prospectId, sequenceTag };
}

/**
 * The enrollment a verified reply token was issued for, among the ids of the
 * prospect's enrollments (`Store.listEnrollments(claims.prospectId)`).
 */
export function findEnrollmentForReplyToken(
  claims: ReplyTokenClaims,
  enrollmentIds: readonly string[],
): string | undefined {
  return enrollmentIds.find((id) => {
    const parts = splitEnrollmentId(id);
    return (
      parts !== undefined &&
      parts.prospectId === claims.prospectId &&
      sequenceTagFor(parts.sequenceId) === claims.sequenceTag
    );
  });
}

/** Extracts the token from `reply+<token>@domain` (case of `reply` ignored); `undefined` otherwise. */
export function replyTokenFromAddress(address: string, replyDomain: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== replyDomain.toLowerCase()) return undefined;
  const local = address.slice(0, at);
  if (!/^reply\+/i.test(local)) return undefined;
  const token = local.slice('reply+'.length);
  return token.length > 0 ? token : undefined;
}

/** `reply+<token>@replyDomain`. */
export function replyAddressFor(token: string, replyDomain: string): string {
  return `reply+${token}@${replyDomain}`;
}
