/**
 * Playback(file1[&file2...][,options]): play prompts to the end, digits ignored (and dropped,
 * as Asterisk's ast_waitstream with no break keys does). Answers first unless `noanswer`;
 * `skip` does nothing on a channel that is not up. A file that cannot be played is a warning,
 * PLAYBACKSTATUS=FAILED, and the next file still plays. The 1.4 habit `j` (jump to n+101 when
 * a file is missing) still works when that priority exists.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, answerUnless, HANGUP, loadPrompt, NEXT } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

function playbackOptions(text: string): { skip: boolean; noAnswer: boolean; jump: boolean } {
  const lower = text.toLowerCase();
  return {
    skip: lower.includes('skip'),
    noAnswer: lower.includes('noanswer'),
    jump: /(^|[^a-z])j([^a-z]|$)/.test(lower),
  };
}

export function playbackApplication(deps: MediaAppDeps): DialplanApplication {
  return {
    name: 'Playback',
    synopsis: 'Play a file',
    syntax: 'Playback(filename[&filename2[&...]][,options])',
    description:
      'Plays back the given filenames (do not put the extension). Options: skip (do nothing if the channel is not answered), noanswer (play without answering). Digits pressed meanwhile are ignored. Sets PLAYBACKSTATUS to SUCCESS or FAILED.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const files = (ctx.args[0] ?? '').trim();
      if (files === '') {
        ctx.log('warning', 'Playback requires an argument (filename)');
        return HANGUP;
      }
      const opts = playbackOptions(ctx.args[1] ?? '');
      if (ch.state !== 'Up' && opts.skip) {
        ch.variables.set('PLAYBACKSTATUS', 'SUCCESS');
        return NEXT;
      }
      answerUnless(ch, opts.noAnswer);
      const audio = new AppAudio(ch, deps.clock);
      let failed = false;
      if (!audio.media) {
        if (audio.hungUp) return HANGUP;
        ctx.log('warning', `Playback failed on ${ch.name} for ${ctx.rawArgs}: the channel has no audio`);
        failed = true;
      } else {
        // Digits typed before are read (and dropped) by the playback, as in Asterisk.
        audio.digits?.clear();
        for (const name of files.split('&')) {
          const frames = loadPrompt(ctx, audio.media, name.trim(), ch.language);
          if (!frames) {
            ctx.log('warning', `Playback failed on ${ch.name} for ${ctx.rawArgs}`);
            failed = true;
            continue;
          }
          if ((await audio.playAll(frames)) === 'hangup') {
            ch.variables.set('PLAYBACKSTATUS', 'FAILED');
            return HANGUP;
          }
        }
      }
      ch.variables.set('PLAYBACKSTATUS', failed ? 'FAILED' : 'SUCCESS');
      if (failed && opts.jump && ctx.lookup.find(ch.context, ch.exten, ch.priority + 101, ch.callerId.number)) {
        return { kind: 'goto', priority: ch.priority + 101 };
      }
      return NEXT;
    },
  };
}
