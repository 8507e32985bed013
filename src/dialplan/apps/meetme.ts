/**
 * MeetMe([confno][,options[,pin]]) and MeetMeCount(confno[,var]) over apps/meetme (app_meetme):
 *  - no confno: conf-getconfno and the digits typed (#-terminated), up to 3 tries, an unknown
 *    number conf-invalid; a number meetme.conf does not list runs only with d/D (dynamic: D asks
 *    conf-getpin for the new conference's PIN, d takes the pin argument or none);
 *  - a conference with a PIN: the pin argument, else conf-getpin; up to 3 tries, each wrong one
 *    conf-invalidpin (a wrong pin argument is not retried), then the caller leaves (next
 *    priority); the admin PIN makes the user an admin;
 *  - a locked conference refuses non-admins with conf-locked;
 *  - `i`/`I`: vm-rec-name and the name recorded (up to 10 s, # ends it; `i` offers vm-review:
 *    1 accept, 2 listen, 3 record again), announced with conf-hasjoin/conf-hasleft;
 *  - then the channel is a user until it hangs up, leaves with `#` (`p`), is kicked or closed
 *    out (`x`); MEETMESECS is the time spent in the conference; the dialplan goes on except
 *    after a hangup.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { AppAudio, answerUnless, digitTimeoutMs, HANGUP, isDtmfDigit, loadPrompt, NEXT, optionLetters, responseTimeoutMs, type MediaAppDeps } from './media-session.ts';
import type { Conference, UserFlags } from '../../apps/meetme/conference.ts';
import type { AudioFrame } from '../../media/frame.ts';

const TRIES = 3;
const NAME_MAX_MS = 10_000;

/** ast_app_getdata: the prompt (cut by the first key), then keys until `#`, `max` or a timeout. */
async function getData(ctx: AppContext, audio: AppAudio, prompt: string, max: number): Promise<string | undefined> {
  const media = audio.media;
  const frames = media ? loadPrompt(ctx, media, prompt, ctx.channel.language) : undefined;
  let r = frames ? await audio.listen({ frames, breakOn: isDtmfDigit }) : await audio.waitDigit(responseTimeoutMs(ctx.channel));
  if (r.kind === 'done') r = await audio.waitDigit(responseTimeoutMs(ctx.channel));
  let digits = '';
  for (;;) {
    if (r.kind === 'hangup') return undefined;
    if (r.kind !== 'digit' || r.digit === '#') return digits;
    digits += r.digit;
    if (digits.length >= max) return digits;
    r = await audio.waitDigit(digitTimeoutMs(ctx.channel));
  }
}

async function play(ctx: AppContext, audio: AppAudio, name: string): Promise<boolean> {
  const frames = audio.media ? loadPrompt(ctx, audio.media, name, ctx.channel.language) : undefined;
  if (!frames) return !audio.hungUp;
  return (await audio.playAll(frames)) === 'done';
}

/** The caller's name: frames heard until `#` or NAME_MAX_MS (undefined: hung up). */
async function recordName(ctx: AppContext, audio: AppAudio, review: boolean): Promise<AudioFrame[] | undefined> {
  const media = audio.media;
  if (!media) return [];
  for (;;) {
    if (!(await play(ctx, audio, 'vm-rec-name'))) return undefined;
    if (!(await play(ctx, audio, 'beep'))) return undefined;
    const name: AudioFrame[] = [];
    const off = media.onFrame((f) => {
      // Copied: the frame's buffer is reused for the next packet.
      name.push({ ...f, data: f.data.slice() } as AudioFrame);
    });
    const r = await audio.listen({ breakOn: (d) => d === '#', timeoutMs: NAME_MAX_MS });
    off();
    if (r.kind === 'hangup') return undefined;
    if (!review) return name;
    for (;;) {
      const frames = loadPrompt(ctx, media, 'vm-review', ctx.channel.language) ?? [];
      const k = await audio.listen({ frames, breakOn: (d) => d === '1' || d === '2' || d === '3', timeoutMs: 5000 + frames.length * 20 });
      if (k.kind === 'hangup') return undefined;
      if (k.kind !== 'digit' || k.digit === '1') return name;
      if (k.digit === '3') break;
      if ((await audio.playAll(name)) === 'hangup') return undefined;
    }
  }
}

function flagsOf(opts: Set<string>): UserFlags {
  return {
    admin: opts.has('a'),
    listenOnly: opts.has('m'),
    marked: opts.has('A'),
    quiet: opts.has('q'),
    music: opts.has('M'),
    noOnlyPerson: opts.has('1'),
    closeOnMarkedExit: opts.has('x'),
    menu: opts.has('s'),
    poundExit: opts.has('p'),
  };
}

function meetMeApplication(deps: ApplicationDeps, media: MediaAppDeps | undefined): DialplanApplication {
  return {
    name: 'MeetMe',
    synopsis: 'MeetMe conference bridge',
    syntax: 'MeetMe([confno][,options[,pin]])',
    description:
      'Enters the user into the conference confno (asked with conf-getconfno when omitted). Rooms and their PIN/admin PIN come from meetme.conf [rooms]; d/D create a dynamic conference for an unlisted number (D asks for its PIN). Options: a (admin), A (marked), m (listen only), M (music on hold while alone), q (quiet: no enter/leave sounds), 1 (no "you are the only person" prompt), i/I (record and announce the name, i with review), s (menu on *: 1 mute/unmute; admin 2 lock/unlock, 3 eject last user), p (# leaves), x (leave when the last marked user leaves). A wrong PIN three times: conf-invalidpin and the dialplan goes on. Sets MEETMESECS.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const registry = deps.meetme?.();
      if (!registry || !media) {
        ctx.log('warning', 'MeetMe: conferences are not running on this PBX');
        return NEXT;
      }
      answerUnless(ch, false);
      const audio = new AppAudio(ch, media.clock);
      if (!audio.media) {
        ctx.log('warning', `MeetMe: ${ch.name} has no audio`);
        return NEXT;
      }
      const opts = optionLetters(ctx.args[1]);
      const pinArg = (ctx.args[2] ?? '').trim();
      const dynamic = opts.has('d') || opts.has('D');

      // Which conference.
      let confno = (ctx.args[0] ?? '').trim();
      const asked = confno === '';
      let conf: Conference | undefined;
      let created = false;
      for (let tries = 0; !conf && tries < TRIES; tries++) {
        if (asked) {
          const got = await getData(ctx, audio, 'conf-getconfno', 79);
          if (got === undefined) return HANGUP;
          confno = got;
          if (confno === '') continue;
        }
        const before = registry.find(confno);
        let dynPin = pinArg;
        if (!before && !registry.room(confno) && opts.has('D') && dynPin === '') {
          const got = await getData(ctx, audio, 'conf-getpin', 79);
          if (got === undefined) return HANGUP;
          dynPin = got;
        }
        conf = registry.open(confno, dynamic ? { pin: dynPin } : undefined);
        // Its creator: the first claim on a dynamic conference nobody is in yet.
        created = conf !== undefined && conf.dynamic && conf.claims === 1 && conf.count === 0;
        if (!conf) {
          ctx.log('warning', `MeetMe: conference ${confno} does not exist`);
          if (!(await play(ctx, audio, 'conf-invalid'))) return HANGUP;
          if (!asked) return NEXT;
        }
      }
      if (!conf) return NEXT;

      // The PIN (its creator is not asked for a dynamic conference's PIN).
      const flags = flagsOf(opts);
      if (!created && (conf.pin !== '' || (conf.adminpin !== '' && flags.admin))) {
        let ok = false;
        for (let tries = 0; !ok && tries < TRIES; tries++) {
          const entered = pinArg !== '' ? pinArg : await getData(ctx, audio, 'conf-getpin', 79);
          if (entered === undefined) {
            registry.release(conf);
            return HANGUP;
          }
          if (conf.adminpin !== '' && entered === conf.adminpin) {
            flags.admin = true;
            ok = true;
          } else if (entered === conf.pin && conf.pin !== '') ok = true;
          else {
            ctx.log('verbose', `MeetMe: wrong PIN for conference ${conf.confno} on ${ch.name}`);
            if (!(await play(ctx, audio, 'conf-invalidpin'))) {
              registry.release(conf);
              return HANGUP;
            }
            if (pinArg !== '') break;
          }
        }
        if (!ok) {
          registry.release(conf);
          return NEXT;
        }
      }
      if (conf.locked && !flags.admin) {
        registry.release(conf);
        return (await play(ctx, audio, 'conf-locked')) ? NEXT : HANGUP;
      }
      if (opts.has('i') || opts.has('I')) {
        const name = await recordName(ctx, audio, opts.has('i'));
        if (name === undefined) {
          registry.release(conf);
          return HANGUP;
        }
        if (name.length > 0) flags.name = name;
      }

      const user = conf.join(ch, flags);
      registry.release(conf);
      if (!user) return ch.hangupSignal.aborted ? HANGUP : NEXT;
      ctx.log('verbose', `${ch.name} is user ${user.userNo} of conference ${conf.confno}`);
      const digits = audio.digits;
      digits?.clear();
      const offDigits = digits?.listen((d) => user.press(d));
      const reason = await user.left;
      offDigits?.();
      ch.variables.set('MEETMESECS', String(Math.max(0, Math.round((ctx.now() - user.joinedAt) / 1000))));
      return reason === 'hangup' || ch.hangupSignal.aborted ? HANGUP : NEXT;
    },
  };
}

function meetMeCountApplication(deps: ApplicationDeps): DialplanApplication {
  return {
    name: 'MeetMeCount',
    synopsis: 'MeetMe participant count',
    syntax: 'MeetMeCount(confno[,var])',
    description: 'Sets var to the number of users in the conference confno (0 when it is not running); without var the number is said (SayNumber).',
    async run(ctx: AppContext): Promise<AppResult> {
      const confno = (ctx.args[0] ?? '').trim();
      if (confno === '') {
        ctx.log('warning', 'MeetMeCount requires an argument (conference number)');
        return NEXT;
      }
      const n = deps.meetme?.()?.count(confno) ?? 0;
      const variable = (ctx.args[1] ?? '').trim();
      if (variable !== '') {
        ctx.channel.variables.set(variable, String(n));
        return NEXT;
      }
      answerUnless(ctx.channel, false);
      return ctx.runApp('SayNumber', String(n));
    },
  };
}

export function meetmeApplications(deps: ApplicationDeps, media: MediaAppDeps | undefined): DialplanApplication[] {
  return [meetMeApplication(deps, media), meetMeCountApplication(deps)];
}
