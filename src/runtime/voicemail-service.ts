/**
 * Voicemail as the running PBX holds it: the spool under `<data>/voicemail` (Asterisk's layout),
 * the configuration in force (reload swaps PbxConfig, this reads it each time), the login guard
 * of VoiceMailMain, and the hook that runs after a message is left (the mail notifier adds
 * itself with onMessageLeft). It is the VoicemailRuntime the dialplan's voicemail applications
 * and functions get, and `pbx.voicemail.spool` is what MWI and the console read.
 */
import type { Clock } from '../platform/clock.ts';
import { paths } from '../platform/fs.ts';
import type { PbxConfig } from '../config/index.ts';
import type { Mailbox, VoicemailConfig } from '../config/voicemail-model.ts';
import type { Logger } from '../log/index.ts';
import { AuthBanList } from '../sip/auth/ban.ts';
import { FileVoicemailSpool } from '../store/voicemail-spool.ts';
import type { StoredMessage, VoicemailSpool } from '../store/voicemail-types.ts';
import type { LoginGuard, VoicemailRuntime } from '../apps/voicemail/runtime.ts';
// mail (issue 12 item 4): the notification mail queue and its SMTP sender.
import { VoicemailMail } from '../apps/voicemail/mail-service.ts';
import { strftime } from '../dialplan/functions/strftime.ts';
import { zonedTime } from '../dialplan/functions/time-zone.ts';

export const VOLATILE_WARNING = 'voicemail is in RAM: messages are lost at reboot (no data partition)';

/** Wrong PINs from one source before it is locked out when sip.conf sets `authfailban = 0`: guessing a PIN is never unlimited. */
const FALLBACK_LOGIN_THRESHOLD = 10;

export interface VoicemailServiceOptions {
  config: () => PbxConfig;
  clock: Clock;
  log: Logger;
  /** A spool built elsewhere (tests); default the file spool under `<data>/voicemail`. */
  spool?: VoicemailSpool;
  /** Notification mail (queue under `<spool root>/.mailqueue`); default on with the file spool only. */
  mail?: boolean;
}

export type MessageLeftListener = (mailbox: Mailbox, message: StoredMessage) => void;

/**
 * VoiceMailMain logins keyed like SIP authentication (source address, or peer): too many wrong
 * PINs within the window lock the key out for the ban time, on the same list type as SIP bans
 * but a list of its own, so a forgotten PIN does not also block the phone's registration.
 */
export function loginGuard(clock: Clock, config: () => PbxConfig): LoginGuard {
  const sip = config().sip;
  const list = new AuthBanList({
    clock,
    threshold: sip.authFailBanThreshold > 0 ? sip.authFailBanThreshold : FALLBACK_LOGIN_THRESHOLD,
    windowMs: sip.banSeconds * 1000,
    banMs: sip.banSeconds * 1000,
  });
  return {
    allowed: (key) => !list.isBanned(key),
    failed: (key) => void list.recordFailure(key),
    succeeded: (key) => list.recordSuccess(key),
  };
}

export class VoicemailService implements VoicemailRuntime {
  readonly spool: VoicemailSpool;
  readonly logins: LoginGuard;
  private readonly listeners = new Set<MessageLeftListener>();
  /** The notification mail queue (absent when `mail` is off). */
  readonly mail?: VoicemailMail;

  constructor(private readonly o: VoicemailServiceOptions) {
    const log = o.log;
    this.spool =
      o.spool ??
      new FileVoicemailSpool({
        root: paths.join(o.config().system.data, 'voicemail'),
        // Read at each check, so a reload's maxmsg and caps apply to the next message.
        maxMsg: () => this.config().general.maxMsg,
        maxBoxBytes: () => this.config().general.maxBoxBytes,
        maxSpoolBytes: () => this.config().general.maxSpoolBytes,
        clock: o.clock,
        log: (level, m) => {
          if (level === 'error') log.error(m);
          else if (level === 'warn') log.warning(m);
          else if (level === 'info') log.verbose(3, m);
          else log.debug(1, m);
        },
      });
    this.logins = loginGuard(o.clock, o.config);
    if (this.spool.volatile) log.warning(VOLATILE_WARNING);
    if (o.mail ?? !o.spool) {
      this.mail = new VoicemailMail({
        config: () => this.config(),
        spool: this.spool,
        clock: o.clock,
        log: log.child('mail'),
        formatDate: (ms, format, zone) => strftime(format, zonedTime(ms, zone), ms),
      });
      this.onMessageLeft(this.mail.messageLeft);
      this.mail.start();
    }
  }

  /**
   * Stops the mail queue: no new attempt starts. One in progress is not waited for (a dead
   * smarthost would hold the shutdown up to its timeout); its job stays on disk and goes at the next start.
   */
  close(): void {
    void this.mail?.close();
  }

  config(): VoicemailConfig {
    return this.o.config().voicemail;
  }

  /** The mail notifier (and anything else) hears of every committed message; returns the remover. */
  onMessageLeft(listener: MessageLeftListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  messageLeft(mailbox: Mailbox, message: StoredMessage): void {
    this.o.log.verbose(3, `Saving message as is: ${message.basePath} (${message.info.duration} s for ${mailbox.box}@${mailbox.context}, from ${message.info.callerid})`);
    for (const l of this.listeners) {
      try {
        l(mailbox, message);
      } catch (e) {
        // A failing listener (mail) must never reach the caller's channel.
        this.o.log.error(`voicemail: after the message for ${mailbox.box}@${mailbox.context}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
