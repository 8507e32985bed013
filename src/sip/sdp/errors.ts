import { SipError } from '../../core/errors.ts';

/** Malformed SDP: answered 400 with the fault in the reason phrase. */
export function malformed(fault: string): SipError {
  return new SipError('SDP_PARSE', 400, `Malformed SDP (${fault})`);
}

/** Well-formed but unusable SDP (no common codec, no audio stream...): answered 488. */
export function notAcceptable(fault: string): SipError {
  return new SipError('SDP_NOT_ACCEPTABLE', 488, `Not Acceptable Here (${fault})`);
}
