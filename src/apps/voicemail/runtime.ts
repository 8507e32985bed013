/**
 * What the voicemail applications (VoiceMail, VoiceMailMain, MailboxExists, the VM functions)
 * get from the running PBX: the current configuration (reload swaps it), the spool, the hook
 * that notifies the owner after a message is left, and the login guard. Built by
 * src/runtime/voicemail-service.ts; tests pass their own.
 */
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import type { StoredMessage, VoicemailSpool } from '../../store/voicemail-types.ts';

/** Rate limit of VoiceMailMain logins, keyed like SIP authentication bans (by source address or peer). */
export interface LoginGuard {
  /** false while the key is locked out after too many wrong PINs. */
  allowed(key: string): boolean;
  failed(key: string): void;
  succeeded(key: string): void;
}

export interface VoicemailRuntime {
  /** The configuration in force now. */
  config(): VoicemailConfig;
  readonly spool: VoicemailSpool;
  /** A message was committed to `mailbox` (mail notification; MWI follows spool.onChange). Never throws, never waits. */
  messageLeft(mailbox: Mailbox, message: StoredMessage): void;
  readonly logins: LoginGuard;
}
