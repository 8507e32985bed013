/**
 * The manager's TCP listener: admits connections (banned sources and floods are cut at once),
 * keeps the sessions, and turns each bus event into manager text ONCE, then hands that text to
 * every session allowed and willing to read it. Listeners on the bus run inside the emitter, so
 * this path only formats and queues: a slow client is dropped by its own bound, never waited on.
 */
import { listenTcp, type StreamConnection, type StreamServer } from '../platform/net.ts';
import type { Clock } from '../platform/clock.ts';
import type { EventBus, PbxEvent } from '../core/events.ts';
import type { ManagerConfig } from '../config/manager-conf.ts';
import { EVENT_CLASS } from './action.ts';
import type { ActionRegistry } from './registry.ts';
import { ManagerSession, type LoginGuard, type SessionHost } from './session.ts';
import { toAmiEvent } from './events.ts';
import { aclPermits } from './acl.ts';
import { DEFAULT_MAX_HEADERS, DEFAULT_MAX_LINE_BYTES, formatEvent } from './wire.ts';

export interface ManagerLog {
  notice(message: string): void;
  warning(message: string): void;
  verbose(level: number, message: string): void;
}

export interface ManagerServerOptions {
  config: () => ManagerConfig;
  actions: ActionRegistry;
  events: EventBus;
  clock: Clock;
  guard: LoginGuard;
  log: ManagerLog;
  /** Backlog a client may leave unread before it is dropped (default 1 MiB). */
  maxQueueBytes?: number;
  /** Connections at once, logged in or not (default 256). */
  maxConnections?: number;
  maxLineBytes?: number;
  maxHeaders?: number;
}

export interface ManagerStats {
  connections: number;
  authenticated: number;
  eventsFormatted: number;
  dropped: number;
}

export class ManagerServer {
  private readonly sessions = new Set<ManagerSession>();
  private readonly loggedIn = new Set<ManagerSession>();
  private unsubscribe: (() => void) | undefined;
  private server: StreamServer | undefined;
  private eventsFormatted = 0;
  private dropped = 0;
  private readonly host: SessionHost;

  private constructor(private readonly o: ManagerServerOptions) {
    const self = this;
    this.host = {
      config: o.config,
      actions: o.actions,
      guard: o.guard,
      maxQueueBytes: o.maxQueueBytes ?? 1024 * 1024,
      maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      maxHeaders: o.maxHeaders ?? DEFAULT_MAX_HEADERS,
      setTimeout: (fn, ms) => o.clock.setTimeout(fn, ms),
      timestamp: () => (o.clock.wallNow() / 1000).toFixed(6),
      log: (level, m) => (level === 'verbose' ? o.log.verbose(2, m) : o.log[level](m)),
      authenticated: (s) => self.loggedIn.add(s),
      ended: (s) => self.onEnded(s),
    };
  }

  /** Binds `bindaddr:port` from the config in force and starts hearing the bus. */
  static async start(o: ManagerServerOptions): Promise<ManagerServer> {
    const s = new ManagerServer(o);
    const c = o.config();
    s.server = await listenTcp(c.bindaddr, c.port, (conn) => s.admit(conn));
    s.unsubscribe = o.events.on((e) => s.broadcast(e));
    return s;
  }

  get local(): { address: string; port: number } {
    return this.server?.local ?? { address: '', port: 0 };
  }

  stats(): ManagerStats {
    return { connections: this.sessions.size, authenticated: this.loggedIn.size, eventsFormatted: this.eventsFormatted, dropped: this.dropped };
  }

  /** Sessions (for `manager show connected`). */
  list(): { user: string; address: string }[] {
    return [...this.loggedIn].map((s) => ({ user: s.user, address: `${s.conn.remote.address}:${s.conn.remote.port}` }));
  }

  /**
   * After a reload: sessions of users that are gone, whose secret changed or whose ACL now
   * refuses them end; the others take the new read/write classes at once.
   */
  reconcile(): void {
    const users = this.o.config().users;
    for (const s of this.loggedIn) {
      const u = users.get(s.user);
      if (!u || u.secret !== s.authenticatedUser?.secret || !aclPermits(u.acl, s.conn.remote.address)) s.drop();
      else s.refreshUser(u);
    }
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const s of this.sessions) s.drop();
    await this.server?.close();
  }

  private admit(conn: StreamConnection): void {
    const address = conn.remote.address;
    const c = this.o.config();
    if (this.o.guard.isBanned(address)) {
      conn.close();
      return;
    }
    const maxConnections = this.o.maxConnections ?? 256;
    const pending = this.sessions.size - this.loggedIn.size;
    if (this.sessions.size >= maxConnections || pending >= c.authlimit) {
      this.dropped++;
      this.o.log.warning(`manager connection from ${address} refused: ${pending >= c.authlimit ? `${pending} connections not logged in (authlimit)` : `${this.sessions.size} connections (limit)`}`);
      conn.close();
      return;
    }
    this.sessions.add(new ManagerSession(conn, this.host));
  }

  private onEnded(s: ManagerSession): void {
    this.sessions.delete(s);
    if (this.loggedIn.delete(s) && this.o.config().displayconnects) this.o.log.verbose(2, `Manager '${s.user}' logged off from ${s.conn.remote.address}`);
  }

  private broadcast(e: PbxEvent): void {
    if (this.loggedIn.size === 0) return;
    let text: string | undefined;
    const name = e.type;
    const cls = EVENT_CLASS[name] ?? 'call';
    for (const s of this.loggedIn) {
      if (!s.wants(cls, name)) continue;
      if (text === undefined) {
        const ami = toAmiEvent(e);
        text = formatEvent(ami.event, ami.fields, {
          privilege: `${cls},all`,
          ...(this.o.config().timestampevents ? { timestamp: this.host.timestamp() } : {}),
        });
        this.eventsFormatted++;
      }
      s.deliver(text);
    }
  }
}
