/**
 * Identifiers that must be globally unique (RFC 3261 8.1.1.4 Call-ID, 8.1.1.7 branch, 19.3 tag).
 * Randomness comes from the platform's CSPRNG, so values cannot be guessed by an off-path
 * attacker trying to inject a CANCEL or BYE.
 */
import { randomHex } from '../../platform/crypto.ts';

/** The RFC 3261 magic cookie that marks a branch as globally unique (8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK';

/** A new Via branch: the magic cookie then 64 random bits. */
export function newBranch(): string {
  return BRANCH_COOKIE + randomHex(8);
}

/** A new From/To tag: 64 random bits (RFC 3261 19.3 asks for at least 32). */
export function newTag(): string {
  return randomHex(8);
}

/** A new Call-ID: 128 random bits, `@host` appended when given (RFC 3261 8.1.1.4). */
export function newCallId(host?: string): string {
  const id = randomHex(16);
  return host !== undefined && host !== '' ? id + '@' + host : id;
}
