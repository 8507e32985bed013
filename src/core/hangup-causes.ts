/**
 * Hangup causes: ITU-T Q.850 cause values with Asterisk's names, and their mapping to SIP
 * final responses in one table (RFC 3398 section 7.2.4.1 for SIP -> cause and 8.2.6.1 for the
 * other direction, simplified to the statuses the channel driver sends and receives).
 */
export const HANGUP_CAUSES = {
  UNALLOCATED: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  CONGESTION: 34,
  BEARERCAPABILITY_NOTAVAIL: 58,
  INTERWORKING: 127,
} as const;

export type HangupCauseName = keyof typeof HANGUP_CAUSES;
export type HangupCause = (typeof HANGUP_CAUSES)[HangupCauseName];

/** cause -> the SIP status we answer a caller with, and the DIALSTATUS Dial() reports. */
const CAUSE_TABLE: Record<HangupCause, { name: HangupCauseName; sip: number; dialStatus: string }> = {
  1: { name: 'UNALLOCATED', sip: 404, dialStatus: 'CHANUNAVAIL' },
  16: { name: 'NORMAL_CLEARING', sip: 603, dialStatus: 'ANSWER' },
  17: { name: 'USER_BUSY', sip: 486, dialStatus: 'BUSY' },
  19: { name: 'NO_ANSWER', sip: 480, dialStatus: 'NOANSWER' },
  20: { name: 'SUBSCRIBER_ABSENT', sip: 480, dialStatus: 'CHANUNAVAIL' },
  21: { name: 'CALL_REJECTED', sip: 603, dialStatus: 'BUSY' },
  34: { name: 'CONGESTION', sip: 503, dialStatus: 'CONGESTION' },
  58: { name: 'BEARERCAPABILITY_NOTAVAIL', sip: 488, dialStatus: 'CONGESTION' },
  127: { name: 'INTERWORKING', sip: 500, dialStatus: 'CONGESTION' },
};

/** Asterisk's name for a cause (e.g. 17 -> USER_BUSY). */
export function causeName(cause: HangupCause): HangupCauseName {
  return CAUSE_TABLE[cause].name;
}

/** The final response a caller gets when its call ends with `cause` before the answer. */
export function sipStatusForCause(cause: HangupCause): number {
  return CAUSE_TABLE[cause].sip;
}

export function dialStatusForCause(cause: HangupCause): string {
  return CAUSE_TABLE[cause].dialStatus;
}

/** The cause a SIP final failure from a callee means (RFC 3398 7.2.4.1, reduced to our table). */
export function causeForSipStatus(status: number): HangupCause {
  switch (status) {
    case 404:
    case 484:
    case 410:
      return HANGUP_CAUSES.UNALLOCATED;
    case 486:
    case 600:
      return HANGUP_CAUSES.USER_BUSY;
    case 408:
    case 480:
    case 487:
      return HANGUP_CAUSES.NO_ANSWER;
    case 401: // a challenge we could not (or no longer) answer: refused, as RFC 3398 maps it
    case 403:
    case 407:
    case 603:
      return HANGUP_CAUSES.CALL_REJECTED;
    case 488:
    case 606:
      return HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL;
    case 500:
    case 503:
    case 504:
      return HANGUP_CAUSES.CONGESTION;
    default:
      return status >= 400 && status < 700 ? HANGUP_CAUSES.INTERWORKING : HANGUP_CAUSES.NORMAL_CLEARING;
  }
}
