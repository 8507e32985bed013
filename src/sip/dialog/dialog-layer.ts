/**
 * The dialog layer: creates INVITE sessions and routes to them what the transaction layer
 * cannot place (RFC 3261 12.2.2, 13.2.2.4, 13.3.1.4):
 * - receiveRequest(): requests with a To tag are in a dialog; they go to the session owning it,
 *   or get 481 (12.2.2). Requests without a To tag are not ours (false): the stack's handlers
 *   take them (a new INVITE goes to the channel driver, which calls acceptInvite()).
 * - receiveStray(): the ACK for a 2xx (a transaction of its own that no server transaction
 *   matches) and 2xx retransmissions arriving after the INVITE client transaction is gone.
 * Sessions leave the table when they terminate; stats() is zero when nothing is held.
 */
import { SipError } from '../../core/errors.ts';
import type { Clock } from '../../platform/clock.ts';
import { createResponse, cseq, toTag } from '../message/headers.ts';
import type { SipRequest, SipUri } from '../message/types.ts';
import { timerTable } from '../transaction/timers.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import type { Endpoint, ReceivedMessage, TransportProtocol } from '../transport/types.ts';
import { DialogTable } from './dialog-table.ts';
import { InviteClientSession, type InviteOptions } from './invite-client-session.ts';
import { InviteServerSession, type AcceptOptions } from './invite-server-session.ts';
import type { InviteSession, SessionEnvironment } from './session.ts';
import type { ClientSessionHandlers, DialogLayerOptions, DialogTransactions, ServerSessionHandlers } from './types.ts';

export interface DialogStats {
  /** Dialogs in the table (early, confirmed, or released-but-BYE-pending forks). */
  dialogs: number;
  /** UAC INVITEs still collecting responses (fork matching). */
  pending: number;
  /** Sessions not yet Terminated. */
  sessions: number;
}

/** Methods answered in a dialog (Allow). */
export const DIALOG_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER';

/**
 * The default next hop for a URI: maddr or host, the port (5060, or 5061 for sips/TLS), UDP
 * unless transport=tcp/tls. No DNS: the stack resolves names below us (RFC 3263 is not here).
 */
export function uriEndpoint(uri: SipUri): Endpoint {
  const transport = (uri.params['transport'] ?? '').toLowerCase();
  const protocol: TransportProtocol = transport === 'tcp' ? 'TCP' : transport === 'tls' || uri.scheme === 'sips' ? 'TLS' : 'UDP';
  const maddr = uri.params['maddr'];
  let address = maddr !== undefined && maddr !== null && maddr !== '' ? maddr : uri.host;
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  return { protocol, address, port: uri.port ?? (protocol === 'TLS' ? 5061 : 5060) };
}

export class DialogLayer {
  private readonly table = new DialogTable<InviteSession>();
  private readonly sessions = new Set<InviteSession>();
  private readonly env: SessionEnvironment;

  constructor(options: DialogLayerOptions) {
    const t = timerTable(options.timers, false);
    const sessions = this.sessions;
    const onError =
      options.onError ??
      ((e: unknown) =>
        queueMicrotask(() => {
          throw e;
        }));
    const clock: Clock = options.clock;
    const transactions: DialogTransactions = options.transactions;
    this.env = {
      clock,
      transactions,
      T1: t.T1,
      T2: t.T2,
      table: this.table,
      userAgent: options.userAgent,
      contactUser: options.contactUser ?? 'pbx',
      allow: options.allow ?? DIALOG_ALLOW,
      resolve: options.resolve ?? uriEndpoint,
      advertise: options.advertise,
      report: onError,
      released: (s) => sessions.delete(s),
    };
  }

  /**
   * UAS: take over a new INVITE's server transaction (no To tag). Sends 100 Trying at once.
   * Throws SipError 400 'Missing Contact' before answering anything, so the stack answers it.
   */
  acceptInvite(tx: ServerTransaction, invite: SipRequest, handlers: ServerSessionHandlers, options?: AcceptOptions): InviteServerSession {
    if (invite.method !== 'INVITE') throw new Error(`acceptInvite(): ${invite.method} is not an INVITE`);
    if (toTag(invite) !== undefined) throw new SipError('SIP_PARSE', 400, 'To Tag On Initial INVITE');
    const session = new InviteServerSession(this.env, tx, invite, handlers, options);
    this.sessions.add(session);
    return session;
  }

  /** UAC: send a new INVITE. */
  invite(options: InviteOptions, handlers: ClientSessionHandlers): InviteClientSession {
    const session = new InviteClientSession(this.env, options, handlers);
    if (session.state !== 'Terminated') this.sessions.add(session);
    return session;
  }

  /**
   * A request from the transaction layer's onRequest. Returns true when it belonged to the
   * dialog layer (answered or passed to a session), false when the caller must handle it.
   */
  receiveRequest(tx: ServerTransaction, req: SipRequest): boolean {
    if (req.method === 'REGISTER' || req.method === 'ACK') return false;
    let tag: string | undefined;
    try {
      tag = toTag(req);
    } catch {
      return false;
    }
    if (tag === undefined) return false;
    const entry = this.table.matchRequest(req);
    if (!entry) {
      tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
      return true;
    }
    entry.user.receiveRequest(tx, req, entry.dialog);
    return true;
  }

  /** A message from the transaction layer's onStray. Returns true when a session took it. */
  receiveStray(received: ReceivedMessage): boolean {
    const msg = received.message;
    try {
      if (msg.kind === 'request') {
        if (msg.method !== 'ACK') return false;
        const entry = this.table.matchRequest(msg);
        if (!entry) return false;
        entry.user.receiveAck(msg);
        return true;
      }
      if (msg.status < 200 || msg.status >= 300 || cseq(msg).method !== 'INVITE') return false;
      const match = this.table.matchResponse(msg);
      if (!match) return false;
      match.user.receiveStray2xx(msg, match.dialog);
      return true;
    } catch {
      return false;
    }
  }

  stats(): DialogStats {
    return { dialogs: this.table.size, pending: this.table.pendingSize, sessions: this.sessions.size };
  }

  /** Shutdown: every session Terminated without signalling; pair with TransactionLayer.close(). */
  close(): void {
    for (const s of [...this.sessions]) s.destroy();
    this.table.clear();
  }
}
