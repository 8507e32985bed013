import type { SipError } from '../../core/errors.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';

/**
 * The transaction user (TU) of a client transaction (RFC 3261 17.1). The TU treats a timeout as
 * 408 and a transport error as 503 (RFC 3261 8.1.3.1); both arrive as SipError with that status.
 */
export interface ClientTransactionUser {
  /** Provisional and final responses, each once (retransmissions are absorbed). */
  onResponse(res: SipResponse): void;
  /** Timer B or F fired with no final response: treat as 408 Request Timeout. */
  onTimeout(err: SipError): void;
  /** The transport could not send the request (or ACK): treat as 503 Service Unavailable. */
  onTransportError(err: SipError): void;
}

export interface ClientTransaction {
  readonly kind: 'invite' | 'non-invite';
  readonly state: string;
  readonly request: SipRequest;
  readonly dest: Endpoint;
  /** The branch of the top Via: with the CSeq method, the transaction's identity (17.1.3). */
  readonly branch: string;
  /** Called once when the transaction reaches Terminated. */
  onTerminated?: () => void;
  /** Stop every timer and leave the table without telling the TU (shutdown). */
  terminate(): void;
}

/**
 * A server transaction as the TU sees it (RFC 3261 17.2). The TU answers through respond(); the
 * transaction retransmits and absorbs duplicates. Hooks are optional fields the TU sets after
 * receiving the transaction in onRequest.
 */
export interface ServerTransaction {
  readonly kind: 'invite' | 'non-invite';
  readonly state: string;
  readonly request: SipRequest;
  /**
   * Where the request came from. Responses go here rather than to the top Via's sent-by: the
   * transport already applied received/rport (RFC 3581) for UDP and pinned the connection for TCP.
   */
  readonly source: Endpoint;
  readonly branch: string;
  /** The most recent response handed to respond() (undefined until the TU answers). */
  readonly lastResponse: SipResponse | undefined;
  respond(res: SipResponse): void;
  /**
   * INVITE only: a CANCEL for this INVITE arrived (9.2). When set, the CANCEL's own server
   * transaction is handed here instead of to the layer's onRequest; the TU answers the CANCEL
   * (200) through cancelTx and, if the INVITE is still unanswered, the INVITE (487) through this
   * transaction.
   */
  onCancel?: (cancelTx: ServerTransaction, cancel: SipRequest) => void;
  /** INVITE only: Timer H fired, the final non-2xx response was never acknowledged. */
  onTimeout?: (err: SipError) => void;
  /** A response could not be sent; the transaction is already Terminated. */
  onTransportError?: (err: SipError) => void;
  /** Called once when the transaction reaches Terminated. */
  onTerminated?: () => void;
  /** Stop every timer and leave the table without telling the TU (shutdown). */
  terminate(): void;
}
