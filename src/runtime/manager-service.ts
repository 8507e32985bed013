/**
 * The manager interface of a running PBX: builds the action registry (the core actions here,
 * the call actions from their own module), fills in what the actions reach (console commands,
 * channels, variables, the AstDB, reload), and runs the TCP server while manager.conf enables
 * it. Failed logins go to a ban list of the SIP kind (same threshold and ban time as sip.conf's
 * authfailban), its own so a mistyped AMI secret does not block a phone.
 */
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../log/index.ts';
import type { PbxConfig } from '../config/index.ts';
import { defaultManagerConfig, type ManagerConfig } from '../config/manager-conf.ts';
import type { EventBus } from '../core/events.ts';
import type { Channel } from '../channels/channel.ts';
import { AuthBanList } from '../sip/auth/ban.ts';
import type { AstDb } from '../store/astdb.ts';
import type { DialplanChannel, FunctionEnv } from '../dialplan/types.ts';
import { substitute } from '../dialplan/expr/index.ts';
import { channelVariable, setChannelVariable } from '../dialplan/exec/variables.ts';
import { ActionRegistry } from '../manager/registry.ts';
import { CORE_ACTIONS } from '../manager/actions/core.ts';
import { ManagerServer } from '../manager/server.ts';
import type { LoginGuard } from '../manager/session.ts';

/** Ban threshold when sip.conf turns SIP banning off: the manager still stops a guesser. */
const FALLBACK_THRESHOLD = 5;

export interface ManagerServiceOptions {
  config: () => PbxConfig;
  clock: Clock;
  log: Logger;
  events: EventBus;
  command(line: string): Promise<{ ok: boolean; output: string }>;
  channels(): readonly Channel[];
  /** Dialplan variables and functions (absent: plain channel variables and no globals). */
  dialplan(): { globals: Map<string, string>; functionEnv(ch: DialplanChannel | undefined): FunctionEnv; db: AstDb } | undefined;
  reload(): Promise<{ ok: boolean; output: string }>;
  info(): { version: string; systemName: string; startedAt: number; reloadedAt: number; cdrEnabled: boolean };
}

export class ManagerService {
  readonly actions = new ActionRegistry();
  private server: ManagerServer | undefined;
  private bound: { bindaddr: string; port: number } | undefined;
  private readonly guard: LoginGuard;

  constructor(private readonly o: ManagerServiceOptions) {
    const sip = o.config().sip;
    const bans = new AuthBanList({
      clock: o.clock,
      threshold: sip.authFailBanThreshold > 0 ? sip.authFailBanThreshold : FALLBACK_THRESHOLD,
      windowMs: sip.banSeconds * 1000,
      banMs: sip.banSeconds * 1000,
    });
    this.guard = {
      isBanned: (a) => bans.isBanned(a),
      failed: (a) => {
        if (bans.recordFailure(a)) o.log.warning(`manager: ${a} banned after repeated failed logins`);
      },
      succeeded: (a) => bans.recordSuccess(a),
    };
    this.actions.add(CORE_ACTIONS, {
      command: (line) => o.command(line),
      channels: () => o.channels(),
      channel: (name) => o.channels().find((c) => c.name === name),
      getVariable: (ch, name) => this.getVariable(ch, name),
      setVariable: (ch, name, value) => this.setVariable(ch, name, value),
      db: {
        get: (f, k) => o.dialplan()?.db.get(f, k),
        put: (f, k, v) => {
          const d = o.dialplan();
          if (!d) throw new Error('no database');
          d.db.put(f, k, v);
        },
        del: (f, k) => o.dialplan()?.db.del(f, k) ?? false,
      },
      reload: () => o.reload(),
      info: () => o.info(),
      now: () => o.clock.now(),
      wallNow: () => o.clock.wallNow(),
      actions: this.actions,
    });
  }

  private managerConfig(): ManagerConfig {
    return this.o.config().manager ?? defaultManagerConfig();
  }

  get running(): ManagerServer | undefined {
    return this.server;
  }

  /** Starts (or, after a reload, restarts on a new address, or stops) the listener as configured. */
  async apply(): Promise<string | undefined> {
    const c = this.managerConfig();
    if (!c.enabled) {
      if (this.server) {
        await this.stop();
        return 'manager disabled';
      }
      return undefined;
    }
    if (this.server && this.bound?.bindaddr === c.bindaddr && this.bound.port === c.port) {
      this.server.reconcile();
      return undefined;
    }
    await this.stop();
    try {
      this.server = await ManagerServer.start({
        config: () => this.managerConfig(),
        actions: this.actions,
        events: this.o.events,
        clock: this.o.clock,
        guard: this.guard,
        log: { notice: (m) => this.o.log.notice(m), warning: (m) => this.o.log.warning(m), verbose: (l, m) => this.o.log.verbose(l, m) },
      });
    } catch (e) {
      this.o.log.error(`cannot listen for the manager on ${c.bindaddr}:${c.port}: ${(e as Error).message}`);
      return `manager: cannot listen on ${c.bindaddr}:${c.port}`;
    }
    this.bound = { bindaddr: c.bindaddr, port: c.port };
    const local = this.server.local;
    this.o.log.notice(`manager interface listening on ${local.address}:${local.port} (${c.users.size} user${c.users.size === 1 ? '' : 's'})`);
    return `manager listening on ${local.address}:${local.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.bound = undefined;
    await s?.close();
  }

  /** Getvar: `CALLERID(num)` and other functions are evaluated; plain names read variables then globals. */
  private getVariable(ch: Channel | undefined, name: string): string | undefined {
    const d = this.o.dialplan();
    // The registry's channels are the drivers' SIP and DAHDI channels, which the dialplan runs:
    // every one is a DialplanChannel (the Channel interface is the narrower driver view).
    const dch = ch as unknown as DialplanChannel | undefined;
    if (name.includes('(') && d) return substitute(`\${${name}}`, d.functionEnv(dch));
    if (dch) return channelVariable(dch, name, d?.globals);
    return d?.globals.get(name);
  }

  private setVariable(ch: Channel | undefined, name: string, value: string): void {
    const d = this.o.dialplan();
    if (!ch) {
      d?.globals.set(name, value);
      return;
    }
    const dch = ch as unknown as DialplanChannel;
    setChannelVariable(dch, name, value);
    if (dch.eventBus?.active) dch.eventBus.emit({ type: 'VarSet', channel: dch, variable: name, value });
  }
}
