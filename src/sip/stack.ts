/**
 * The SIP stack: transports -> transaction layer -> the request handlers of this release
 * (registrar, OPTIONS). It owns what sits between the layers: RFC 3581 `received`/`rport`
 * stamping, answering unparseable requests with 400, dropping banned sources, `sip set debug`,
 * and the counters the console shows. The calls issue adds INVITE handling above this.
 */
import type { Clock } from '../platform/clock.ts';
import { advertisedAddress } from '../platform/net.ts';
import { PbxError, SipError } from '../core/errors.ts';
import { createResponse, formatVia, parseUri, parseVia } from './message/headers.ts';
import { newBranch, newCallId, newTag } from './message/ids.ts';
import type { SipHeader, SipRequest, SipResponse } from './message/types.ts';
import { TransactionLayer, type ServerTransaction } from './transaction/layer.ts';
import { TcpTransport } from './transport/tcp.ts';
import { UdpTransport } from './transport/udp.ts';
import type { Endpoint, ReceivedMessage, SipTransport, TransportEvents } from './transport/types.ts';
import { extractResponseHeaders } from './bad-request.ts';
import { DialogLayer } from './dialog/dialog-layer.ts';
import { advertisedFor, type ExternalAddress } from './transport/localnet.ts';

export interface StackLog {
  error(msg: string): void;
  warning(msg: string): void;
  notice(msg: string): void;
  verbose(level: number, msg: string): void;
}

export type DebugMode = { mode: 'off' } | { mode: 'on' } | { mode: 'ip'; address: string };

export interface StackStats {
  received: number;
  sent: number;
  invalid: number;
  answered400: number;
  droppedBanned: number;
}

export type RequestHandler = (tx: ServerTransaction, req: SipRequest, source: Endpoint) => void;

export interface SipStackOptions {
  clock: Clock;
  log: StackLog;
  host: string;
  port: number;
  userAgent: string;
  /** Drop requests from this address silently (auth ban list). */
  isBanned?: (address: string) => boolean;
  /** Full messages for `sip set debug`. */
  onDebug?: (line: string) => void;
  /**
   * sip.conf externip/externhost and localnet (read at each send, so reload and externhost
   * refreshes apply): destinations outside every localnet see the external address.
   */
  external?: () => ExternalAddress | undefined;
  localnets?: () => readonly string[];
}

/** Methods the PBX answers in this release (sent in Allow). */
const ALLOW = 'REGISTER, OPTIONS, ACK, CANCEL, BYE, INVITE, SUBSCRIBE, REFER';

export class SipStack {
  readonly transactions: TransactionLayer;
  /** INVITE dialogs: in-dialog requests, ACK for 2xx, 2xx retransmission (RFC 3261 12-15). */
  readonly dialogs: DialogLayer;
  readonly stats: StackStats = { received: 0, sent: 0, invalid: 0, answered400: 0, droppedBanned: 0 };
  debug: DebugMode = { mode: 'off' };
  private transports = new Map<string, SipTransport>();
  private handlers = new Map<string, RequestHandler>();
  private invalidLogged = new Map<string, number>();
  /** Real packet source of a request whose Via we stamped (for nat=yes bindings). */
  private packetSource = new WeakMap<SipRequest, Endpoint>();

  private constructor(private opts: SipStackOptions) {
    this.transactions = new TransactionLayer({
      clock: opts.clock,
      send: (msg, dest) => this.sendRaw(msg, dest),
    });
    this.dialogs = new DialogLayer({
      clock: opts.clock,
      transactions: this.transactions,
      advertise: (dest) => this.advertise(dest),
      userAgent: opts.userAgent,
      onError: (e) => opts.log.error(`SIP dialog handler failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
    });
    // Requests with a To tag belong to a dialog (481 when none matches); the rest go by method.
    // SUBSCRIBE always goes by method: subscription dialogs (sip/mwi) keep their own table.
    this.transactions.onRequest = (tx, req, source) => {
      if (req.method === 'SUBSCRIBE' || !this.dialogs.receiveRequest(tx, req)) this.dispatch(tx, req, source);
    };
    // ACKs for 2xx and retransmitted 2xx responses have no transaction (RFC 3261 13.2.2.4, 17.1.1.2).
    this.transactions.onStray = (r) => this.dialogs.receiveStray(r);
  }

  static async start(opts: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(opts);
    const events: TransportEvents = {
      onMessage: (r) => stack.onMessage(r),
      onInvalid: (raw, source, err) => stack.onInvalid(raw, source, err),
      onSent: (raw, dest) => {
        stack.stats.sent++;
        stack.trace('Transmitting to', raw, dest);
      },
    };
    const udp = await UdpTransport.listen(opts.host, opts.port, events);
    stack.transports.set('UDP', udp);
    try {
      const tcp = await TcpTransport.listen(opts.host, udp.local.port, events, opts.clock);
      stack.transports.set('TCP', tcp);
    } catch (e) {
      await udp.close();
      throw e;
    }
    return stack;
  }

  get local(): { address: string; port: number } {
    const udp = this.transports.get('UDP');
    return udp ? udp.local : { address: this.opts.host, port: this.opts.port };
  }

  /** Register the handler for a method (REGISTER -> registrar, later INVITE -> channel driver). */
  handle(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** The packet source of a request (differs from the transaction source only without rport). */
  sourceOf(req: SipRequest, fallback: Endpoint): Endpoint {
    return this.packetSource.get(req) ?? fallback;
  }

  /** Address and port to put in our own Via/Contact/From/SDP when sending to dest. */
  advertise(dest: Endpoint): { host: string; port: number } {
    const local = { host: advertisedAddress(this.opts.host, dest.address), port: this.local.port };
    return advertisedFor(dest.address, local, this.opts.external?.(), this.opts.localnets?.() ?? []);
  }

  /** Sends OPTIONS to a contact; resolves with the final status, 'timeout' or 'error'. */
  sendOptions(uri: string, dest: Endpoint, timeoutMs: number): Promise<{ status: number } | 'timeout' | 'error'> {
    const me = this.advertise(dest);
    const hostPort = `${formatHost(me.host)}:${me.port}`;
    const headers: SipHeader[] = [
      { name: 'Via', value: `SIP/2.0/${dest.protocol === 'TCP' ? 'TCP' : 'UDP'} ${hostPort};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<sip:pbx@${hostPort}>;tag=${newTag()}` },
      { name: 'To', value: `<${uri}>` },
      { name: 'Call-ID', value: newCallId(me.host) },
      { name: 'CSeq', value: '1 OPTIONS' },
      { name: 'Contact', value: `<sip:pbx@${hostPort}>` },
      { name: 'Accept', value: 'application/sdp' },
      { name: 'User-Agent', value: this.opts.userAgent },
    ];
    let parsedUri: SipRequest['uri'];
    try {
      parsedUri = parseUri(uri);
    } catch {
      return Promise.resolve('error');
    }
    const req: SipRequest = { kind: 'request', method: 'OPTIONS', uri: parsedUri, headers, body: '' };
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: { status: number } | 'timeout' | 'error'): void => {
        if (done) return;
        done = true;
        timer.cancel();
        // Our deadline is shorter than Timer F: stop retransmitting to a peer we gave up on.
        if (v === 'timeout') tx.terminate();
        resolve(v);
      };
      const timer = this.opts.clock.setTimeout(() => finish('timeout'), timeoutMs);
      const tx = this.transactions.sendRequest(req, dest, {
        onResponse: (res) => {
          if (res.status >= 200) finish({ status: res.status });
        },
        onTimeout: () => finish('timeout'),
        onTransportError: () => finish('error'),
      });
    });
  }

  async close(): Promise<void> {
    this.dialogs.close();
    this.transactions.close();
    for (const t of this.transports.values()) await t.close();
    this.transports.clear();
  }

  private async sendRaw(msg: SipRequest | SipResponse, dest: Endpoint): Promise<void> {
    const t = this.transports.get(dest.protocol === 'TCP' ? 'TCP' : 'UDP');
    if (!t) throw new PbxError('SIP_TRANSPORT', `no ${dest.protocol} transport`);
    await t.send(msg, dest);
  }

  private onMessage(r: ReceivedMessage): void {
    this.stats.received++;
    this.trace('Received from', r.raw, r.source);
    if (r.message.kind === 'request') {
      if (this.opts.isBanned?.(r.source.address)) {
        this.stats.droppedBanned++;
        return;
      }
      const target = this.stampVia(r.message, r.source);
      if (!target) return;
      this.transactions.receive({ ...r, source: target });
      return;
    }
    this.transactions.receive(r);
  }

  /**
   * RFC 3261 18.2.1 and RFC 3581 4: add `received` when the sent-by host differs from the packet
   * source, and fill `rport`. Returns where responses go (18.2.2): the packet source when rport
   * was asked for or over TCP, else the source address with the Via's port.
   */
  private stampVia(req: SipRequest, source: Endpoint): Endpoint | undefined {
    const idx = req.headers.findIndex((h) => h.name === 'Via');
    if (idx < 0) return undefined;
    let via;
    try {
      via = parseVia(req.headers[idx].value);
    } catch {
      return undefined;
    }
    const wantsRport = 'rport' in via.params;
    if (wantsRport) via.params.rport = String(source.port);
    if (wantsRport || via.host !== source.address) via.params.received = source.address;
    req.headers[idx] = { name: 'Via', value: formatVia(via) };
    this.packetSource.set(req, source);
    if (source.protocol !== 'UDP' || wantsRport) return source;
    return { ...source, port: via.port ?? 5060 };
  }

  private dispatch(tx: ServerTransaction, req: SipRequest, source: Endpoint): void {
    const handler = this.handlers.get(req.method);
    try {
      if (handler) {
        handler(tx, req, source);
        return;
      }
      // ACKs never arrive here: for non-2xx the INVITE transaction absorbs them, for 2xx they are
      // strays that go to the dialog layer.
      if (req.method === 'OPTIONS') {
        tx.respond(this.optionsResponse(req));
        return;
      }
      const res = createResponse(req, req.method === 'CANCEL' ? 481 : 501, undefined, newTag());
      res.headers.push({ name: 'Allow', value: ALLOW });
      this.respond(tx, res);
    } catch (e) {
      const err = e instanceof SipError ? e : undefined;
      if (!err) this.opts.log.error(`SIP handler for ${req.method} failed: ${(e as Error).stack ?? String(e)}`);
      this.respond(tx, createResponse(req, err?.status ?? 500, err?.reason, newTag()));
    }
  }

  /** RFC 3261 11.2: OPTIONS is answered as an INVITE would be, with capabilities. */
  optionsResponse(req: SipRequest): SipResponse {
    const res = createResponse(req, 200, 'OK', newTag());
    res.headers.push(
      { name: 'Allow', value: ALLOW },
      { name: 'Accept', value: 'application/sdp' },
      { name: 'Supported', value: 'path, replaces' },
      { name: 'Server', value: this.opts.userAgent },
    );
    return res;
  }

  respond(tx: ServerTransaction, res: SipResponse): void {
    if (!res.headers.some((h) => h.name === 'Server')) res.headers.push({ name: 'Server', value: this.opts.userAgent });
    tx.respond(res);
  }

  /**
   * A message that did not parse. Requests whose routing headers can still be found get a 400
   * naming the fault (RFC 3261 21.4.1); anything else is dropped. Logged once a minute per source.
   */
  private onInvalid(raw: string, source: Endpoint, err: Error): void {
    this.stats.invalid++;
    const reason = err instanceof SipError ? err.reason : 'Bad Request';
    const key = source.address;
    const now = this.opts.clock.now();
    const last = this.invalidLogged.get(key);
    if (last === undefined || now - last > 60_000) {
      if (this.invalidLogged.size > 10_000) this.invalidLogged.clear();
      this.invalidLogged.set(key, now);
      this.opts.log.warning(`Invalid SIP message from ${source.address}:${source.port} (${source.protocol}): ${err.message}`);
    }
    this.trace('Invalid message from', raw, source);
    if (this.opts.isBanned?.(source.address)) return;
    const headers = extractResponseHeaders(raw);
    if (!headers) return;
    const status = err instanceof SipError && err.status >= 400 && err.status < 500 ? err.status : 400;
    const res: SipResponse = { kind: 'response', status, reason: sanitizeReason(reason), headers, body: '' };
    res.headers.push({ name: 'Server', value: this.opts.userAgent });
    this.stats.answered400++;
    this.sendRaw(res, source).catch(() => undefined);
  }

  private trace(prefix: string, raw: string, peer: Endpoint): void {
    const d = this.debug;
    if (d.mode === 'off' || !this.opts.onDebug) return;
    if (d.mode === 'ip' && d.address !== peer.address) return;
    this.opts.onDebug(`<--- ${prefix} ${peer.address}:${peer.port} (${peer.protocol}) --->\n${raw.replace(/\r\n/g, '\n')}\n<------------->`);
  }
}

function sanitizeReason(s: string): string {
  return s.replace(/[\r\n\x00-\x1f]/g, ' ').slice(0, 120) || 'Bad Request';
}

function formatHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
