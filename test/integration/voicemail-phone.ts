/**
 * What the VoiceMailMain and MWI tests share: a dialplan where 8000 leaves a message for 2000
 * (VoiceMail with `s`, straight to the beep) and 8500 opens 2000's box with VoiceMailMain, the
 * voicemail.conf giving 2000 its PIN, and waiting until a prompt has reached a phone.
 */
import { framesOf, sleep, type ActiveCall } from './dialplan-phone.ts';

export const VOICEMAIL_EXTENSIONS = [
  '[phones]',
  'exten => 8000,1,Answer()',
  ' same => n,VoiceMail(2000@default,s)',
  ' same => n,Hangup()',
  'exten => 8500,1,VoiceMailMain(2000@default)',
  ' same => n,Hangup()',
  'include => pbx-phones',
  '',
].join('\n');

/** voicemail.conf with box 2000 (Alice) and its PIN. */
export function voicemailConf(pin: string): string {
  return ['[general]', 'format = wav', '', '[default]', `2000 => ${pin},Alice`, ''].join('\n');
}

/** Waits until `prompt` (u-law, PT 0) has reached the phone after received index `from`. */
export async function heard(c: ActiveCall, prompt: string, from = 0, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (framesOf(prompt, c.received.slice(from).filter((r) => r.pt === 0).map((r) => r.payload)) > 0) return;
    await sleep(100);
  }
  throw new Error(`${prompt} did not reach the phone`);
}
