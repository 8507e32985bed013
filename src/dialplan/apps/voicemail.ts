/**
 * VoiceMail(), MailboxExists() and the 1.4 applications HasVoicemail / HasNewVoicemail, as
 * app_voicemail behaves: the box's greeting (or the made-up one), `vm-intro`, a beep, then the
 * caller's message recorded until `#`, `maxsilence` of silence, `maxsecs`, or hangup (a hangup
 * keeps the message: that is how most callers finish). A message shorter than `minsecs`, or
 * nothing but silence, is dropped. During the greeting `#` skips to the beep, `*` goes to the
 * `a` extension and `0` (with `operator=yes`) to `o`, in the current context or the calling
 * macro's; VMSTATUS is SUCCESS, USEREXIT or FAILED and the dialplan goes on after a failure.
 * With voicemail.conf `review=yes` a recording ended by `#` (or silence, or maxsecs) is followed
 * by Asterisk's review menu (apps/voicemail/record-review.ts): 1 save, 2 listen, 3 re-record,
 * 4 Urgent on/off, 0 operator; no key or a hangup keeps the message.
 * The pure parts (arguments, greeting choice, the recorder, the .txt fields) are in
 * apps/voicemail/deposit.ts; the spool, the config and the notification hook come from the
 * VoicemailRuntime.
 */
import { PbxError } from '../../core/errors.ts';
import type { AudioFrame } from '../../media/frame.ts';
import type { Mailbox } from '../../config/voicemail-model.ts';
import { splitMailboxId } from '../../config/voicemail-model.ts';
import type { VoicemailRuntime } from '../../apps/voicemail/runtime.ts';
import { chooseGreeting, DTMF_TAIL_MS, findBox, KEPT_SILENCE_MS, MessageRecorder, messageInfo, parseVoiceMailArgs, reviewWanted } from '../../apps/voicemail/deposit.ts';
import { recordWithReview, ReviewTape } from '../../apps/voicemail/record-review.ts';
import type { TakeResult } from '../../apps/voicemail/record-review.ts';
import type { GreetingChoice } from '../../apps/voicemail/deposit.ts';
import { countMessages, parseBoxFolder } from '../../apps/voicemail/lookup.ts';
import type { MessageInfo, MessageRecording, StoredMessage, VoicemailFolder } from '../../store/voicemail-types.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { jumpPlus101 } from './database.ts';
import { strftime } from '../functions/strftime.ts';
import { zonedTime } from '../functions/time-zone.ts';
import { afterMs, AppAudio, answerUnless, digitTimeoutMs, guarded, HANGUP, loadPrompt, NEXT } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';
import { ChannelMenuIo } from './voicemail-main.ts';

type RecordEnd = 'DTMF' | 'OPERATOR' | 'SILENCE' | 'TIMEOUT' | 'HANGUP' | 'ERROR';

let messageSequence = 0;

/** 8 hex digits that make msg_id unique among messages left in the same second. */
function uniqueTag(seed: string): string {
  let h = 0x811c9dc5;
  for (const c of `${seed}:${++messageSequence}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Where `o` / `a` lead: the current context first, then the context that called the macro. */
function exitTarget(ctx: AppContext, exten: string): string | undefined {
  const ch = ctx.channel;
  if (ctx.lookup.exists(ch.context, exten, ch.callerId.number)) return ch.context;
  const macro = ch.variables.get('MACRO_CONTEXT');
  if (macro && ctx.lookup.exists(macro, exten, ch.callerId.number)) return macro;
  return undefined;
}

function operatorAllowed(runtime: VoicemailRuntime, box: Mailbox): boolean {
  return box.options.operator ?? runtime.config().general.operator;
}

/** Frames of several prompts one after the other (a missing one is skipped with a warning). */
function promptFrames(ctx: AppContext, audio: AppAudio, names: readonly string[]): AudioFrame[] {
  const media = audio.media!;
  const out: AudioFrame[] = [];
  for (const name of names) {
    const frames = loadPrompt(ctx, media, name, ctx.channel.language);
    if (frames) out.push(...frames);
  }
  return out;
}

function greetingPrompts(choice: GreetingChoice): string[] {
  if (choice.kind === 'recorded') return [choice.basePath];
  if (choice.kind === 'prompts') return choice.prompts;
  return [];
}

export function voicemailApplications(deps: ApplicationDeps, media: MediaAppDeps | undefined): DialplanApplication[] {
  const runtime = (): VoicemailRuntime | undefined => deps.voicemail?.();
  return [voiceMailApplication(media, runtime), mailboxExistsApplication(runtime), hasVoicemailApplication('HasVoicemail', runtime), hasVoicemailApplication('HasNewVoicemail', runtime)];
}

function voiceMailApplication(media: MediaAppDeps | undefined, runtimeOf: () => VoicemailRuntime | undefined): DialplanApplication {
  return {
    name: 'VoiceMail',
    synopsis: 'Leave a Voicemail message',
    syntax: 'VoiceMail(mailbox[@context][&mailbox[@context]][...][,options])',
    description:
      "Plays the first mailbox's greeting and records a message into each mailbox's INBOX. Options: b (busy greeting), u (unavailable greeting), s (skip the instructions), U (urgent), d([c]) (a digit during the greeting dials an extension of context c), g(#) (gain in dB); the 1.2 form VoiceMail(u2000) takes leading s, u, b, j (j: priority n+101 when the mailbox does not exist). During the greeting # skips to the beep, * goes to the 'a' extension, 0 to 'o' (operator=yes). The recording ends on #, maxsilence, maxsecs or hangup; shorter than minsecs or only silence is not kept. With review=yes in voicemail.conf the caller then hears 1 to save, 2 to listen, 3 to re-record, 4 to mark urgent (0 operator). Sets VMSTATUS to SUCCESS, USEREXIT or FAILED.",
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const setStatus = (s: 'SUCCESS' | 'USEREXIT' | 'FAILED'): void => {
        ch.variables.set('VMSTATUS', s);
      };
      const req = parseVoiceMailArgs(ctx.args);
      if (req.boxes.length === 0) {
        ctx.log('warning', 'VoiceMail requires an argument (mailbox)');
        setStatus('FAILED');
        return NEXT;
      }
      const vm = runtimeOf();
      if (!vm || !media) {
        ctx.log('warning', 'VoiceMail: voicemail is not running on this PBX');
        setStatus('FAILED');
        return NEXT;
      }
      const config = vm.config();
      const first = req.boxes[0]!;
      const mailbox = findBox(config, first.box, first.context);
      if (!mailbox) {
        ctx.log('warning', `No entry in voicemail config file for '${first.box}@${first.context}'`);
        setStatus('FAILED');
        return req.options.priorityJump ? jumpPlus101(ctx) : NEXT;
      }
      answerUnless(ch, false);
      const audio = new AppAudio(ch, media.clock);
      if (!audio.media) {
        setStatus('FAILED');
        if (audio.hungUp) return HANGUP;
        ctx.log('warning', `VoiceMail: the channel ${ch.name} has no audio`);
        return NEXT;
      }
      const opts = req.options;

      // ---- greeting and instructions, interruptible by the exit keys
      const operatorContext = operatorAllowed(vm, mailbox) ? exitTarget(ctx, 'o') : undefined;
      const attendantContext = exitTarget(ctx, 'a');
      const dialContext = opts.dialContext !== undefined ? opts.dialContext || ch.context : undefined;
      const breakOn = (d: string): boolean =>
        d === '#' || (d === '0' && operatorContext !== undefined) || (d === '*' && attendantContext !== undefined) || (dialContext !== undefined && /^[0-9]$/.test(d));
      const greeting = greetingPrompts(chooseGreeting(vm.spool, mailbox, opts.greeting));
      const intro = opts.skipIntro ? [] : ['vm-intro'];
      const heard = await audio.listen({ frames: promptFrames(ctx, audio, [...greeting, ...intro]), breakOn });
      if (heard.kind === 'hangup') {
        setStatus('FAILED');
        return HANGUP;
      }
      if (heard.kind === 'digit') {
        const d = heard.digit;
        if (d === '*' && attendantContext !== undefined) {
          ctx.log('verbose', `Caller pressed * to leave voicemail for ${mailbox.box}: going to 'a' in ${attendantContext}`);
          setStatus('USEREXIT');
          return { kind: 'goto', context: attendantContext, exten: 'a', priority: 1 };
        }
        if (d === '0' && operatorContext !== undefined) {
          ctx.log('verbose', `Caller pressed 0 to leave voicemail for ${mailbox.box}: going to 'o' in ${operatorContext}`);
          setStatus('USEREXIT');
          return { kind: 'goto', context: operatorContext, exten: 'o', priority: 1 };
        }
        if (d !== '#' && dialContext !== undefined) {
          const target = await collectIn(ctx, audio, dialContext, d);
          if (target === 'hangup') {
            setStatus('FAILED');
            return HANGUP;
          }
          if (target !== undefined) {
            setStatus('USEREXIT');
            return { kind: 'goto', context: dialContext, exten: target, priority: 1 };
          }
        }
      }

      // ---- a full box takes no message (Asterisk says so after the greeting)
      const folder: VoicemailFolder = opts.urgent ? 'Urgent' : 'INBOX';
      const full = async (): Promise<AppResult> => {
        ctx.log('notice', `No more messages possible for ${mailbox.box}@${mailbox.context}: the mailbox is full`);
        setStatus('FAILED');
        const r = await audio.playAll(promptFrames(ctx, audio, ['vm-mailboxfull']));
        return r === 'hangup' ? HANGUP : NEXT;
      };
      if (vm.spool.isFull(mailbox.context, mailbox.box, folder)) return full();

      if ((await audio.playAll(promptFrames(ctx, audio, ['beep']))) === 'hangup') {
        setStatus('FAILED');
        return HANGUP;
      }

      // ---- the message
      const general = config.general;
      const tag = uniqueTag(ch.uniqueId);
      // origtime is when the recording starts, as app_voicemail writes it before recording.
      const startedAt = ctx.now();
      const infoNow = (durationS: number, urgent = opts.urgent): MessageInfo =>
        messageInfo({
          mailbox,
          channelName: ch.name,
          callerIdName: ch.callerId.name,
          callerIdNumber: ch.callerId.number,
          context: ch.context,
          macroContext: ch.variables.get('MACRO_CONTEXT') ?? '',
          exten: ch.variables.get('MACRO_EXTEN') || ch.exten,
          priority: ch.priority,
          category: ch.variables.get('VM_CATEGORY'),
          urgent,
          nowMs: startedAt,
          durationS,
          uniqueTag: tag,
          // The PBX's own zone, as app_voicemail writes origdate in the server's local time.
          formatDate: (ms) => strftime('%a %b %e %r %Z %Y', zonedTime(ms, ''), ms),
        });
      let rec: MessageRecording;
      try {
        // The draft info lets the spool keep a message whose recording a crash cut short.
        rec = vm.spool.startMessage(mailbox.context, mailbox.box, folder, [...general.formats], infoNow(0));
      } catch (e) {
        if (!(e instanceof PbxError)) throw e;
        if (e.code === 'VM_FULL') return full();
        ctx.log('warning', `VoiceMail: cannot record for ${mailbox.box}@${mailbox.context}: ${e.message}`);
        setStatus('FAILED');
        return NEXT;
      }
      // review=yes: the take is kept in memory too, for `2` (listen) before it is committed.
      const reviewing = reviewWanted(config, mailbox);
      const tape = reviewing ? new ReviewTape(rec, general.formats[0] ?? 'wav') : undefined;
      const target = tape ?? rec;
      const newRecorder = (): MessageRecorder => new MessageRecorder(target, { formats: general.formats, gainDb: opts.gainDb, silenceThreshold: general.silenceThreshold });
      let recorder = newRecorder();
      const maxSilenceMs = general.maxSilence * 1000;
      const media0 = audio.media;
      let writeError: unknown;
      let end = 'HANGUP' as RecordEnd;
      let takes = 0;
      /** One recording until #, 0 (operator), maxsilence, maxsecs or hangup; a re-record starts the files again. */
      const recordTake = async (): Promise<TakeResult> => {
        if (takes++ > 0 && tape) {
          try {
            tape.rewind(general.formats);
            recorder = newRecorder();
          } catch (e) {
            writeError = e;
            return { end: 'error', keep: false };
          }
        }
        end = await guarded<RecordEnd>(ch.hangupSignal, 'HANGUP', (finish, onCleanup, isDone) => {
          const onDigit = (d: string): void => {
            if (d === '#') finish('DTMF');
            else if (d === '0' && operatorContext !== undefined) finish('OPERATOR');
          };
          if (audio.digits) {
            for (let d: string | undefined; !isDone() && (d = audio.digits.take()) !== undefined; ) onDigit(d);
            if (isDone()) return;
            onCleanup(audio.digits.listen(onDigit));
          }
          onCleanup(
            media0.onFrame((frame) => {
              try {
                recorder.feed(frame);
              } catch (e) {
                writeError = e;
                finish('ERROR');
                return;
              }
              if (maxSilenceMs > 0 && recorder.trailingSilenceMs >= maxSilenceMs) finish('SILENCE');
            }),
          );
          if (general.maxSecs > 0) onCleanup(afterMs(media.clock, general.maxSecs * 1000, () => finish('TIMEOUT')));
        });
        if (writeError !== undefined) return { end: 'error', keep: false };
        if (end === 'SILENCE') recorder.trimEnd(recorder.trailingSilenceMs - KEPT_SILENCE_MS);
        else if (end === 'DTMF' || end === 'OPERATOR') recorder.trimEnd(DTMF_TAIL_MS);
        return { end: end === 'HANGUP' ? 'hangup' : end === 'OPERATOR' ? 'operator' : 'done', keep: recorder.heardSound && recorder.durationS >= general.minSecs };
      };
      const review = await recordWithReview({
        io: new ChannelMenuIo(ctx, audio, vm),
        caller: true,
        review: reviewing,
        operator: operatorContext !== undefined,
        urgent: opts.urgent,
        rerecordPrompts: ['vm-intro', 'beep'],
        record: recordTake,
        samples: () => tape?.samples() ?? new Int16Array(0),
      });
      // A hangup or 0 in the review menu ends the call the same way as during the recording.
      if (review.end === 'hangup') end = 'HANGUP';
      else if (review.end === 'operator') end = 'OPERATOR';
      if (writeError !== undefined) {
        rec.discard();
        ctx.log('warning', `VoiceMail: could not write the message for ${mailbox.box}: ${(writeError as Error).message}`);
        setStatus('FAILED');
        return NEXT;
      }

      const after = (saved: boolean): Promise<AppResult> | AppResult => {
        if (end === 'HANGUP') return HANGUP;
        if (end === 'OPERATOR' && operatorContext !== undefined) {
          setStatus('USEREXIT');
          return { kind: 'goto', context: operatorContext, exten: 'o', priority: 1 };
        }
        if (!saved) return NEXT;
        // 1 in the review menu: "message saved" (Asterisk says it on that key), then goodbye.
        const closing = review.end === 'accepted' ? ['vm-msgsaved', 'vm-goodbye'] : ['vm-goodbye'];
        return audio.playAll(promptFrames(ctx, audio, closing)).then((r) => (r === 'hangup' ? HANGUP : NEXT));
      };

      if (!recorder.heardSound || recorder.durationS < general.minSecs) {
        rec.discard();
        ctx.log(
          'verbose',
          recorder.heardSound
            ? `Recording was ${recorder.durationS} seconds long but needs to be at least ${general.minSecs} - abandoning`
            : 'Recording was only silence - abandoning',
        );
        setStatus('FAILED');
        return after(false);
      }
      let stored: StoredMessage;
      try {
        recorder.finish();
        stored = rec.commit(infoNow(recorder.durationS, review.urgent));
      } catch (e) {
        rec.discard();
        if (!(e instanceof PbxError)) throw e;
        if (e.code === 'VM_FULL' && end !== 'HANGUP') return full();
        ctx.log('warning', `VoiceMail: the message for ${mailbox.box}@${mailbox.context} was not saved: ${e.message}`);
        setStatus('FAILED');
        return end === 'HANGUP' ? HANGUP : NEXT;
      }
      if (review.urgent !== opts.urgent) stored = markUrgent(ctx, vm, stored, review.urgent);
      vm.messageLeft(mailbox, stored);
      for (const other of req.boxes.slice(1)) copyTo(ctx, vm, stored, other.box, other.context);
      setStatus('SUCCESS');
      return after(true);
    },
  };
}

/**
 * `4` in the review menu changed the Urgent flag: the message (committed with the new flag) goes
 * to the folder that matches it, as app_voicemail files an Urgent message; when that folder is
 * full it stays where it is.
 */
function markUrgent(ctx: AppContext, vm: VoicemailRuntime, message: StoredMessage, urgent: boolean): StoredMessage {
  try {
    return vm.spool.move(message, urgent ? 'Urgent' : 'INBOX');
  } catch (e) {
    if (!(e instanceof PbxError)) throw e;
    ctx.log('warning', `VoiceMail: the message stays in ${message.folder} of ${message.box}@${message.context}: ${e.message}`);
    return message;
  }
}

/** The message also goes to the other boxes of `VoiceMail(2000&2001)`; a missing or full one is skipped with a warning. */
function copyTo(ctx: AppContext, vm: VoicemailRuntime, message: StoredMessage, box: string, context: string): void {
  const target = findBox(vm.config(), box, context);
  if (!target) {
    ctx.log('warning', `No entry in voicemail config file for '${box}@${context}': the message is not copied there`);
    return;
  }
  try {
    vm.messageLeft(target, vm.spool.copy(message, context, box));
  } catch (e) {
    if (!(e instanceof PbxError)) throw e;
    ctx.log('warning', `VoiceMail: the message was not copied to ${box}@${context}: ${e.message}`);
  }
}

/** `d(c)`: digits typed during the greeting, collected while more could match in `context`. */
async function collectIn(ctx: AppContext, audio: AppAudio, context: string, first: string): Promise<string | undefined | 'hangup'> {
  const cid = ctx.channel.callerId.number;
  let exten = first;
  while (ctx.lookup.matchMore(context, exten, cid)) {
    const r = await audio.waitDigit(digitTimeoutMs(ctx.channel));
    if (r.kind === 'hangup') return 'hangup';
    if (r.kind === 'timeout') break;
    exten += r.digit;
  }
  return ctx.lookup.exists(context, exten, cid) ? exten : undefined;
}

function mailboxExistsApplication(runtimeOf: () => VoicemailRuntime | undefined): DialplanApplication {
  return {
    name: 'MailboxExists',
    synopsis: 'Check to see if Voicemail mailbox exists',
    syntax: 'MailboxExists(mailbox[@context][,options])',
    description: 'Sets VMBOXEXISTSSTATUS to SUCCESS when the mailbox is configured, else FAILED. Option j jumps to priority n+101 when it exists (Asterisk 1.4). Deprecated in Asterisk: use ${VM_INFO(mailbox,exists)}.',
    async run(ctx) {
      const id = (ctx.args[0] ?? '').trim();
      if (id === '') {
        ctx.log('warning', 'MailboxExists requires an argument (vmbox[@context][,options])');
        ctx.channel.variables.set('VMBOXEXISTSSTATUS', 'FAILED');
        return NEXT;
      }
      const vm = runtimeOf();
      const { box, context } = splitMailboxId(id);
      const exists = vm !== undefined && findBox(vm.config(), box, context) !== undefined;
      ctx.channel.variables.set('VMBOXEXISTSSTATUS', exists ? 'SUCCESS' : 'FAILED');
      if (exists && (ctx.args[1] ?? '').includes('j')) return jumpPlus101(ctx);
      return NEXT;
    },
  };
}

function hasVoicemailApplication(name: 'HasVoicemail' | 'HasNewVoicemail', runtimeOf: () => VoicemailRuntime | undefined): DialplanApplication {
  return {
    name,
    synopsis: name === 'HasVoicemail' ? 'Conditionally branches to priority + 101 with the right options set' : 'Conditionally branches to priority + 101 with the right options set',
    syntax: `${name}(vmbox[/folder][@context][,varname[,options]])`,
    description: `Asterisk 1.4: counts the messages in the folder (INBOX when not given) of the mailbox, sets HASVMSTATUS to the count and varname (if given) to it; option j jumps to priority n+101 when there is at least one. Deprecated in Asterisk: use \${VMCOUNT(vmbox[@context][,folder])}.`,
    async run(ctx) {
      const spec = (ctx.args[0] ?? '').trim();
      if (spec === '') {
        ctx.log('warning', `${name} requires an argument (vmbox[/folder][@context][,varname[,options]])`);
        return NEXT;
      }
      const { box, context, folder } = parseBoxFolder(spec);
      const count = countMessages(runtimeOf(), box, context, folder);
      ctx.channel.variables.set('HASVMSTATUS', String(count));
      const varName = (ctx.args[1] ?? '').trim();
      if (varName) ctx.channel.variables.set(varName, String(count));
      if (count > 0 && (ctx.args[2] ?? '').includes('j')) return jumpPlus101(ctx);
      return NEXT;
    },
  };
}
