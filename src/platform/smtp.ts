/**
 * Sends one mail through an SMTP smarthost with nodemailer (bundled into dist/pbx.mjs), so the
 * PBX speaks SMTP, STARTTLS and AUTH through a well-kept library rather than a hand-written client.
 * One connection per mail: notification mail is rare, and a fresh connection never carries a
 * half-broken session from an earlier failure.
 */
import { createTransport } from 'nodemailer';
import { hostname } from 'node:os';

export interface SmtpServer {
  host: string;
  port: number;
  /** `starttls`: upgrade when offered, `require`: refuse without, `tls`: implicit TLS, `none`: never TLS. */
  security: 'starttls' | 'require' | 'tls' | 'none';
  user?: string;
  password?: string;
}

export interface MailAddress {
  name: string;
  address: string;
}

export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress;
  subject: string;
  text: string;
  /** Wall-clock milliseconds: the Date header (when the message was left, not when the retry went out). */
  date: number;
  attachments: { filename: string; contentType: string; content: Uint8Array }[];
}

/** Why a send failed; `permanent` when the server rejected the mail with a 5xx reply. */
export class SmtpSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'SmtpSendError';
  }
}

/** The machine's hostname: Asterisk appends it to a `serveremail` without a domain. */
export function mailHostname(): string {
  return hostname();
}

/** Connection, greeting and idle limits: a dead smarthost must fail the attempt, not hang it. */
const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

export async function sendSmtpMail(server: SmtpServer, mail: OutgoingMail): Promise<void> {
  const transport = createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'require',
    ignoreTLS: server.security === 'none',
    auth: server.user ? { user: server.user, pass: server.password ?? '' } : undefined,
    // The HELO name: the default is the OS hostname too, but say it outright.
    name: hostname(),
    ...TIMEOUTS,
  });
  try {
    await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      date: new Date(mail.date),
      attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) })),
    });
  } catch (e) {
    const err = e as Error & { responseCode?: number; response?: string; code?: string };
    const code = typeof err.responseCode === 'number' ? err.responseCode : undefined;
    const detail = err.response && !err.message.includes(err.response) ? `${err.message} (${err.response})` : err.message;
    // Permanent only when the server refused THIS mail (its sender, recipient or content). A 5xx
    // to AUTH or at the greeting is the smarthost's setup: retried, so a fixed password sends it.
    const aboutTheMail = err.code === 'EENVELOPE' || err.code === 'EMESSAGE';
    throw new SmtpSendError(detail, aboutTheMail && code !== undefined && code >= 500 && code < 600, code);
  } finally {
    transport.close();
  }
}
