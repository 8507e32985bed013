/**
 * The dialog side of REFER (RFC 3515): checking a REFER received in an INVITE dialog before the
 * TU decides, and the headers of the NOTIFYs of its implicit subscription. What the transfer
 * means (which call goes where) is the TU's.
 */
import { cseq, getHeaders } from '../message/headers.ts';
import type { SipHeader, SipRequest } from '../message/types.ts';
import type { SessionHandlers } from './types.ts';

/** RFC 3515 2.4.5: the NOTIFY body is a message/sipfrag (RFC 3420) of the status line. */
export const SIPFRAG = 'message/sipfrag;version=2.0';

/** How long the implicit subscription lives unless a final NOTIFY ends it first (seconds). */
const REFER_SUBSCRIPTION_SECONDS = 60;

/**
 * 400 unless exactly one Refer-To (RFC 3515 2.4.1); 501 when the TU takes no REFER; else the
 * TU's answer. `call` runs the TU callback so that a throw becomes a 500, not a socket error.
 */
export function handleRefer(
  req: SipRequest,
  handlers: SessionHandlers,
  call: <T>(fn: () => T) => T | undefined,
): { status: number; reason?: string } {
  const referTo = getHeaders(req, 'Refer-To');
  if (referTo.length !== 1) return { status: 400, reason: referTo.length === 0 ? 'Missing Refer-To' : 'Multiple Refer-To' };
  const h = handlers;
  if (!h.onRefer) return { status: 501, reason: 'Not Implemented' };
  const referredBy = getHeaders(req, 'Referred-By')[0];
  const answer = call(() => h.onRefer!({ referTo: referTo[0]!, referredBy, id: cseq(req).seq }));
  return answer ?? { status: 500, reason: 'Server Internal Error' };
}

/** Event and Subscription-State of a NOTIFY reporting on the REFER with CSeq `id`. */
export function referNotifyHeaders(id: number, final: boolean): SipHeader[] {
  return [
    { name: 'Event', value: `refer;id=${id}` },
    { name: 'Subscription-State', value: final ? 'terminated;reason=noresource' : `active;expires=${REFER_SUBSCRIPTION_SECONDS}` },
  ];
}
