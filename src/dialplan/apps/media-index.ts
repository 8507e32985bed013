/**
 * The media applications of the dialplan, built with their dependencies (the media clock, the
 * say prompt lists, the tone country, where relative recordings go). The application registry
 * (apps/) adds `mediaApplications(deps)` to the others.
 */
import type { DialplanApplication } from '../types.ts';
import { backgroundApplication, waitExtenApplication } from './media-background.ts';
import { echoApplication } from './media-echo.ts';
import { playbackApplication } from './media-playback.ts';
import { readApplication } from './media-read.ts';
import { recordApplication } from './media-record.ts';
import { sayApplications } from './media-say.ts';
import type { MediaAppDeps } from './media-session.ts';
import { waitForSilenceApplications } from './media-silence.ts';

export type { MediaAppDeps, RecordingFiles, SayPrompts } from './media-session.ts';
export { playTone } from './media-tones.ts';
export type { ToneEnd } from './media-tones.ts';
export { channelDigits, releaseChannelDigits, startChannelDigits } from './media-digits.ts';
export type { ChannelDigits } from './media-digits.ts';

export function mediaApplications(deps: MediaAppDeps): DialplanApplication[] {
  return [
    playbackApplication(deps),
    backgroundApplication(deps),
    waitExtenApplication(deps),
    readApplication(deps),
    recordApplication(deps),
    ...sayApplications(deps),
    ...waitForSilenceApplications(deps),
    echoApplication(deps),
  ];
}
