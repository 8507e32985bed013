/**
 * `messageLeft` for the voicemail runtime: composes the owner's notification (and pager) mail of
 * a committed message and puts it in the persistent queue. Returns at once and never throws:
 * the work runs on the next clock turn, so the caller's VoiceMail() goes on (the goodbye prompt,
 * the dialplan) whatever the disk or the smarthost do.
 *
 * `delete` (per box, else [general]): as Asterisk, the message leaves the box once mailed, but
 * only when the queued mail really carries the recording; a box whose mail could not be queued,
 * or goes out without audio, keeps its message.
 */
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import type { StoredMessage, VoicemailSpool } from '../../store/voicemail-types.ts';
import type { Clock } from '../../platform/clock.ts';
import { readBinaryFile } from '../../platform/binary-file.ts';
import { composeNotifications, type FormatDate } from './mail-compose.ts';
import type { MailLog, MailQueue } from './mail-queue.ts';

export interface MailNotifierOptions {
  config: () => VoicemailConfig;
  spool: Pick<VoicemailSpool, 'remove'>;
  queue: Pick<MailQueue, 'enqueue'>;
  clock: Clock;
  hostname: string;
  formatDate: FormatDate;
  log: MailLog;
}

export type MessageLeft = (mailbox: Mailbox, message: StoredMessage) => void;

export function createMailNotifier(o: MailNotifierOptions): MessageLeft {
  const notify = (mailbox: Mailbox, message: StoredMessage): void => {
    const config = o.config();
    if (!config.smtp || (!mailbox.email && !mailbox.pager)) return;
    const mails = composeNotifications({ general: config.general, zones: config.zones, mailbox, message, hostname: o.hostname, formatDate: o.formatDate });
    let audioQueued = false;
    for (const mail of mails) {
      let audio: Uint8Array | undefined;
      if (mail.attachment) {
        audio = readBinaryFile(mail.attachment.path);
        if (!audio) o.log.warning(`voicemail mail for ${mail.mailbox}: ${mail.attachment.path} is gone, mailing without the recording`);
      }
      try {
        o.queue.enqueue(mail, audio);
        if (mail.kind === 'email' && audio) audioQueued = true;
      } catch (e) {
        o.log.error(`voicemail mail for ${mail.mailbox} to ${mail.to.address} could not be queued (the message stays in the box): ${(e as Error).message}`);
      }
    }
    if (audioQueued && (mailbox.options.delete ?? config.general.delete)) {
      o.spool.remove(message);
      o.log.verbose(3, `voicemail: message ${message.index + 1} of ${mailbox.box}@${mailbox.context} mailed and deleted (delete=yes)`);
    }
  };
  return (mailbox, message) => {
    o.clock.setTimeout(() => {
      try {
        notify(mailbox, message);
      } catch (e) {
        o.log.error(`voicemail mail notification for ${mailbox.box}@${mailbox.context} failed: ${(e as Error).message}`);
      }
    }, 0);
  };
}
