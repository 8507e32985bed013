/**
 * One outbound registration (RFC 3261 10.2): the PBX registering its Contact at a provider's
 * registrar, as chan_sip's `register =>` does, with chan_sip's state names (the `sip show registry`
 * State column):
 *
 *   Unregistered       not registered: before the first attempt, after stop(), or waiting to retry
 *                      after an error answer or a transport failure
 *   Request Sent       a REGISTER without credentials is out
 *   Auth. Sent         a REGISTER answering a 401/407 challenge is out
 *   Registered         a 2xx came back; the refresh is scheduled before the granted expiry lapses
 *   Timeout            no final answer within registertimeout; waiting to retry
 *   No Authentication  our credentials were challenged again (wrong password) or no challenge
 *                      could be answered; waiting to retry
 *   Rejected           403 or 404: the provider refuses the account; nothing more until reload
 *   Failed             registerattempts consecutive attempts failed; nothing more until reload
 *
 * Retries: attempts start at least registertimeout apart after the first failure, doubling per
 * consecutive failure up to 8x (timers.ts), so a dead or refusing provider is never hammered.
 * A 423 Interval Too Brief is answered at once with the registrar's Min-Expires (RFC 3261
 * 10.2.8), which is not a failure. One Call-ID for the life of the registration, CSeq +1 per
 * REGISTER (RFC 3261 10.2.4).
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { digestAnswer, pickChallenge, type ClientCredentials } from '../auth/digest-client.ts';
import { getHeader, getHeaders, parseNameAddr, parseUri, formatUri } from '../message/headers.ts';
import { newBranch, newCallId, newTag } from '../message/ids.ts';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { MAX_AUTH_ROUNDS, UNREGISTER_WAIT_MS, refreshDelayMs, retrySpacingMs } from './timers.ts';

export type RegistrationState =
  | 'Unregistered'
  | 'Request Sent'
  | 'Auth. Sent'
  | 'Registered'
  | 'Timeout'
  | 'No Authentication'
  | 'Rejected'
  | 'Failed';

/** One `register =>` line, as the configuration layer parsed it (a structural subset of SipRegistration). */
export interface RegistrationAccount {
  /** The line as written: identity across reloads. */
  text: string;
  transport: 'udp' | 'tcp';
  user: string;
  domain?: string;
  secret: string;
  authuser?: string;
  host: string;
  port?: number;
  /** Our Contact's user part. */
  extension: string;
  /** Seconds asked for. */
  expiry: number;
}

/** [general] registertimeout (s) and registerattempts (0 = forever), read at each use so reload applies. */
export interface RegistrationSettings {
  registerTimeout: number;
  registerAttempts: number;
}

export interface RegistrationDeps {
  clock: Clock;
  transactions: { sendRequest(req: SipRequest, dest: Endpoint, user: ClientTransactionUser): ClientTransaction };
  /** Our address and port as seen from dest (Via, Contact). */
  advertise(dest: Endpoint): { host: string; port: number };
  /** The registrar's address (RFC 3263: no port given means SRV may name one); undefined when the name does not resolve. */
  resolve(host: string, port: number | undefined, protocol: 'UDP' | 'TCP'): Promise<Endpoint | undefined>;
  userAgent: string;
  settings(): RegistrationSettings;
  onStateChange?(reg: OutboundRegistration, from: RegistrationState, to: RegistrationState, why: string): void;
}

/**
 * Moves the state machine may make besides Unregistered (stop, or a failure before anything was
 * sent) and Failed (the last allowed attempt failed), which are reachable from every state.
 */
const LEGAL: Record<RegistrationState, readonly RegistrationState[]> = {
  Unregistered: ['Request Sent'],
  'Request Sent': ['Request Sent', 'Auth. Sent', 'Registered', 'Timeout', 'No Authentication', 'Rejected'],
  'Auth. Sent': ['Request Sent', 'Auth. Sent', 'Registered', 'Timeout', 'No Authentication', 'Rejected'],
  Registered: ['Request Sent'],
  Timeout: ['Request Sent'],
  'No Authentication': ['Request Sent'],
  Rejected: ['Request Sent'],
  Failed: ['Request Sent'],
};

function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export class OutboundRegistration {
  state: RegistrationState = 'Unregistered';
  /** Seconds the registrar granted in its last 2xx (the Refresh column), 0 before. */
  granted = 0;
  /** Wall-clock ms of the last 2xx. */
  registeredAt: number | undefined;
  /** Consecutive failed attempts. */
  failures = 0;
  /** REGISTER requests sent, all kinds (tests and the bench count them). */
  sent = 0;
  private readonly callId: string;
  private readonly fromTag = newTag();
  private cseq = 0;
  private requested: number;
  private timer: TimerHandle | undefined;
  private tx: ClientTransaction | undefined;
  private dest: Endpoint | undefined;
  private attemptStartedAt = 0;
  private authRounds = 0;
  /** Bumped by every send and by stop(): answers and resolutions of older ones are ignored. */
  private generation = 0;
  private stopped = false;

  constructor(
    readonly account: RegistrationAccount,
    private readonly deps: RegistrationDeps,
  ) {
    this.callId = newCallId(account.host);
    this.requested = account.expiry;
  }

  /** `host:port` as `sip show registry` lists it. */
  get hostLabel(): string {
    return `${bracketHost(this.account.host)}:${this.account.port ?? 5060}`;
  }

  /** The account's user name as listed. */
  get username(): string {
    return this.account.user;
  }

  start(): void {
    if (this.stopped) return;
    this.attempt();
  }

  /** A reload found this line unchanged after a final Rejected/Failed: try again from scratch. */
  restart(): void {
    if (this.stopped || (this.state !== 'Rejected' && this.state !== 'Failed')) return;
    this.failures = 0;
    this.requested = this.account.expiry;
    this.attempt();
  }

  /**
   * Stops for good: timers cancelled, the REGISTER in flight abandoned, and when the registrar
   * holds our binding, an un-REGISTER (Expires: 0, RFC 3261 10.2.2). Resolves when it is answered,
   * or after UNREGISTER_WAIT_MS at most.
   */
  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const bound = this.registeredAt !== undefined && this.dest !== undefined;
    this.stopped = true;
    this.generation++;
    this.tx?.terminate();
    this.tx = undefined;
    this.transition('Unregistered', 'stopped');
    return bound ? this.unregister(this.dest!) : Promise.resolve();
  }

  // ---- the state machine

  /**
   * The one place states change: asserts the move, cancels whatever timer the old state had and
   * starts the new state's (response wait, refresh, retry), and reports the change.
   */
  private transition(to: RegistrationState, why: string, retryInMs = 0): void {
    const from = this.state;
    if (to !== 'Unregistered' && to !== 'Failed' && !LEGAL[from].includes(to)) throw new Error(`outbound registration ${this.account.text}: illegal move ${from} -> ${to}`);
    this.timer?.cancel();
    this.timer = undefined;
    this.state = to;
    const { clock } = this.deps;
    switch (to) {
      case 'Request Sent':
      case 'Auth. Sent':
        this.timer = clock.setTimeout(() => this.onNoAnswer(), this.deps.settings().registerTimeout * 1000);
        break;
      case 'Registered':
        this.timer = clock.setTimeout(() => this.attempt(), refreshDelayMs(this.granted));
        break;
      case 'Timeout':
      case 'No Authentication':
        this.timer = clock.setTimeout(() => this.attempt(), retryInMs);
        break;
      case 'Unregistered':
        if (!this.stopped) this.timer = clock.setTimeout(() => this.attempt(), retryInMs);
        break;
      case 'Rejected':
      case 'Failed':
        break;
    }
    if (from !== to || to === 'Auth. Sent') this.deps.onStateChange?.(this, from, to, why);
  }

  /** A new attempt: resolve the registrar, then REGISTER without credentials. */
  private attempt(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.attemptStartedAt = this.deps.clock.now();
    this.authRounds = 0;
    const { host, port, transport } = this.account;
    const protocol = transport === 'tcp' ? 'TCP' : 'UDP';
    this.deps.resolve(host, port, protocol).then(
      (dest) => {
        if (gen !== this.generation) return;
        if (!dest) this.fail('Unregistered', `cannot resolve ${host}`);
        else {
          this.dest = dest;
          this.send([], 'Request Sent');
        }
      },
      (e: unknown) => {
        if (gen === this.generation) this.fail('Unregistered', `cannot resolve ${host}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private send(auth: SipHeader[], state: 'Request Sent' | 'Auth. Sent', why = ''): void {
    const dest = this.dest!;
    const req = this.request(dest, auth, this.requested);
    const gen = ++this.generation;
    this.transition(state, why || `REGISTER to ${this.hostLabel}`);
    this.sent++;
    this.tx = this.deps.transactions.sendRequest(req, dest, {
      onResponse: (res) => {
        if (gen === this.generation && res.status >= 200) {
          this.tx = undefined;
          this.onFinal(res, req);
        }
      },
      onTimeout: () => {
        if (gen !== this.generation) return;
        this.tx = undefined;
        this.fail('Timeout', 'no answer (transaction timeout)');
      },
      onTransportError: (e) => {
        if (gen !== this.generation) return;
        this.tx = undefined;
        this.fail('Unregistered', `cannot send: ${e.message}`);
      },
    });
  }

  private onNoAnswer(): void {
    this.generation++;
    this.tx?.terminate();
    this.tx = undefined;
    this.fail('Timeout', `no answer within ${this.deps.settings().registerTimeout} s`);
  }

  private onFinal(res: SipResponse, req: SipRequest): void {
    const s = res.status;
    if (s < 300) {
      const granted = this.grantedExpiry(res, req);
      if (granted <= 0) {
        this.fail('Unregistered', 'the registrar kept no binding for our contact');
        return;
      }
      this.granted = granted;
      this.registeredAt = this.deps.clock.wallNow();
      this.failures = 0;
      this.transition('Registered', `${s} ${res.reason}, expires in ${granted} s`);
      return;
    }
    if (s === 401 || s === 407) {
      this.answerChallenge(res, req);
      return;
    }
    if (s === 423) {
      const min = Number(getHeader(res, 'Min-Expires') ?? '');
      if (Number.isInteger(min) && min > this.requested) {
        this.requested = min;
        this.send([], 'Request Sent', `423 Interval Too Brief: asking for ${min} s`);
      } else this.fail('Unregistered', '423 without a usable Min-Expires');
      return;
    }
    if (s === 403 || s === 404) {
      this.transition('Rejected', `${s} ${res.reason}`);
      return;
    }
    this.fail('Unregistered', `${s} ${res.reason}`);
  }

  /**
   * 401/407 (RFC 3261 22.2, 22.3): answered once per challenge. A new challenge to a request that
   * already carried our credentials for that server, without stale=true, means the password is
   * wrong: answering again would only repeat the refusal.
   */
  private answerChallenge(res: SipResponse, req: SipRequest): void {
    const creds: ClientCredentials = { username: this.account.authuser ?? this.account.user, secret: this.account.secret };
    const header = res.status === 407 ? 'Proxy-Authorization' : 'Authorization';
    const challenge = pickChallenge(res, creds);
    if (!challenge) {
      this.fail('No Authentication', `${res.status} with no digest challenge we can answer`);
      return;
    }
    if (getHeaders(req, header).length > 0 && !challenge.stale) {
      this.fail('No Authentication', `${res.status}: credentials for '${creds.username}' refused`);
      return;
    }
    if (++this.authRounds > MAX_AUTH_ROUNDS) {
      this.fail('No Authentication', 'too many challenges');
      return;
    }
    const value = digestAnswer({ challenge, creds, method: 'REGISTER', uri: formatUri(req.uri), nonceCount: 1 });
    // Credentials for the other server kind (a proxy's and the registrar's) are kept.
    const kept = req.headers.filter((h) => (h.name === 'Authorization' || h.name === 'Proxy-Authorization') && h.name !== header);
    this.send([...kept, { name: header, value }], 'Auth. Sent', `answering ${res.status} for '${creds.username}'`);
  }

  /** A failed attempt: retry no sooner than the backoff says, or give up after registerattempts. */
  private fail(state: 'Unregistered' | 'Timeout' | 'No Authentication', why: string): void {
    if (this.stopped) return;
    this.failures++;
    const { registerTimeout, registerAttempts } = this.deps.settings();
    if (registerAttempts > 0 && this.failures >= registerAttempts) {
      this.transition('Failed', `${why}; giving up after ${this.failures} attempts`);
      return;
    }
    const wait = Math.max(0, this.attemptStartedAt + retrySpacingMs(registerTimeout, this.failures) - this.deps.clock.now());
    this.transition(state, `${why}; attempt ${this.failures + 1} in ${Math.round(wait / 1000)} s`, wait);
  }

  // ---- messages

  private uris(dest: Endpoint): { aor: string; requestUri: string; contact: string } {
    const a = this.account;
    const me = this.deps.advertise(dest);
    const registrar = a.port !== undefined ? `${bracketHost(a.host)}:${a.port}` : bracketHost(a.host);
    const domain = a.domain ?? registrar;
    return {
      aor: `sip:${a.user}@${domain}`,
      requestUri: `sip:${domain}`,
      contact: `sip:${a.extension}@${bracketHost(me.host)}:${me.port}${dest.protocol === 'TCP' ? ';transport=tcp' : ''}`,
    };
  }

  private request(dest: Endpoint, extra: SipHeader[], expires: number): SipRequest {
    const me = this.deps.advertise(dest);
    const u = this.uris(dest);
    const headers: SipHeader[] = [
      { name: 'Via', value: `SIP/2.0/${dest.protocol === 'TCP' ? 'TCP' : 'UDP'} ${bracketHost(me.host)}:${me.port};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${u.aor}>;tag=${this.fromTag}` },
      { name: 'To', value: `<${u.aor}>` },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${++this.cseq} REGISTER` },
      { name: 'Contact', value: `<${u.contact}>` },
      { name: 'Expires', value: String(expires) },
      { name: 'User-Agent', value: this.deps.userAgent },
      ...extra,
    ];
    return { kind: 'request', method: 'REGISTER', uri: parseUri(u.requestUri), headers, body: '' };
  }

  /**
   * The expiry the registrar granted (RFC 3261 10.2.4): the expires parameter of our own Contact in
   * the 2xx, else the Expires header, else what we asked for.
   */
  private grantedExpiry(res: SipResponse, req: SipRequest): number {
    const ours = parseUri(/<([^>]*)>/.exec(getHeader(req, 'Contact') ?? '')?.[1] ?? '');
    const contacts = getHeaders(res, 'Contact').flatMap((v) => {
      try {
        return [parseNameAddr(v)];
      } catch {
        return [];
      }
    });
    const same = contacts.find((c) => c.uri.user === ours.user && c.uri.host === ours.host && (c.uri.port ?? 5060) === (ours.port ?? 5060));
    const mine = same ?? (contacts.length === 1 ? contacts[0] : undefined);
    const fromContact = mine?.params.expires;
    if (fromContact !== undefined && fromContact !== null && /^\d+$/.test(fromContact)) return Number(fromContact);
    const header = getHeader(res, 'Expires');
    if (header !== undefined && /^\d+$/.test(header.trim())) return Number(header.trim());
    return this.requested;
  }

  /** REGISTER with Expires: 0 for our contact; a challenge is answered once. */
  private unregister(dest: Endpoint): Promise<void> {
    return new Promise((resolve) => {
      let tx: ClientTransaction | undefined;
      const guard = this.deps.clock.setTimeout(() => finish(), UNREGISTER_WAIT_MS);
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        guard.cancel();
        tx?.terminate();
        resolve();
      };
      const sendOne = (auth: SipHeader[]): void => {
        const req = this.request(dest, auth, 0);
        this.sent++;
        tx = this.deps.transactions.sendRequest(req, dest, {
          onResponse: (res) => {
            if (res.status < 200) return;
            tx = undefined;
            if ((res.status === 401 || res.status === 407) && auth.length === 0) {
              const creds: ClientCredentials = { username: this.account.authuser ?? this.account.user, secret: this.account.secret };
              const c = pickChallenge(res, creds);
              if (c) {
                const value = digestAnswer({ challenge: c, creds, method: 'REGISTER', uri: formatUri(req.uri), nonceCount: 1 });
                sendOne([{ name: res.status === 407 ? 'Proxy-Authorization' : 'Authorization', value }]);
                return;
              }
            }
            finish();
          },
          onTimeout: () => finish(),
          onTransportError: () => finish(),
        });
      };
      sendOne([]);
    });
  }
}
