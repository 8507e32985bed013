import type { Clock } from '../../platform/clock.ts';
import { callId, createResponse, cseq, formatVia, fromTag, topVia } from '../message/headers.ts';
import { BRANCH_COOKIE, newBranch } from '../message/ids.ts';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.ts';
import { isReliable, type Endpoint, type ReceivedMessage } from '../transport/types.ts';
import { newCounters, type TransactionContext, type TransactionCounters } from './context.ts';
import { InviteClientTransaction } from './invite-client.ts';
import { InviteServerTransaction } from './invite-server.ts';
import { NonInviteClientTransaction } from './non-invite-client.ts';
import { NonInviteServerTransaction } from './non-invite-server.ts';
import { timerTable, type TimerTable, type TimerValues } from './timers.ts';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from './types.ts';

export type { ClientTransaction, ClientTransactionUser, ServerTransaction } from './types.ts';

export type RequestHandler = (tx: ServerTransaction, req: SipRequest, source: Endpoint) => void;
export type StrayHandler = (received: ReceivedMessage) => void;

export interface TransactionLayerOptions {
  clock: Clock;
  /** Sends through the transport that serves dest; rejects (PbxError SIP_TRANSPORT) when it cannot. */
  send: (msg: SipMessage, dest: Endpoint) => Promise<void>;
  /** T1, T2, T4 overrides (Table 4); every other timer is derived from them. */
  timers?: Partial<TimerValues>;
  /** The TU for new requests; may also be assigned later. */
  onRequest?: RequestHandler;
  /** Messages no transaction claims: ACKs for 2xx, responses without a client transaction. */
  onStray?: StrayHandler;
}

export interface TransactionStats {
  clientInvite: number;
  clientNonInvite: number;
  serverInvite: number;
  serverNonInvite: number;
  /** Sum of the four above: zero once every transaction has run its terminating timer. */
  live: number;
  created: number;
  retransmissions: number;
  absorbed: number;
  timeouts: number;
  transportErrors: number;
  /** Messages handed to onStray. */
  strays: number;
  /** Requests or responses without a usable Via/CSeq: dropped, since no answer can be routed. */
  unmatchable: number;
}

type AnyClient = InviteClientTransaction | NonInviteClientTransaction;
type AnyServer = InviteServerTransaction | NonInviteServerTransaction;

/**
 * The transaction layer (RFC 3261 17): owns the client and server transaction tables, matches
 * incoming messages to them (17.1.3, 17.2.3) and creates server transactions for new requests.
 *
 * Responses of server transactions go to tx.source (the endpoint the request came from), not to
 * the address in the top Via (18.2.2): the transport has already applied received/rport for UDP
 * and pinned the connection for TCP, which is where 18.2.2 and RFC 3581 send the response anyway.
 */
export class TransactionLayer {
  onRequest: RequestHandler | undefined;
  onStray: StrayHandler | undefined;
  private readonly clock: Clock;
  private readonly sendFn: (msg: SipMessage, dest: Endpoint) => Promise<void>;
  private readonly unreliableTimers: TimerTable;
  private readonly reliableTimers: TimerTable;
  private readonly clients = new Map<string, AnyClient>();
  private readonly servers = new Map<string, AnyServer>();
  private readonly counters: TransactionCounters = newCounters();
  private strays = 0;
  private unmatchable = 0;

  constructor(options: TransactionLayerOptions) {
    this.clock = options.clock;
    this.sendFn = options.send;
    this.unreliableTimers = timerTable(options.timers, false);
    this.reliableTimers = timerTable(options.timers, true);
    this.onRequest = options.onRequest;
    this.onStray = options.onStray;
  }

  /** Entry point for every message a transport received. Never throws on bad input. */
  receive(received: ReceivedMessage): void {
    const msg = received.message;
    if (msg.kind === 'response') {
      const key = clientKeyOfResponse(msg);
      if (key === undefined) {
        this.unmatchable++;
        return;
      }
      const tx = this.clients.get(key);
      if (tx) tx.receiveResponse(msg);
      else this.stray(received);
      return;
    }
    const via = safeTopVia(msg);
    const key = via && serverKey(msg, via, msg.method === 'ACK' ? 'INVITE' : msg.method);
    if (via === undefined || key === undefined) {
      this.unmatchable++;
      return;
    }
    const tx = this.servers.get(key);
    if (tx) {
      if (!tx.receiveRequest(msg)) this.stray(received);
      return;
    }
    // 17.2.3 / 13.3.1.4: an ACK that matches no INVITE transaction acknowledges a 2xx; it is the
    // dialog's (a separate "transaction" that has no state machine of its own).
    if (msg.method === 'ACK') {
      this.stray(received);
      return;
    }
    const server = this.createServer(key, msg, via.params.branch ?? '', received.source);
    if (msg.method === 'CANCEL') {
      const invite = this.servers.get(serverKey(msg, via, 'INVITE') ?? '');
      if (invite instanceof InviteServerTransaction && invite.onCancel) {
        invite.onCancel(server, msg);
        return;
      }
    }
    if (this.onRequest) this.onRequest(server, msg, received.source);
    else server.respond(createResponse(msg, 503, 'Service Unavailable'));
  }

  /**
   * Start a client transaction. The request's top Via must exist (the caller knows its sent-by);
   * its branch identifies the transaction (17.1.3) and is added with newBranch() when missing.
   * ACK is not a transaction: send the ACK for a 2xx with sendStateless().
   */
  sendRequest(req: SipRequest, dest: Endpoint, user: ClientTransactionUser): ClientTransaction {
    if (req.method === 'ACK') throw new Error('sendRequest(): ACK is not a transaction; use sendStateless()');
    const branch = ensureBranch(req);
    const key = `${branch}\n${req.method}`;
    if (this.clients.has(key)) throw new Error(`sendRequest(): a ${req.method} client transaction with branch ${branch} exists`);
    const ctx = this.context(dest, () => this.clients, key);
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(ctx, req, dest, branch, user)
        : new NonInviteClientTransaction(ctx, req, dest, branch, user);
    this.clients.set(key, tx);
    this.counters.created++;
    tx.start();
    return tx;
  }

  /** Send outside any transaction: the ACK for a 2xx (13.2.2.4), stateless responses. */
  sendStateless(msg: SipMessage, dest: Endpoint): Promise<void> {
    return this.sendFn(msg, dest);
  }

  /**
   * RFC 3261 9.2: a CANCEL is its own non-INVITE transaction, but the TU must find the INVITE it
   * cancels -- the server transaction with the same branch and sent-by and method INVITE. (A TU
   * that set onCancel on the INVITE transaction gets the CANCEL there directly.)
   */
  findInviteServerTransaction(cancel: SipRequest): ServerTransaction | undefined {
    const via = safeTopVia(cancel);
    const key = via && serverKey(cancel, via, 'INVITE');
    if (key === undefined) return undefined;
    const tx = this.servers.get(key);
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  stats(): TransactionStats {
    let clientInvite = 0;
    let serverInvite = 0;
    for (const tx of this.clients.values()) if (tx.kind === 'invite') clientInvite++;
    for (const tx of this.servers.values()) if (tx.kind === 'invite') serverInvite++;
    const clientNonInvite = this.clients.size - clientInvite;
    const serverNonInvite = this.servers.size - serverInvite;
    return {
      clientInvite,
      clientNonInvite,
      serverInvite,
      serverNonInvite,
      live: this.clients.size + this.servers.size,
      ...this.counters,
      strays: this.strays,
      unmatchable: this.unmatchable,
    };
  }

  /** Stop every transaction and timer without TU callbacks; afterwards clock.pending() is 0 for us. */
  close(): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate();
    this.clients.clear();
    this.servers.clear();
  }

  private createServer(key: string, req: SipRequest, branch: string, source: Endpoint): AnyServer {
    const ctx = this.context(source, () => this.servers, key);
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(ctx, req, source, branch)
        : new NonInviteServerTransaction(ctx, req, source, branch);
    this.servers.set(key, tx);
    this.counters.created++;
    tx.start();
    return tx;
  }

  private context(peer: Endpoint, table: () => Map<string, object>, key: string): TransactionContext {
    const reliable = isReliable(peer.protocol);
    return {
      clock: this.clock,
      timers: reliable ? this.reliableTimers : this.unreliableTimers,
      reliable,
      send: this.sendFn,
      counters: this.counters,
      terminated: (tx) => {
        const map = table();
        if (map.get(key) === tx) map.delete(key);
      },
    };
  }

  private stray(received: ReceivedMessage): void {
    this.strays++;
    this.onStray?.(received);
  }
}

/** 17.1.3: a response matches the client transaction of its top Via branch and CSeq method. */
function clientKeyOfResponse(res: SipResponse): string | undefined {
  try {
    const branch = topVia(res).params.branch;
    if (!branch) return undefined;
    return `${branch}\n${cseq(res).method}`;
  } catch {
    return undefined;
  }
}

/**
 * 17.2.3: a request matches the server transaction whose creating request had the same top Via
 * branch and sent-by, and the same method (the caller passes INVITE for an ACK and for the
 * CANCEL lookup). A branch without the magic cookie comes from an RFC 2543 element; for it we key
 * on Call-ID, From tag, CSeq number, sent-by and branch (if any) -- the parts of the 2543 rules
 * that an ACK shares with its INVITE (the To tag and Request-URI are left out: the ACK's To tag
 * is only known to the transaction after it answered).
 */
function serverKey(req: SipRequest, via: Via, method: string): string | undefined {
  try {
    const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
    const branch = via.params.branch ?? '';
    if (branch.startsWith(BRANCH_COOKIE)) return `${branch}\n${sentBy}\n${method}`;
    return `2543\n${callId(req)}\n${fromTag(req) ?? ''}\n${cseq(req).seq}\n${sentBy}\n${branch}\n${method}`;
  } catch {
    return undefined;
  }
}

function safeTopVia(msg: SipMessage): Via | undefined {
  try {
    return topVia(msg);
  } catch {
    return undefined;
  }
}

/** Read the top Via's branch, adding a fresh one (in place) when the caller left it out. */
function ensureBranch(req: SipRequest): string {
  const index = req.headers.findIndex((h) => h.name.toLowerCase() === 'via' || h.name.toLowerCase() === 'v');
  if (index < 0) throw new Error(`sendRequest(): ${req.method} has no Via header`);
  const via: Via = topVia(req);
  const existing = via.params.branch;
  if (existing) return existing;
  const branch = newBranch();
  const header = req.headers[index];
  req.headers[index] = { name: header.name, value: formatVia({ ...via, params: { ...via.params, branch } }) };
  return branch;
}
