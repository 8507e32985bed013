/**
 * The voicemail configuration model: voicemail.conf as Asterisk reads it ([general],
 * [zonemessages], contexts of `box => pin,full name,email,pager,options`) merged with the
 * mailboxes pbx.conf [phones] derives and pbx.conf [voicemail] (PINs for those boxes, the SMTP
 * smarthost). voicemail-conf.ts builds it; everything above config/ reads only this.
 */
import type { Origin } from './model.ts';

/** Audio formats a message or greeting is stored in (the first is the one played back). */
export type VoicemailFormat = 'wav' | 'ulaw' | 'alaw' | 'sln';

export interface VoicemailGeneral {
  /** `format = wav|ulaw|...` (Asterisk: `wav49|gsm|wav`); every message is written in each. */
  formats: VoicemailFormat[];
  /** `serveremail`: the From address of notification mail (default `asterisk`, host appended). */
  serverEmail: string;
  /** `fromstring`: the From display name (default `Asterisk PBX`). */
  fromString?: string;
  /** `attach`: attach the recording to the mail (default yes). */
  attach: boolean;
  /** `maxmsg`: messages per folder (default 100, at most 9999). */
  maxMsg: number;
  /** `maxsecs` (alias `maxmessage`): longest message in seconds (0: no limit; Asterisk default 0). */
  maxSecs: number;
  /** `minsecs` (alias `minmessage`): shorter messages are discarded (default 0). */
  minSecs: number;
  /** `maxgreet`: longest greeting in seconds (0: no limit). */
  maxGreet: number;
  /** `maxsilence`: seconds of silence that end a recording (0: never). */
  maxSilence: number;
  /** `silencethreshold`: Asterisk's 0-32767 scale (default 128). */
  silenceThreshold: number;
  /** `maxlogins`: wrong PINs before VoiceMailMain hangs up (default 3). */
  maxLogins: number;
  /** `skipms`: how far `*` / `#` rewind and skip during playback (default 3000). */
  skipMs: number;
  review: boolean;
  /** `operator`: `0` during the greeting/recording goes to the `o` extension. */
  operator: boolean;
  saycid: boolean;
  envelope: boolean;
  /** `delete`: delete the message after mailing it. */
  delete: boolean;
  /** `emailsubject` / `emailbody` as written (`\n` `\t` already decoded), `${VM_...}` not yet substituted. */
  emailSubject?: string;
  emailBody?: string;
  /** `emaildateformat` (strftime; default `%A, %B %d, %Y at %r`). */
  emailDateFormat: string;
  /** `pagerfromstring`, `pagersubject`, `pagerbody`. */
  pagerFromString?: string;
  pagerSubject?: string;
  pagerBody?: string;
  /** `minpassword`: shortest PIN accepted (default 4). */
  minPassword: number;
  /** Ours: cap of one mailbox's stored audio in bytes, all folders (default 64 MiB). */
  maxBoxBytes: number;
  /** Ours: cap of the whole spool in bytes (default 256 MiB). */
  maxSpoolBytes: number;
  /** `tz`: the default zone of [zonemessages] for boxes without `tz=`. */
  tz?: string;
  origin: Origin;
}

/** `[zonemessages]` `name = Timezone|format`: how the date is said and written for a box. */
export interface VoicemailZone {
  name: string;
  timezone: string;
  /** The say-format (`'vm-received' Q 'digits/at' IMp`). */
  format: string;
  origin: Origin;
}

/** Per-box options (`attach=yes|delete=yes|saycid=yes|tz=eastern|...`), unset ones fall back to [general]. */
export interface MailboxOptions {
  attach?: boolean;
  delete?: boolean;
  saycid?: boolean;
  envelope?: boolean;
  review?: boolean;
  operator?: boolean;
  tz?: string;
  /** `sayduration`, `callback`, `dialout`, `exitcontext` ... kept by name for later use. */
  other: Record<string, string>;
}

export interface Mailbox {
  /** Voicemail context (`default` for pbx.conf phones). */
  context: string;
  /** The box number. */
  box: string;
  /**
   * The PIN, or undefined when none is set: then the box can only be opened without a PIN
   * (VoiceMailMain `s`, from the owner's own authenticated phone), never by guessing.
   * A leading `-` in voicemail.conf (the user may not change it) is kept in `pinLocked`.
   */
  pin?: string;
  pinLocked: boolean;
  fullName: string;
  email?: string;
  pager?: string;
  options: MailboxOptions;
  /** true when derived from a pbx.conf [phones] line. */
  fromPbxConf: boolean;
  origin: Origin;
}

/** The SMTP smarthost notification mail goes through (pbx.conf [voicemail]). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** `starttls`: upgrade when offered (default), `require`: refuse without, `tls`: implicit TLS (465), `none`. */
  security: 'starttls' | 'require' | 'tls' | 'none';
  user?: string;
  password?: string;
}

export interface VoicemailConfig {
  general: VoicemailGeneral;
  zones: Map<string, VoicemailZone>;
  /** Mailboxes by context, then by box number. */
  contexts: Map<string, Map<string, Mailbox>>;
  /** Absent: notification mail is not sent (a warning names the boxes with an email). */
  smtp?: SmtpSettings;
}

/** `box@context` (context `default` when absent), as VoiceMail() and mailbox= write it. */
export function splitMailboxId(id: string): { box: string; context: string } {
  const at = id.indexOf('@');
  return at < 0 ? { box: id, context: 'default' } : { box: id.slice(0, at), context: id.slice(at + 1) || 'default' };
}

export function findMailbox(config: VoicemailConfig, id: string): Mailbox | undefined {
  const { box, context } = splitMailboxId(id);
  return config.contexts.get(context)?.get(box);
}
