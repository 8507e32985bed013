/**
 * The dialplan pbx.conf implies, written as extensions.conf text so it goes through the same
 * parser, matcher and `dialplan show` as the user's own: context `pbx-phones` holds one
 * extension per [phones] line (Dial that phone for 20 s) and the echo test 600. The phones'
 * context `phones` includes it unless the user's extensions.conf defines `phones` itself, so a
 * newcomer with no extensions.conf has working calls and an Asterisk user keeps full control
 * (they can `include => pbx-phones` from their own contexts).
 */
import type { PbxConfig } from '../config/index.ts';

export const GENERATED_FILE = '(pbx.conf phones)';
export const GENERATED_CONTEXT = 'pbx-phones';
export const ECHO_TEST_EXTENSION = '600';
/** Asterisk's sample dialplan rings a phone for 20 s (pbx.conf `dialtimeout` changes it). */
export const PHONE_DIAL_SECONDS = 20;

/** extensions.conf text for the generated contexts; `withPhonesContext` adds `[phones]`. */
export function generatedDialplanText(config: PbxConfig, withPhonesContext: boolean): string {
  const lines = [`[${GENERATED_CONTEXT}]`];
  for (const ext of [...config.phones.keys()].sort()) {
    if (ext === ECHO_TEST_EXTENSION) continue;
    lines.push(`exten => ${ext},1,Dial(SIP/${ext},${config.system.dialTimeout ?? PHONE_DIAL_SECONDS})`);
  }
  // pbx.conf [analog] `1 = 2100`: the analog phone on FXS port 1 is extension 2100.
  for (const p of config.analog?.ports ?? []) {
    if (p.kind === 'fxs' && p.extension !== undefined) lines.push(`exten => ${p.extension},1,Dial(DAHDI/${p.port},${config.system.dialTimeout ?? PHONE_DIAL_SECONDS})`);
  }
  lines.push(`exten => ${ECHO_TEST_EXTENSION},1,Answer()`, ` same => n,Echo()`, ` same => n,Hangup()`);
  if (withPhonesContext) lines.push('', '[phones]', `include => ${GENERATED_CONTEXT}`);
  return `${lines.join('\n')}\n`;
}
