/**
 * Composes the notification mail of a new message as Asterisk's app_voicemail does: From
 * `"fromstring" <serveremail>` (a serveremail without a domain gets `@hostname`), To
 * `"Full Name" <email>`, `emailsubject` / `emailbody` with `${VM_NAME}`, `${VM_DUR}`, ... substituted,
 * the recording attached as `msg0000.wav` (audio/x-wav) when `attach` holds, and the short pager
 * mail (no attachment) to the box's pager address. Pure: time formatting comes in as a function.
 */
import type { Mailbox, VoicemailGeneral, VoicemailZone } from '../../config/voicemail-model.ts';
import type { StoredMessage } from '../../store/voicemail-types.ts';

export interface MailAddress {
  name: string;
  address: string;
}

/** A composed mail; the attachment is still a path (the queue copies the bytes in). */
export interface ComposedMail {
  kind: 'email' | 'pager';
  /** `box@context`. */
  mailbox: string;
  from: MailAddress;
  to: MailAddress;
  subject: string;
  text: string;
  /** When the message was left (wall-clock ms): the mail's Date header. */
  date: number;
  attachment?: { path: string; filename: string; contentType: string };
}

/** strftime `format` of epoch ms in an IANA zone ('' = the system zone). */
export type FormatDate = (epochMs: number, format: string, timezone: string) => string;

export interface ComposeInput {
  general: VoicemailGeneral;
  zones: Map<string, VoicemailZone>;
  mailbox: Mailbox;
  message: StoredMessage;
  /** The machine's hostname, appended to a serveremail without `@`. */
  hostname: string;
  formatDate: FormatDate;
}

/** Asterisk's defaults (app_voicemail: `[PBX]: New message N in mailbox BOX`, its body, pager). */
export const DEFAULT_SUBJECT = '[PBX]: New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}';
export const DEFAULT_BODY =
  'Dear ${VM_NAME}:\n\n\tjust wanted to let you know you were just left a ${VM_DUR} long message (number ${VM_MSGNUM})\n' +
  'in mailbox ${VM_MAILBOX} from ${VM_CALLERID}, on ${VM_DATE}, so you might\n' +
  'want to check it when you get a chance.  Thanks!\n\n\t\t\t\t--Asterisk\n';
export const DEFAULT_PAGER_SUBJECT = 'New VM';
export const DEFAULT_PAGER_BODY = 'New ${VM_DUR} long msg in box ${VM_MAILBOX}\nfrom ${VM_CALLERID}, on ${VM_DATE}';
export const DEFAULT_FROM_STRING = 'Asterisk PBX';
/** Asterisk's pager mail uses a fixed short date. */
const PAGER_DATE_FORMAT = '%A, %B %d, %Y at %r';

/** Splits `"Alice" <2000>`, `Alice <2000>`, `<2000>` or `2000` into name and number. */
export function parseCallerId(callerid: string): { name?: string; num?: string } {
  const s = callerid.trim();
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  if (lt >= 0 && gt > lt) {
    const num = s.slice(lt + 1, gt).trim();
    let name = s.slice(0, lt).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
    return { name: name || undefined, num: num || undefined };
  }
  if (s === '') return {};
  // A bare string of dial characters is a number; anything else is a name (ast_callerid_parse).
  return /^[0-9*#+]+$/.test(s) ? { num: s } : { name: s };
}

/** `m:ss`, as Asterisk's `%d:%02d` of minutes and seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Replaces `${NAME}` with vars[NAME]. A name that is not set becomes empty, as an unset channel
 * variable does in Asterisk's substitution; `$${` is not special.
 */
export function substituteVariables(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => vars[name] ?? '');
}

/** The `VM_*` variables of app_voicemail's emailsubject / emailbody for one message. */
export function mailVariables(input: ComposeInput, dateFormat: string): Record<string, string> {
  const { mailbox, message } = input;
  const info = message.info;
  const { name, num } = parseCallerId(info.callerid ?? '');
  const merged = name && num ? `"${name}" <${num}>` : (name ?? num ?? 'an unknown caller');
  const epochMs = Number(info.origtime) * 1000;
  return {
    VM_NAME: mailbox.fullName,
    VM_DUR: formatDuration(Number(info.duration) || 0),
    VM_MSGNUM: String(message.index + 1),
    VM_MAILBOX: mailbox.box,
    VM_CONTEXT: mailbox.context,
    VM_CALLERID: merged,
    VM_CIDNAME: name ?? 'an unknown caller',
    VM_CIDNUM: num ?? 'an unknown caller',
    VM_DATE: input.formatDate(Number.isFinite(epochMs) ? epochMs : 0, dateFormat, boxTimezone(input)),
    VM_CATEGORY: info.category || 'no category',
    VM_FLAG: info.flag ?? '',
  };
}

/** The box's `tz=` (or [general] tz) looked up in [zonemessages]; '' (system zone) when unset. */
function boxTimezone(input: ComposeInput): string {
  const zoneName = input.mailbox.options.tz ?? input.general.tz;
  return (zoneName && input.zones.get(zoneName)?.timezone) || '';
}

/** `serveremail` with `@hostname` added when it has no domain. */
export function senderAddress(serverEmail: string, hostname: string): string {
  const addr = serverEmail.trim() || 'asterisk';
  return addr.includes('@') ? addr : `${addr}@${hostname}`;
}

/** The mails a new message sends: the notification to `email` and the pager mail to `pager`. */
export function composeNotifications(input: ComposeInput): ComposedMail[] {
  const { general, mailbox, message } = input;
  const out: ComposedMail[] = [];
  const from = senderAddress(general.serverEmail, input.hostname);
  const id = `${mailbox.box}@${mailbox.context}`;
  const date = (Number(message.info.origtime) || 0) * 1000;
  if (mailbox.email) {
    const vars = mailVariables(input, general.emailDateFormat);
    const attach = mailbox.options.attach ?? general.attach;
    const mail: ComposedMail = {
      kind: 'email',
      mailbox: id,
      from: { name: general.fromString ?? DEFAULT_FROM_STRING, address: from },
      to: { name: mailbox.fullName, address: mailbox.email },
      subject: substituteVariables(general.emailSubject ?? DEFAULT_SUBJECT, vars),
      text: substituteVariables(general.emailBody ?? DEFAULT_BODY, vars),
      date,
    };
    if (attach && message.formats.includes('wav')) {
      const name = message.basePath.slice(message.basePath.lastIndexOf('/') + 1);
      mail.attachment = { path: `${message.basePath}.wav`, filename: `${name}.wav`, contentType: 'audio/x-wav' };
    }
    out.push(mail);
  }
  if (mailbox.pager) {
    const vars = mailVariables(input, PAGER_DATE_FORMAT);
    out.push({
      kind: 'pager',
      mailbox: id,
      from: { name: general.pagerFromString ?? general.fromString ?? DEFAULT_FROM_STRING, address: from },
      to: { name: mailbox.fullName, address: mailbox.pager },
      subject: substituteVariables(general.pagerSubject ?? DEFAULT_PAGER_SUBJECT, vars),
      text: substituteVariables(general.pagerBody ?? DEFAULT_PAGER_BODY, vars),
      date,
    });
  }
  return out;
}
