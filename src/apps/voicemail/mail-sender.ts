/**
 * The queue's sender: a queued job handed to the SMTP smarthost of the configuration in force
 * when the attempt starts (a reload that fixes the host helps the next retry). Without a
 * smarthost the job waits, as for a smarthost that is down: nothing is dropped.
 */
import type { SmtpSettings } from '../../config/voicemail-model.ts';
import { sendSmtpMail, type OutgoingMail } from '../../platform/smtp.ts';
import type { QueuedMail, SendMail } from './mail-queue.ts';

export function toOutgoingMail(mail: QueuedMail): OutgoingMail {
  const attachments =
    mail.attachment && mail.attachmentData ? [{ filename: mail.attachment.filename, contentType: mail.attachment.contentType, content: mail.attachmentData }] : [];
  return { from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, date: mail.date, attachments };
}

/** A SendMail over `smtp()`; `deliver` is replaceable for tests of the wiring. */
export function smtpSender(smtp: () => SmtpSettings | undefined, deliver = sendSmtpMail): SendMail {
  return async (mail) => {
    const settings = smtp();
    if (!settings) throw new Error('no SMTP smarthost configured (pbx.conf [voicemail] smtp...)');
    await deliver(settings, toOutgoingMail(mail));
  };
}
