/**
 * VoiceMailMain([box][@context][,options]) and VMAuthenticate([box][@context][,options]) over
 * the menus of apps/voicemail/main-*.ts: this file only parses the arguments and gives the
 * menus the channel's audio (prompts that DTMF interrupts, as Background; message playback from
 * the spool through the media player with a position for rewind/skip; greeting recording with
 * the VoiceMail recorder).
 *
 * Wrong PINs are counted by the runtime's LoginGuard per source: the channel's peer (`SIP/2000`
 * from `SIP/2000-0000000a`), as SIP authentication bans are kept per peer.
 */
import type { VoicemailFormat } from '../../config/voicemail-model.ts';
import { splitMailboxId } from '../../config/voicemail-model.ts';
import { pinWeakness } from '../../config/voicemail-conf.ts';
import { MessageRecorder, DTMF_TAIL_MS } from '../../apps/voicemail/deposit.ts';
import type { Heard, MenuIo } from '../../apps/voicemail/main-io.ts';
import { authenticate } from '../../apps/voicemail/main-login.ts';
import type { LoginRequest } from '../../apps/voicemail/main-login.ts';
import { mainMenu, parseFolder } from '../../apps/voicemail/main-menu.ts';
import type { VoicemailRuntime } from '../../apps/voicemail/runtime.ts';
import { PbxError } from '../../core/errors.ts';
import type { AudioFrame } from '../../media/frame.ts';
import { FRAME_MS, framesFromSlin } from '../../media/frame.ts';
import type { GreetingRecording } from '../../store/voicemail-types.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { AppAudio, answerUnless, HANGUP, isDtmfDigit, loadPrompt, NEXT } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

/**
 * Which PINs a caller may set from the phone: the rule pbx check applies to configured PINs
 * (voicemail-conf.ts), never under 4 digits whatever minpassword says.
 */
export function phonePinProblem(pin: string, box: string, minLength: number): string | undefined {
  return pinWeakness(pin, box, Math.max(4, minLength));
}

/** The LoginGuard key of a channel: its name without the per-call suffix. */
export function loginSource(channelName: string): string {
  const dash = channelName.lastIndexOf('-');
  return dash > channelName.indexOf('/') ? channelName.slice(0, dash) : channelName;
}

/** The menus' view of one channel during one application run. */
export class ChannelMenuIo implements MenuIo {
  constructor(
    private readonly ctx: AppContext,
    private readonly audio: AppAudio,
    private readonly runtime: VoicemailRuntime,
  ) {}

  get hungUp(): boolean {
    return this.audio.hungUp;
  }

  now(): number {
    return this.ctx.now();
  }

  log(level: 'warning' | 'notice' | 'verbose', message: string): void {
    this.ctx.log(level, message);
  }

  private frames(name: string): AudioFrame[] | undefined {
    return this.audio.media ? loadPrompt(this.ctx, this.audio.media, name, this.ctx.channel.language) : undefined;
  }

  async play(prompts: readonly string[]): Promise<Heard> {
    for (const name of prompts) {
      if (this.audio.hungUp) return { kind: 'hangup' };
      const frames = this.frames(name);
      if (!frames) continue;
      const r = await this.audio.listen({ frames, breakOn: isDtmfDigit });
      if (r.kind !== 'done') return r;
    }
    return this.audio.hungUp ? { kind: 'hangup' } : { kind: 'done' };
  }

  async playAll(prompts: readonly string[]): Promise<'done' | 'hangup'> {
    for (const name of prompts) {
      const frames = this.frames(name);
      if (frames && (await this.audio.playAll(frames)) === 'hangup') return 'hangup';
    }
    return this.audio.hungUp ? 'hangup' : 'done';
  }

  async waitKey(ms: number): Promise<Heard> {
    return this.audio.waitDigit(ms);
  }

  async playMessage(basePath: string, fromMs: number): Promise<{ end: Heard; atMs: number; lengthMs: number }> {
    const media = this.audio.media;
    if (!media) return { end: this.audio.hungUp ? { kind: 'hangup' } : { kind: 'done' }, atMs: 0, lengthMs: 0 };
    let all: AudioFrame[];
    try {
      all = this.ctx.sounds.frames(basePath, this.ctx.channel.language, media.format);
    } catch (e) {
      if (!(e instanceof PbxError)) throw e;
      this.ctx.log('warning', `VoiceMailMain: cannot play ${basePath}: ${e.message}`);
      return { end: { kind: 'done' }, atMs: 0, lengthMs: 0 };
    }
    const start = Math.min(all.length, Math.max(0, Math.floor(fromMs / FRAME_MS)));
    let played = 0;
    function* counted(): Generator<AudioFrame> {
      for (let i = start; i < all.length; i++) {
        played++;
        yield all[i]!;
      }
    }
    const r = await this.audio.listen({ frames: counted(), breakOn: isDtmfDigit });
    // The frame that was just handed to the player is still being heard: count it as heard.
    return { end: r, atMs: (start + played) * FRAME_MS, lengthMs: all.length * FRAME_MS };
  }

  async playAudio(samples: Int16Array): Promise<Heard> {
    const media = this.audio.media;
    if (!media) return this.audio.hungUp ? { kind: 'hangup' } : { kind: 'done' };
    return this.audio.listen({ frames: framesFromSlin(samples, media.format), breakOn: isDtmfDigit });
  }

  async record(rec: GreetingRecording, formats: readonly VoicemailFormat[], maxMs: number): Promise<{ end: 'done' | 'hangup'; ms: number }> {
    const media = this.audio.media;
    if (!media) return { end: this.audio.hungUp ? 'hangup' : 'done', ms: 0 };
    const recorder = new MessageRecorder(rec, { formats, gainDb: 0, silenceThreshold: this.runtime.config().general.silenceThreshold });
    const unsubscribe = media.onFrame((frame) => recorder.feed(frame));
    let r: Heard;
    try {
      r = await this.audio.listen({ breakOn: (d) => d === '#', timeoutMs: maxMs > 0 ? maxMs : undefined, waitAfterFrames: true });
    } finally {
      unsubscribe();
    }
    if (r.kind === 'hangup') return { end: 'hangup', ms: recorder.audioMs };
    if (r.kind === 'digit') recorder.trimEnd(DTMF_TAIL_MS);
    recorder.finish();
    return { end: 'done', ms: recorder.audioMs };
  }
}

/** `box@context` and the options `s`, `p`, `a(folder)` of VoiceMailMain. */
export function parseMainArgs(args: readonly string[]): { box?: string; context?: string; skipPin: boolean; prefix: boolean; folder?: string } {
  const id = (args[0] ?? '').trim();
  const { box, context } = splitMailboxId(id);
  const options = (args[1] ?? '').trim();
  const folder = /a\(([^)]*)\)/.exec(options)?.[1];
  const letters = options.replace(/\([^)]*\)/g, '');
  return {
    box: box !== '' ? box : undefined,
    context: id.includes('@') ? context : undefined,
    skipPin: letters.includes('s'),
    prefix: letters.includes('p'),
    folder,
  };
}

function runtimeOf(ctx: AppContext, deps: ApplicationDeps, app: string): VoicemailRuntime | undefined {
  const vm = deps.voicemail?.();
  if (!vm) ctx.log('warning', `${app}: voicemail is not configured on this PBX`);
  return vm;
}

export function voicemailMainApplications(deps: ApplicationDeps, media: MediaAppDeps | undefined): DialplanApplication[] {
  const needsMedia = media ? undefined : 'needs media (not configured)';
  const voiceMailMain: DialplanApplication = {
    name: 'VoiceMailMain',
    synopsis: 'Check Voicemail messages',
    syntax: 'VoiceMailMain([mailbox][@context][,options])',
    description:
      'Lets a mailbox owner log in (box number, then PIN; maxlogins wrong PINs hang up, and repeated failures from the same phone lock it out for a while) and listen to, delete, forward and save messages, record greetings and change the PIN, with the Asterisk menus and prompts. Options: s (no PIN check for the given box), p (the given box is a prefix of the number typed), a(folder) (start in this folder, 0-9 or its name).',
    unavailable: needsMedia,
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const vm = runtimeOf(ctx, deps, 'VoiceMailMain');
      if (!vm || !media) return HANGUP;
      const args = parseMainArgs(ctx.args);
      const startFolder = args.folder !== undefined ? parseFolder(args.folder) : undefined;
      if (args.folder !== undefined && !startFolder) ctx.log('warning', `VoiceMailMain: no folder '${args.folder}'; starting in INBOX`);
      answerUnless(ch, false);
      const io = new ChannelMenuIo(ctx, new AppAudio(ch, media.clock), vm);
      const req: LoginRequest = {
        box: args.box,
        context: args.context,
        prefix: args.prefix ? (args.box ?? '') : undefined,
        skipPin: args.skipPin,
        callerNumber: ch.callerId.number || undefined,
        source: loginSource(ch.name),
      };
      const login = await authenticate(io, vm, req);
      if (login.kind !== 'ok') return HANGUP;
      ctx.log('verbose', `VoiceMailMain: ${req.source} logged in to ${login.mailbox.box}@${login.mailbox.context}`);
      const end = await mainMenu(io, vm, login.mailbox, { startFolder, pinProblem: phonePinProblem });
      return end === 'hangup' ? HANGUP : NEXT;
    },
  };
  const vmAuthenticate: DialplanApplication = {
    name: 'VMAuthenticate',
    synopsis: 'Authenticate with Voicemail passwords',
    syntax: 'VMAuthenticate([mailbox][@context][,options])',
    description:
      'Asks for a mailbox number (unless given) and its PIN, as VoiceMailMain does; on success sets AUTH_MAILBOX and AUTH_CONTEXT and continues, after maxlogins wrong PINs hangs up. Option s: no "vm-login" prompt before the box number.',
    unavailable: needsMedia,
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const vm = runtimeOf(ctx, deps, 'VMAuthenticate');
      if (!vm || !media) return HANGUP;
      const args = parseMainArgs(ctx.args);
      answerUnless(ch, false);
      const io = new ChannelMenuIo(ctx, new AppAudio(ch, media.clock), vm);
      const login = await authenticate(io, vm, {
        box: args.box,
        context: args.context,
        skipPin: false,
        skipIntro: args.skipPin,
        callerNumber: ch.callerId.number || undefined,
        source: loginSource(ch.name),
      });
      if (login.kind !== 'ok') return HANGUP;
      ch.variables.set('AUTH_MAILBOX', login.mailbox.box);
      ch.variables.set('AUTH_CONTEXT', login.mailbox.context);
      return NEXT;
    },
  };
  return [voiceMailMain, vmAuthenticate];
}
