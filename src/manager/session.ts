/**
 * One manager connection: the greeting, the login (plain `Secret` or MD5 over a `Challenge`),
 * then requests answered in order, and the events its user may read and asked for.
 *
 * Output goes through a per-connection bound: what the kernel has not taken yet is counted, and
 * a client whose backlog passes `maxQueueBytes` is disconnected, so a client that stops reading
 * costs the PBX a bounded amount of memory and never slows whoever emits events.
 */
import type { StreamConnection } from '../platform/net.ts';
import { md5Hex, randomHex, safeEqual } from '../platform/crypto.ts';
import type { TimerHandle } from '../platform/clock.ts';
import type { ManagerConfig, ManagerUser } from '../config/manager-conf.ts';
import type { AmiClass, AmiFields, AmiRequest, AmiResponse, AmiSessionView } from './action.ts';
import type { ActionRegistry } from './registry.ts';
import { formatEvent, formatResponse, GREETING, RequestParser } from './wire.ts';
import { aclPermits } from './acl.ts';

/** Failed logins are counted per source and the source banned like SIP (the runtime's ban list). */
export interface LoginGuard {
  isBanned(address: string): boolean;
  failed(address: string): void;
  succeeded(address: string): void;
}

export interface SessionHost {
  config(): ManagerConfig;
  readonly actions: ActionRegistry;
  readonly guard: LoginGuard;
  readonly maxQueueBytes: number;
  readonly maxLineBytes: number;
  readonly maxHeaders: number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Seconds since the epoch with microseconds, for Ping's Timestamp. */
  timestamp(): string;
  log(level: 'notice' | 'warning' | 'verbose', message: string): void;
  /** The session logged in (it now counts as authenticated) or ended. */
  authenticated(session: ManagerSession): void;
  ended(session: ManagerSession): void;
}

/** How long a closing connection may take to flush before it is cut. */
const END_GRACE_MS = 5000;

export class ManagerSession implements AmiSessionView {
  private readonly parser: RequestParser;
  private loggedIn: ManagerUser | undefined;
  private challenge: string | undefined;
  /** Classes the client asked for (Login's or the Events action's `Events`); all by default. */
  private mask: ReadonlySet<AmiClass> | 'all' = 'all';
  /** VarSet is sent only to sessions that named `dialplan` themselves (it floods otherwise). */
  private varSetWanted = false;
  private queue: Promise<void> = Promise.resolve();
  private closing = false;
  private authTimer: TimerHandle | undefined;
  private endTimer: TimerHandle | undefined;

  constructor(
    readonly conn: StreamConnection,
    private readonly host: SessionHost,
  ) {
    this.parser = new RequestParser(host.maxLineBytes, host.maxHeaders);
    conn.onData((chunk) => this.onData(chunk));
    conn.onClose(() => {
      this.authTimer?.cancel();
      this.endTimer?.cancel();
      host.ended(this);
    });
    this.authTimer = host.setTimeout(() => {
      if (!this.loggedIn) this.conn.close();
    }, host.config().authtimeout * 1000);
    this.write(GREETING);
  }

  get user(): string {
    return this.loggedIn?.name ?? '';
  }

  get remote(): string {
    return this.conn.remote.address;
  }

  get authenticatedUser(): ManagerUser | undefined {
    return this.loggedIn;
  }

  canRead(cls: AmiClass): boolean {
    return !!this.loggedIn && this.loggedIn.read.has(cls);
  }

  /** A reload changed the user's classes (same name and secret). */
  refreshUser(user: ManagerUser): void {
    if (this.loggedIn) this.loggedIn = user;
  }

  canWrite(cls: AmiClass): boolean {
    return !!this.loggedIn && this.loggedIn.write.has(cls);
  }

  /** Whether an event of this name and class goes to this session. */
  wants(cls: AmiClass, event: string): boolean {
    if (!this.loggedIn || this.closing || !this.loggedIn.read.has(cls)) return false;
    if (this.mask !== 'all' && !this.mask.has(cls)) return false;
    if (event === 'VarSet') return this.varSetWanted || this.loggedIn.readsDialplanExplicitly;
    return true;
  }

  setEventMask(mask: 'on' | 'off' | readonly AmiClass[]): void {
    if (mask === 'on') this.mask = 'all';
    else if (mask === 'off') this.mask = new Set();
    else {
      this.mask = new Set(mask);
      this.varSetWanted = mask.includes('dialplan');
    }
  }

  sendEvent(event: string, fields: AmiFields): void {
    this.write(formatEvent(event, fields));
  }

  /** A pre-formatted event (the server formats each bus event once for every session). */
  deliver(text: string): void {
    this.write(text);
  }

  close(): void {
    this.closing = true;
  }

  /** Cut the connection now (server stop, reload removing the user). */
  drop(): void {
    this.conn.close();
  }

  private write(text: string): void {
    if (this.conn.closed) return;
    if (this.conn.pendingBytes + text.length > this.host.maxQueueBytes) {
      this.host.log('warning', `manager client ${this.describe()} is not reading (over ${this.host.maxQueueBytes} bytes queued); disconnected`);
      this.conn.close();
      return;
    }
    this.conn.write(text);
  }

  private describe(): string {
    return `${this.loggedIn ? `'${this.loggedIn.name}' ` : ''}from ${this.conn.remote.address}:${this.conn.remote.port}`;
  }

  private onData(chunk: string): void {
    if (this.closing || this.conn.closed) return;
    const { requests, problem } = this.parser.push(chunk);
    for (const r of requests) this.queue = this.queue.then(() => this.handle(r));
    if (problem) {
      const message = problem === 'line-too-long' ? 'Line too long' : 'Too many headers';
      this.queue = this.queue.then(() => {
        this.write(formatResponse(undefined, { response: 'Error', message }));
        this.host.log('warning', `manager client ${this.describe()}: ${message.toLowerCase()}; disconnected`);
        this.finish();
      });
    }
  }

  private async handle(request: AmiRequest): Promise<void> {
    if (this.closing || this.conn.closed) return;
    const response = await this.answer(request);
    this.write(formatResponse(request.actionId, response));
    for (const e of response.events ?? []) this.write(formatEvent(e.event, e.fields, request.actionId !== undefined ? { actionId: request.actionId } : undefined));
    if (this.closing) this.finish();
  }

  private finish(): void {
    this.closing = true;
    this.conn.end();
    this.endTimer ??= this.host.setTimeout(() => this.conn.close(), END_GRACE_MS);
  }

  private async answer(request: AmiRequest): Promise<AmiResponse> {
    const name = request.action.toLowerCase();
    if (name === '') return { response: 'Error', message: 'Missing action in request' };
    if (name === 'challenge') return this.onChallenge(request);
    if (name === 'login') return this.onLogin(request);
    const action = this.host.actions.get(name);
    if (!this.loggedIn) {
      if (name === 'logoff' && action) return action.run(request, this);
      return { response: 'Error', message: 'Permission denied' };
    }
    if (!action) return { response: 'Error', message: 'Invalid/unknown command' };
    if (action.privilege !== undefined && !this.loggedIn.write.has(action.privilege)) return { response: 'Error', message: 'Permission denied' };
    try {
      return await action.run(request, this);
    } catch (e) {
      return { response: 'Error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  private onChallenge(request: AmiRequest): AmiResponse {
    if ((request.get('AuthType') ?? '').toLowerCase() !== 'md5') return { response: 'Error', message: 'Must specify AuthType' };
    this.challenge ??= String(parseInt(randomHex(4), 16));
    return { response: 'Success', fields: [['Challenge', this.challenge]] };
  }

  private onLogin(request: AmiRequest): AmiResponse {
    if (this.loggedIn) return { response: 'Success', message: 'Already authenticated' };
    const address = this.conn.remote.address;
    const username = request.get('Username') ?? '';
    const user = this.host.config().users.get(username);
    let ok = false;
    if (user && aclPermits(user.acl, address)) {
      const authType = (request.get('AuthType') ?? '').toLowerCase();
      if (authType === 'md5') {
        const key = (request.get('Key') ?? '').toLowerCase();
        ok = this.challenge !== undefined && safeEqual(key, md5Hex(this.challenge + user.secret));
      } else {
        ok = safeEqual(request.get('Secret') ?? '', user.secret);
      }
    }
    if (!user || !ok) {
      this.host.guard.failed(address);
      this.host.log('notice', `${address} tried to authenticate with nonexistent user or wrong secret '${username}'`);
      // Asterisk ends the session after a failed login; a guesser must reconnect each try.
      this.closing = true;
      return { response: 'Error', message: 'Authentication failed' };
    }
    this.host.guard.succeeded(address);
    this.loggedIn = user;
    this.authTimer?.cancel();
    this.authTimer = undefined;
    const events = request.get('Events');
    if (events !== undefined) this.applyEventsHeader(events);
    if (this.host.config().displayconnects) this.host.log('verbose', `Manager '${user.name}' logged on from ${address}`);
    this.host.authenticated(this);
    // FullyBooted right after the ack, as Asterisk does: clients wait for it before acting.
    if (this.wants('system', 'FullyBooted')) {
      this.queue = this.queue.then(() => this.write(formatEvent('FullyBooted', [['Status', 'Fully Booted']], { privilege: 'system,all' })));
    }
    return { response: 'Success', message: 'Authentication accepted' };
  }

  /** `on`, `off` or a class list (`system,call`), as Login and the Events action take it. */
  applyEventsHeader(value: string): 'on' | 'off' {
    const v = value.trim().toLowerCase();
    if (v === 'off' || v === 'no' || v === 'false' || v === '0') {
      this.setEventMask('off');
      return 'off';
    }
    if (v === 'on' || v === 'yes' || v === 'true' || v === '1' || v === 'all') {
      this.setEventMask('on');
      return 'on';
    }
    const classes = v.split(',').map((c) => c.trim()).filter((c) => c !== '') as AmiClass[];
    this.setEventMask(classes);
    return classes.length > 0 ? 'on' : 'off';
  }

  get logoffLog(): boolean {
    return this.host.config().displayconnects;
  }
}
