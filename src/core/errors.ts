/**
 * The one error registry. Every error the runtime raises on purpose has a stable `code`
 * (documented in docs/errors.md; a test checks that). Errors a caller should handle (bad input,
 * peer failures, configuration) extend PbxError; anything else thrown is a bug.
 *
 * This file is a leaf: every layer may import it, it imports nothing.
 */
export class PbxError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A SIP-facing failure: carries the status and reason phrase to answer with. */
export class SipError extends PbxError {
  constructor(
    code: string,
    readonly status: number,
    readonly reason: string,
    message?: string,
  ) {
    super(code, message ?? `${status} ${reason}`);
  }
}

/** A configuration problem at a place in a file. */
export class ConfigError extends PbxError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    code = 'CONFIG_INVALID',
  ) {
    super(code, `${file}:${line}: ${reason}`);
  }
}

/** Codes with their one-line meaning; docs/errors.md lists the same codes. */
export const ERROR_CODES = {
  CONFIG_INVALID: 'a configuration file has an error at file:line',
  CONFIG_MISSING: 'a required configuration file or directory does not exist',
  SIP_PARSE: 'a SIP message could not be parsed (answered 400 or dropped)',
  SIP_TOO_LARGE: 'a SIP message exceeds the size, header-count or line-length limits',
  SIP_TRANSPORT: 'a SIP message could not be sent (treated as 503 by transactions)',
  SIP_TIMEOUT: 'a SIP transaction timed out (treated as 408)',
  SIP_LISTEN: 'SIP could not listen on the configured address and port (in use, not an address of this machine, or a privileged port)',
  AUTH_FAILED: 'digest authentication failed',
  CONTROL_SOCKET: 'the control socket could not be reached or bound',
  STORE_WRITE: 'a crash-safe write to the data directory failed',
  SDP_PARSE: 'an SDP body could not be parsed (answered 400)',
  SDP_NOT_ACCEPTABLE: 'an SDP offer has no codec in common with the peer (answered 488)',
  RTP_PARSE: 'an RTP or RTCP packet is malformed (dropped and counted)',
  RTP_SOCKET: 'an RTP socket could not be bound or used',
  RTP_PORTS_EXHAUSTED: 'no free port pair is left in the configured rtp range',
  RTP_DTMF: 'an RFC 4733 telephone-event could not be sent or is malformed',
  MEDIA_FORMAT: 'a sound file has a format the PBX cannot play (8 kHz mono PCM, u-law or A-law)',
  MEDIA_TONE: 'a tone was asked for that the country table does not define',
  SOUND_NOT_FOUND: 'a prompt does not exist in any format for the language or in en',
  DIALPLAN_INVALID: 'extensions.conf has an error at file:line (the running dialplan is kept)',
  DIALPLAN_EXPRESSION: 'a $[ ] expression or ${ } substitution could not be evaluated',
  DIALPLAN_FUNCTION: 'a dialplan function is unknown or was called with bad arguments',
  DIALPLAN_APP: 'a dialplan application is unknown, not available yet, or failed',
  DIALPLAN_STEP_LIMIT: 'a channel ran more dialplan steps than extensions.conf [general] maxsteps allows (runaway loop stopped)',
  DB_FULL: 'the AstDB reached its configured size bound; the write was refused',
  DB_INVALID: 'an AstDB family, key or value is empty, not printable, or too long; the write was refused',
  VM_FULL: 'a voicemail folder holds maxmsg messages or a mailbox/spool byte cap is reached; the message was refused',
  VM_INVALID: 'a voicemail context, mailbox, folder, greeting or format name cannot be used in the spool, or the message is gone',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
