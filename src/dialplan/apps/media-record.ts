/**
 * Record(filename.format[,silence[,maxduration[,options]]]) as Asterisk's app_record: `%d` in
 * the name becomes the first number (from 0) whose file does not exist yet; the format is the
 * extension (wav = 8 kHz 16-bit mono PCM, ulaw, alaw, sln); a beep first unless `q`; the
 * recording ends on `silence` seconds of silence (average magnitude below 256 per frame, and
 * one second of that silence is kept), after `maxduration` seconds, on `#` (`*` with t, none
 * with x, any key with y, `0` with o -> OPERATOR), or on hangup (the file is deleted unless k).
 * A DTMF ending drops the last quarter second (the key tone). RECORDED_FILE is the name
 * without extension; RECORD_STATUS is DTMF, SILENCE, SKIP, TIMEOUT, HANGUP, OPERATOR or ERROR.
 *
 * The audio streams into a temp file beside the target that is renamed into place only when
 * the recording ends (src/platform/recording-file.ts), so no torn file is ever visible.
 */
import { PbxError } from '../../core/errors.ts';
import type { AudioFrame } from '../../media/frame.ts';
import { toSlin } from '../../media/frame.ts';
import { beepFrames } from '../../media/player.ts';
import { bytesPerMs, encodeForFile, existingAudioBytes, headerBytes, headerPatches, recordingFormatOf, recordingHeader } from '../../media/recording-format.ts';
import type { RecordingFormat } from '../../media/recording-format.ts';
import { DEFAULT_SILENCE_THRESHOLD, SilenceDetector } from '../../media/silence.ts';
import { readBinaryFile } from '../../platform/binary-file.ts';
import { paths } from '../../platform/fs.ts';
import { createRecordingFile, recordingExists } from '../../platform/recording-file.ts';
import type { RecordingFile } from '../../platform/recording-file.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { afterMs, AppAudio, answerUnless, guarded, HANGUP, loadPrompt, NEXT, optionLetters } from './media-session.ts';
import type { MediaAppDeps, RecordingFiles } from './media-session.ts';

export const platformRecordingFiles: RecordingFiles = {
  exists: recordingExists,
  create: createRecordingFile,
  read: readBinaryFile,
};

/** Trailing silence kept when a recording ends on silence (Asterisk rewinds silence - 1 s). */
const KEPT_SILENCE_MS = 1000;
/** Dropped after a DTMF ending: the key's own tone. */
const DTMF_TAIL_MS = 250;
/** Highest %d tried before giving up. */
const MAX_SEQUENCE = 100_000;

/** `name%dx` with the count in place of every %d (other % sequences kept). */
export function expandPercentD(name: string, count: number): string {
  return name.replace(/%(.)/g, (all, c: string) => (c === 'd' ? String(count) : all));
}

type RecordEnd = 'DTMF' | 'OPERATOR' | 'SILENCE' | 'TIMEOUT' | 'HANGUP' | 'ERROR';

export function recordApplication(deps: MediaAppDeps): DialplanApplication {
  const files = deps.files ?? platformRecordingFiles;
  return {
    name: 'Record',
    synopsis: 'Record to a file',
    syntax: 'Record(filename.format[,silence[,maxduration[,options]]])',
    description:
      'Records from the channel into filename.format (wav, ulaw, alaw, sln). %d in the name is replaced by a number so an existing file is never overwritten. silence: seconds of silence that end the recording. maxduration: seconds (0 or missing: no limit). Options: a (append), n (do not answer), o (0 exits with OPERATOR), q (no beep), s (skip if not answered), t (* terminates instead of #), x (ignore all keys), k (keep the file on hangup), y (any key terminates). Sets RECORDED_FILE and RECORD_STATUS.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const setStatus = (s: string): void => {
        ch.variables.set('RECORD_STATUS', s);
      };
      const arg = (ctx.args[0] ?? '').trim();
      if (arg === '') {
        ctx.log('warning', 'Record requires an argument (filename)');
        setStatus('ERROR');
        return HANGUP;
      }
      // The format is after the last '.', else after ':' (Asterisk's two spellings).
      let cut = arg.lastIndexOf('.');
      if (cut < 0) cut = arg.indexOf(':');
      if (cut < 0) {
        ctx.log('warning', 'No extension specified to filename!');
        setStatus('ERROR');
        return HANGUP;
      }
      const base = arg.slice(0, cut);
      const ext = arg.slice(cut + 1);
      const format = recordingFormatOf(ext);
      const silenceMs = nonNegativeSeconds(ctx, ctx.args[1], 'silence duration');
      const maxMs = nonNegativeSeconds(ctx, ctx.args[2], 'maximum duration');
      const opts = optionLetters(ctx.args[3]);
      const terminator = opts.has('x') ? undefined : opts.has('t') ? '*' : '#';

      if (!format) {
        ctx.log('warning', `Record: cannot write format '${ext}' (use wav, ulaw, alaw or sln)`);
        setStatus('ERROR');
        return NEXT;
      }
      let dir: string;
      if (paths.isAbsolute(base)) dir = '';
      else if (deps.recordingDir) dir = deps.recordingDir;
      else {
        ctx.log('warning', `Record: '${base}' is a relative path and no recording directory is configured`);
        setStatus('ERROR');
        return NEXT;
      }
      const full = (name: string): string => (dir ? paths.join(dir, name) : name);
      let name = base;
      if (base.includes('%d')) {
        let count = 0;
        name = expandPercentD(base, count);
        while (files.exists(`${full(name)}.${ext}`) && count < MAX_SEQUENCE) name = expandPercentD(base, ++count);
      }
      ch.variables.set('RECORDED_FILE', name);

      if (ch.state !== 'Up') {
        if (opts.has('s')) {
          setStatus('SKIP');
          return NEXT;
        }
        answerUnless(ch, opts.has('n'));
      }
      const audio = new AppAudio(ch, deps.clock);
      if (!audio.media) {
        if (audio.hungUp) {
          setStatus('HANGUP');
          return HANGUP;
        }
        ctx.log('warning', `Record: the channel ${ch.name} has no audio`);
        setStatus('ERROR');
        return NEXT;
      }
      const media = audio.media;
      if (!opts.has('q')) {
        const beep = loadBeep(ctx, audio);
        if ((await audio.playAll(beep)) === 'hangup') {
          setStatus('HANGUP');
          return HANGUP;
        }
      }

      const path = `${full(name)}.${ext}`;
      let file: RecordingFile | undefined;
      try {
        file = files.create(path);
        file.append(recordingHeader(format));
        if (opts.has('a')) {
          const old = files.read(path);
          if (old) file.append(existingAudioBytes(format, old));
        }
      } catch (e) {
        file?.discard();
        ctx.log('warning', `Could not create file ${path}: ${(e as Error).message}`);
        setStatus('ERROR');
        return NEXT;
      }

      const detector = silenceMs > 0 ? new SilenceDetector(DEFAULT_SILENCE_THRESHOLD) : undefined;
      let writeError: unknown;
      const out = file;
      const end = await guarded<RecordEnd>(ch.hangupSignal, 'HANGUP', (finish, onCleanup, isDone) => {
        const onFrame = (frame: AudioFrame): void => {
          try {
            out.append(encodeForFile(frame, format));
          } catch (e) {
            writeError = e;
            finish('ERROR');
            return;
          }
          if (detector) {
            detector.feed(toSlin(frame));
            if (detector.totalSilenceMs > silenceMs) finish('SILENCE');
          }
        };
        const onDigit = (d: string): void => {
          if (d === '0' && opts.has('o')) finish('OPERATOR');
          else if (d === terminator || opts.has('y')) finish('DTMF');
        };
        if (audio.digits) {
          for (let d: string | undefined; !isDone() && (d = audio.digits.take()) !== undefined; ) onDigit(d);
          if (isDone()) return;
          onCleanup(audio.digits.listen(onDigit));
        }
        onCleanup(media.onFrame(onFrame));
        if (maxMs > 0) onCleanup(afterMs(deps.clock, maxMs, () => finish('TIMEOUT')));
      });
      if (writeError !== undefined) ctx.log('warning', `Problem writing frame: ${(writeError as Error).message}`);
      setStatus(end);
      return finishFile(ctx, out, format, end, silenceMs, opts.has('k'));
    },
  };
}

function nonNegativeSeconds(ctx: AppContext, text: string | undefined, what: string): number {
  if (text === undefined || text.trim() === '') return 0;
  const m = /^\s*(-?\d+)/.exec(text);
  const n = m ? Number(m[1]) : Number.NaN;
  if (Number.isFinite(n) && n > -1) return n * 1000;
  ctx.log('warning', `'${text}' is not a valid ${what}`);
  return 0;
}

function loadBeep(ctx: AppContext, audio: AppAudio): Iterable<AudioFrame> {
  const media = audio.media!;
  try {
    if (ctx.sounds.find('beep', ctx.channel.language, media.format) !== undefined) {
      const frames = loadPrompt(ctx, media, 'beep', ctx.channel.language);
      if (frames) return frames;
    }
  } catch (e) {
    if (!(e instanceof PbxError)) throw e;
  }
  // No beep prompt installed: a generated one rather than a silent start.
  return beepFrames(media.format);
}

function finishFile(ctx: AppContext, file: RecordingFile, format: RecordingFormat, end: RecordEnd, silenceMs: number, keep: boolean): AppResult {
  const audioStart = headerBytes(format);
  try {
    if (end === 'HANGUP' && !keep) {
      file.discard();
      return HANGUP;
    }
    if (end === 'SILENCE') {
      file.truncate(Math.max(audioStart, file.size - Math.max(0, silenceMs - KEPT_SILENCE_MS) * bytesPerMs(format)));
    } else if (end === 'DTMF' || end === 'OPERATOR') {
      file.truncate(Math.max(audioStart, file.size - DTMF_TAIL_MS * bytesPerMs(format)));
    }
    for (const [offset, bytes] of headerPatches(format, file.size)) file.writeAt(offset, bytes);
    file.commit();
  } catch (e) {
    file.discard();
    ctx.log('warning', `Could not write ${file.path}: ${(e as Error).message}`);
    ctx.channel.variables.set('RECORD_STATUS', 'ERROR');
  }
  return end === 'HANGUP' ? HANGUP : NEXT;
}
