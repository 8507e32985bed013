/**
 * Notification mail as one piece for the runtime to wire: the persistent queue under
 * `<spool root>/.mailqueue`, the SMTP sender reading the smarthost of the configuration in force,
 * and `messageLeft` for VoicemailRuntime. start() loads the jobs an earlier run left.
 */
import type { VoicemailConfig } from '../../config/voicemail-model.ts';
import type { VoicemailSpool } from '../../store/voicemail-types.ts';
import type { Clock } from '../../platform/clock.ts';
import { mailHostname } from '../../platform/smtp.ts';
import { paths } from '../../platform/fs.ts';
import type { FormatDate } from './mail-compose.ts';
import { MailQueue, type MailLog, type MailQueueOptions, type SendMail } from './mail-queue.ts';
import { createMailNotifier, type MessageLeft } from './mail-notifier.ts';
import { smtpSender } from './mail-sender.ts';

export const MAIL_QUEUE_DIR = '.mailqueue';

export interface VoicemailMailOptions {
  config: () => VoicemailConfig;
  spool: Pick<VoicemailSpool, 'root' | 'remove'>;
  clock: Clock;
  log: MailLog;
  /** strftime in an IANA zone (the runtime passes the dialplan's STRFTIME implementation). */
  formatDate: FormatDate;
  /** Tests: another sender, other backoff or bounds. */
  send?: SendMail;
  queue?: Partial<Pick<MailQueueOptions, 'firstRetryMs' | 'maxRetryMs' | 'maxJobs' | 'maxBytes'>>;
}

export class VoicemailMail {
  readonly queue: MailQueue;
  readonly messageLeft: MessageLeft;
  private readonly log: MailLog;

  constructor(o: VoicemailMailOptions) {
    this.log = o.log;
    this.queue = new MailQueue({
      ...o.queue,
      dir: paths.join(o.spool.root, MAIL_QUEUE_DIR),
      clock: o.clock,
      log: o.log,
      send: o.send ?? smtpSender(() => o.config().smtp),
    });
    this.messageLeft = createMailNotifier({ config: o.config, spool: o.spool, queue: this.queue, clock: o.clock, hostname: mailHostname(), formatDate: o.formatDate, log: o.log });
  }

  /** Loads queued jobs and starts sending; a queue directory that cannot be made is logged, not thrown. */
  start(): void {
    try {
      this.queue.start();
    } catch (e) {
      this.log.error(`voicemail mail queue could not start (mails cannot be queued): ${(e as Error).message}`);
    }
  }

  /** After a reload: a new smarthost gets a try at once instead of after the old one's backoff. */
  reloaded(): void {
    this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
