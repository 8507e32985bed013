/**
 * The cause a channel hangs up with when its priorities run out (autofallthrough), from the
 * DIALSTATUS of its last Dial(): Asterisk's __ast_pbx_run runs Busy() for BUSY and Congestion()
 * for CONGESTION and CHANUNAVAIL, so an unanswered SIP caller hears 486 or 503 instead of a
 * plain hangup; anything else ends with the cause Dial() copied from the failed leg (HANGUPCAUSE),
 * or a normal clearing.
 */
import { HANGUP_CAUSES, type HangupCause } from '../../core/hangup-causes.ts';

export function causeForDialStatus(status: string | undefined, hangupCause?: string): HangupCause {
  switch ((status ?? '').toUpperCase()) {
    case 'BUSY':
      return HANGUP_CAUSES.USER_BUSY;
    case 'CONGESTION':
    case 'CHANUNAVAIL':
      return HANGUP_CAUSES.CONGESTION;
    default:
      // app_dial copies the failed leg's cause to the caller (in->hangupcause = c->hangupcause),
      // so a callee's 480 reaches an unanswered SIP caller as 480.
      return (hangupCause !== undefined && hangupCause !== '0' ? parseHangupCause(hangupCause) : undefined) ?? HANGUP_CAUSES.NORMAL_CLEARING;
  }
}

/** Hangup(cause): a Q.850 number or an Asterisk cause name (USER_BUSY) we know; undefined otherwise. */
export function parseHangupCause(text: string): HangupCause | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const values = Object.values(HANGUP_CAUSES) as number[];
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return values.includes(n) ? (n as HangupCause) : undefined;
  }
  const key = t.toUpperCase().replace(/^AST_CAUSE_/, '') as keyof typeof HANGUP_CAUSES;
  return HANGUP_CAUSES[key];
}
