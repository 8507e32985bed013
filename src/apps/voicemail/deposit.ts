/**
 * Leaving a message, the parts that do not talk to a channel: VoiceMail()'s arguments (boxes,
 * options, the 1.4 leading `u`/`b`/`s` on the box), which greeting a caller hears, the recorder
 * that streams the caller's audio into every configured format of a spool MessageRecording
 * (gain, silence detection, trimming, WAV header patches), and the `.txt` [message] fields as
 * app_voicemail writes them. The dialplan wrapper (dialplan/apps/voicemail.ts) plays the
 * prompts, waits for keys and runs this.
 */
import type { AudioFrame } from '../../media/frame.ts';
import { toSlin } from '../../media/frame.ts';
import { bytesPerMs, encodeForFile, headerBytes, headerPatches, recordingHeader } from '../../media/recording-format.ts';
import type { RecordingFormat } from '../../media/recording-format.ts';
import { SilenceDetector } from '../../media/silence.ts';
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import { splitMailboxId } from '../../config/voicemail-model.ts';
import type { AudioRecording, GreetingKind, MessageInfo, VoicemailSpool } from '../../store/voicemail-types.ts';
import { parseAppOptions } from '../app-options.ts';

export interface DepositOptions {
  /** `u` / `b`: which greeting the box plays (none: only the temporary greeting, if any). */
  greeting?: 'unavail' | 'busy';
  /** `s`: no `vm-intro` instructions after the greeting. */
  skipIntro: boolean;
  /** `U`: the message is Urgent (folder Urgent, `flag=Urgent`). */
  urgent: boolean;
  /** `d([c])`: a digit during the greeting dials an extension of this context ('' = the current one). */
  dialContext?: string;
  /** `g(#)`: gain in dB applied to the recording. */
  gainDb: number;
  /** `j` (1.2/1.4): jump to priority n+101 when the mailbox does not exist. */
  priorityJump?: boolean;
}

export interface DepositRequest {
  /** The boxes in order (`2000@default&2001`); the first one's greeting is played. */
  boxes: { box: string; context: string }[];
  options: DepositOptions;
}


/**
 * `VoiceMail(box[@ctx][&box2[@ctx]...][,options])`. Without an options argument, leading
 * `s`, `u`, `b`, `j` on the box are options (Asterisk 1.2's `VoiceMail(u2000)`), as
 * app_voicemail still accepts them. Empty box names are dropped.
 */
export function parseVoiceMailArgs(args: readonly string[]): DepositRequest {
  let boxesText = (args[0] ?? '').trim();
  let optionText = (args[1] ?? '').trim();
  if (args.length < 2 || optionText === '') {
    let legacy = '';
    while (/^[subj]/.test(boxesText)) {
      legacy += boxesText[0];
      boxesText = boxesText.slice(1);
    }
    optionText = legacy;
  }
  const opts = parseAppOptions(optionText);
  const gain = opts.has('g') ? Number.parseFloat(opts.get('g')!) : 0;
  const options: DepositOptions = {
    skipIntro: opts.has('s'),
    urgent: opts.has('U'),
    gainDb: Number.isFinite(gain) ? gain : 0,
  };
  // Asterisk checks `b` before `u` when both are given.
  if (opts.has('b')) options.greeting = 'busy';
  else if (opts.has('u')) options.greeting = 'unavail';
  if (opts.has('d')) options.dialContext = opts.get('d')!;
  if (opts.has('j')) options.priorityJump = true;
  const boxes = boxesText
    .split('&')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((id) => splitMailboxId(id));
  return { boxes, options };
}

/** What the caller hears before the beep. */
export type GreetingChoice =
  /** A greeting the owner recorded (temp, busy or unavail). */
  | { kind: 'recorded'; basePath: string; greeting: GreetingKind }
  /** Asterisk's made-up greeting: the recorded name or "the person at extension 2 0 0 0", then "is unavailable"/"is on the phone". */
  | { kind: 'prompts'; prompts: string[] }
  | { kind: 'none' };

/**
 * The temporary greeting wins over everything; then the busy or unavailable one the option
 * asks for; when that kind is not recorded, the box's recorded name (`greet`) or
 * `vm-theperson` and the digits of the box, followed by `vm-isonphone` / `vm-isunavail`.
 * Without `u`/`b` there is no greeting at all unless a temporary one exists.
 */
export function chooseGreeting(spool: Pick<VoicemailSpool, 'greeting'>, mailbox: Pick<Mailbox, 'context' | 'box'>, wanted: 'unavail' | 'busy' | undefined): GreetingChoice {
  const temp = spool.greeting(mailbox.context, mailbox.box, 'temp');
  if (temp) return { kind: 'recorded', basePath: temp.basePath, greeting: 'temp' };
  if (!wanted) return { kind: 'none' };
  const own = spool.greeting(mailbox.context, mailbox.box, wanted);
  if (own) return { kind: 'recorded', basePath: own.basePath, greeting: wanted };
  const tail = wanted === 'busy' ? 'vm-isonphone' : 'vm-isunavail';
  const name = spool.greeting(mailbox.context, mailbox.box, 'greet');
  if (name) return { kind: 'prompts', prompts: [name.basePath, tail] };
  return { kind: 'prompts', prompts: ['vm-theperson', ...digitPrompts(mailbox.box), tail] };
}

/** `digits/N` for each digit of the box (other characters are skipped, as SayDigits would say them). */
export function digitPrompts(text: string): string[] {
  return [...text].filter((c) => /[0-9]/.test(c)).map((c) => `digits/${c}`);
}

/** Asterisk's ast_callerid_merge: `"Name" <num>`, just the one that is known, or `Unknown`. */
export function callerIdText(name: string | undefined, number: string | undefined): string {
  const n = (name ?? '').trim();
  const num = (number ?? '').trim();
  if (n && num) return `"${n}" <${num}>`;
  return n || num || 'Unknown';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `origdate` as app_voicemail writes it ("%a %b %e %r %Z %Y"), here in UTC. */
export function origDate(epochMs: number): string {
  const d = new Date(epochMs);
  const h = d.getUTCHours();
  const two = (v: number): string => String(v).padStart(2, '0');
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(hour12)}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} UTC ${d.getUTCFullYear()}`;
}

export interface InfoSource {
  mailbox: Pick<Mailbox, 'box'>;
  channelName: string;
  callerIdName?: string;
  callerIdNumber?: string;
  context: string;
  macroContext: string;
  exten: string;
  priority: number;
  rdnis?: string;
  category?: string;
  urgent: boolean;
  nowMs: number;
  durationS: number;
  /** Distinguishes messages left in the same second (Asterisk: a hash of the pid and a counter). */
  uniqueTag: string;
  /** `origdate` in the PBX's zone ("%a %b %e %r %Z %Y"); default origDate (UTC). */
  formatDate?: (epochMs: number) => string;
}

/** The [message] section of msgNNNN.txt. */
export function messageInfo(s: InfoSource): MessageInfo {
  const origtime = Math.floor(s.nowMs / 1000);
  return {
    origmailbox: s.mailbox.box,
    context: s.context,
    macrocontext: s.macroContext,
    exten: s.exten,
    rdnis: s.rdnis || 'unknown',
    priority: String(s.priority),
    callerchan: s.channelName,
    callerid: callerIdText(s.callerIdName, s.callerIdNumber),
    origdate: (s.formatDate ?? origDate)(s.nowMs),
    origtime: String(origtime),
    category: s.category ?? '',
    msg_id: `${origtime}-${s.uniqueTag}`,
    flag: s.urgent ? 'Urgent' : '',
    duration: String(s.durationS),
  };
}

/** Kept of the trailing silence when a recording ends on `maxsilence` (the rest is cut). */
export const KEPT_SILENCE_MS = 200;
/** Dropped after a key ended the recording: the key's own tone. */
export const DTMF_TAIL_MS = 250;

export interface RecorderOptions {
  formats: readonly RecordingFormat[];
  gainDb: number;
  /** voicemail.conf `silencethreshold` (Asterisk's scale of average magnitude). */
  silenceThreshold: number;
}

/**
 * Streams 20 ms frames into one AudioRecording, in every format at once (each with its header
 * first). Keeps the count of audio milliseconds, of the trailing silence, and whether anything
 * louder than the threshold was heard, so the caller can drop an empty message.
 */
export class MessageRecorder {
  private readonly detector: SilenceDetector;
  private readonly gain: number;
  /** ms of audio in the files (after trims). */
  audioMs = 0;
  /** Something other than silence was heard. */
  heardSound = false;

  constructor(
    private readonly recording: AudioRecording,
    private readonly opts: RecorderOptions,
  ) {
    this.detector = new SilenceDetector(opts.silenceThreshold);
    this.gain = opts.gainDb !== 0 ? 10 ** (opts.gainDb / 20) : 1;
    for (const f of opts.formats) recording.append(f, recordingHeader(f));
  }

  /** ms of silence at the end of what was recorded. */
  get trailingSilenceMs(): number {
    return this.detector.totalSilenceMs;
  }

  feed(frame: AudioFrame): void {
    let slin = toSlin(frame);
    if (this.gain !== 1) {
      const scaled = new Int16Array(slin.length);
      for (let i = 0; i < slin.length; i++) scaled[i] = Math.max(-32768, Math.min(32767, Math.round(slin[i]! * this.gain)));
      slin = scaled;
    }
    if (!this.detector.feed(slin)) this.heardSound = true;
    const out: AudioFrame = { format: 'slin', timestamp: frame.timestamp, data: slin };
    for (const f of this.opts.formats) this.recording.append(f, encodeForFile(out, f));
    this.audioMs += (slin.length * 1000) / 8000;
  }

  /** Drop the last `ms` of audio from every format (trailing silence, a key tone). */
  trimEnd(ms: number): void {
    const cut = Math.min(Math.max(0, ms), this.audioMs);
    if (cut <= 0) return;
    for (const f of this.opts.formats) {
      const size = this.recording.size(f);
      this.recording.truncate(f, Math.max(headerBytes(f), size - cut * bytesPerMs(f)));
    }
    this.audioMs -= cut;
  }

  /** Patch the WAV headers to the final sizes; call once before commit. */
  finish(): void {
    for (const f of this.opts.formats) {
      for (const [offset, bytes] of headerPatches(f, this.recording.size(f))) this.recording.writeAt(f, offset, bytes);
    }
  }

  /** Whole seconds, as Asterisk writes `duration=`. */
  get durationS(): number {
    return Math.floor(this.audioMs / 1000);
  }
}

/** voicemail.conf `review`: the box's own option, else [general]'s (record-review.ts runs the menu). */
export function reviewWanted(config: Pick<VoicemailConfig, 'general'>, mailbox: Pick<Mailbox, 'options'>): boolean {
  return mailbox.options.review ?? config.general.review;
}

/** The box of a VoiceMail() argument, with a warning text when it is not configured. */
export function findBox(config: VoicemailConfig, box: string, context: string): Mailbox | undefined {
  return config.contexts.get(context)?.get(box);
}
