/**
 * The dialplan pbx.conf implies, written as extensions.conf text so it goes through the same
 * parser, matcher and `dialplan show` as the user's own: context `pbx-phones` holds one
 * extension per [phones] line (Dial that phone for 20 s; once voicemail is set up, when it does
 * not answer, is busy or is not registered the caller leaves a message in its mailbox, as
 * Asterisk's sample `stdexten` macro does), the echo test 600 and, with voicemail, `*97`/`*98` (VoiceMailMain). The phones'
 * context `phones` includes it unless the user's extensions.conf defines `phones` itself, so a
 * newcomer with no extensions.conf has working calls and an Asterisk user keeps full control
 * (they can `include => pbx-phones` from their own contexts).
 */
import type { PbxConfig } from '../config/index.ts';
import { findMailbox } from '../config/voicemail-model.ts';
import { featuresOf } from '../config/features-model.ts';

export const GENERATED_FILE = '(pbx.conf phones)';
export const GENERATED_CONTEXT = 'pbx-phones';
export const ECHO_TEST_EXTENSION = '600';
/** VoiceMailMain for the caller's own box (no PIN from its own phone) and for any box. */
export const OWN_MAILBOX_EXTENSION = '*97';
export const ANY_MAILBOX_EXTENSION = '*98';
/** Asterisk's sample dialplan rings a phone for 20 s (pbx.conf `dialtimeout` changes it). */
export const PHONE_DIAL_SECONDS = 20;

/** extensions.conf text for the generated contexts; `withPhonesContext` adds `[phones]`. */
export function generatedDialplanText(config: PbxConfig, withPhonesContext: boolean): string {
  const lines = [`[${GENERATED_CONTEXT}]`];
  const seconds = config.system.dialTimeout ?? PHONE_DIAL_SECONDS;
  for (const [ext, phone] of [...config.phones].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (ext === ECHO_TEST_EXTENSION) continue;
    lines.push(`exten => ${ext},1,Dial(SIP/${ext},${seconds})`, ...toMailbox(config, phone.mailbox));
  }
  // pbx.conf [analog] `1 = 2100`: the analog phone on FXS port 1 is extension 2100.
  for (const p of config.analog?.ports ?? []) {
    if (p.kind === 'fxs' && p.extension !== undefined) lines.push(`exten => ${p.extension},1,Dial(DAHDI/${p.port},${seconds})`, ...toMailbox(config, `${p.extension}@default`));
  }
  lines.push(`exten => ${ECHO_TEST_EXTENSION},1,Answer()`, ` same => n,Echo()`, ` same => n,Hangup()`);
  if (config.voicemail) lines.push(...checkMessages(config));
  lines.push(...pickupAndParking(config));
  if (withPhonesContext) lines.push('', '[phones]', `include => ${GENERATED_CONTEXT}`);
  return `${lines.join('\n')}\n`;
}

/**
 * After Dial: busy -> the box's busy greeting, anything else (no answer, not registered,
 * congestion) -> the unavailable one. Nothing when voicemail has no such box.
 */
function toMailbox(config: PbxConfig, mailbox: string): string[] {
  if (!voicemailSetUp(config) || !findMailbox(config.voicemail, mailbox)) return [];
  return [
    ' same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
    ` same => n,VoiceMail(${mailbox},u)`,
    ' same => n,Hangup()',
    ` same => n(busy),VoiceMail(${mailbox},b)`,
    ' same => n,Hangup()',
  ];
}

/**
 * Unanswered calls go to voicemail once the owner has set voicemail up: voicemail.conf exists,
 * or pbx.conf [voicemail] gives a phone its PIN or the smarthost. A pbx.conf with only
 * [phones] keeps plain ringing (the caller gets busy / no answer), so an upgrade does not start
 * answering calls that used to fail; the boxes derived from the phones are there anyway for
 * VoiceMail() in the user's own dialplan.
 */
export function voicemailSetUp(config: PbxConfig): boolean {
  if (!config.voicemail) return false;
  if (config.sources.includes('voicemail.conf') || config.voicemail.smtp !== undefined) return true;
  for (const box of config.voicemail.contexts.get('default')?.values() ?? []) if (box.fromPbxConf && box.pin !== undefined) return true;
  return false;
}

/**
 * `*97`: the caller's own mailbox without a PIN. The box is never taken from a caller ID a phone
 * could send: a SIP phone's is the peer it authenticated as (the channel name, `SIP/2000-...`);
 * an analog phone's is its FXS port's extension (`DAHDI/1-...` is port 1, `1 = 2100`), so a call
 * from an exchange line (FXO) or from a port without an extension gets no box and is asked for
 * box and PIN like `*98` (any box, number then PIN: Asterisk/FreePBX habits).
 */
function checkMessages(config: PbxConfig): string[] {
  const lines = [
    `exten => ${OWN_MAILBOX_EXTENSION},1,Set(OWNBOX=)`,
    ' same => n,ExecIf($["${CUT(CHANNEL,/,1)}" = "SIP"]?Set(OWNBOX=${CUT(CUT(CHANNEL,/,2),-,1)}))',
  ];
  for (const p of config.analog?.ports ?? []) {
    if (p.kind === 'fxs' && p.extension !== undefined) {
      const prefix = `DAHDI/${p.port}-`;
      lines.push(` same => n,ExecIf($["\${CHANNEL:0:${prefix.length}}" = "${prefix}"]?Set(OWNBOX=${p.extension}))`);
    }
  }
  lines.push(
    ' same => n,GotoIf($["${OWNBOX}" = ""]?any)',
    ' same => n,VoiceMailMain(${OWNBOX}@default,s)',
    ' same => n,Hangup()',
    ' same => n(any),VoiceMailMain()',
    ' same => n,Hangup()',
    `exten => ${ANY_MAILBOX_EXTENSION},1,VoiceMailMain()`,
    ' same => n,Hangup()',
  );
  return lines;
}

/**
 * features.conf: `pickupexten` (*8) picks up a ringing phone of the caller's pickup groups, and
 * the phones reach the parking lot through `include => parkedcalls`. The parking context holds
 * `parkext` => Park() and one ParkedCall(space) per space, as res_features registers them; an
 * Asterisk user's own contexts `include => parkedcalls` the same way. Pickup is a dialplan
 * extension here (chan_sip matches pickupexten before the dialplan) so `dialplan show` lists it
 * and a user's extensions.conf can override it.
 */
function pickupAndParking(config: PbxConfig): string[] {
  const f = featuresOf(config);
  const lines = [`exten => ${f.pickupexten},1,Pickup()`, ' same => n,Hangup()', `include => ${f.parkingContext}`, '', `[${f.parkingContext}]`, `exten => ${f.parkext},1,Park()`];
  for (let space = f.parkpos.first; space <= f.parkpos.last; space++) lines.push(`exten => ${space},1,ParkedCall(${space})`);
  return lines;
}
