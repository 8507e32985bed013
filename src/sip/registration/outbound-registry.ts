/**
 * Every `register =>` line of the configuration in force, each an OutboundRegistration. A reload
 * hands the new list to apply(): lines that are gone are un-REGISTERed, new lines start, and a
 * line written exactly as before keeps its registration as it is (no REGISTER is sent for it),
 * except one that had stopped at Rejected or Failed, which tries again ("until reload").
 */
import { OutboundRegistration, type RegistrationAccount, type RegistrationDeps, type RegistrationState } from './outbound-registration.ts';

/** One line of `sip show registry`. */
export interface RegistryRow {
  host: string;
  /** Whether the host is a name kept resolved (chan_sip's dnsmgr column). */
  dnsmgr: boolean;
  username: string;
  /** Seconds granted by the registrar's last 2xx (0 before any). */
  refresh: number;
  state: RegistrationState;
  /** Wall-clock ms of the last 2xx. */
  registeredAt: number | undefined;
}

export interface ApplyResult {
  added: number;
  removed: number;
  kept: number;
  restarted: number;
}

export class OutboundRegistry {
  private readonly regs = new Map<string, OutboundRegistration>();
  /** Un-REGISTERs of removed lines still waiting for their answer (stop() waits for them too). */
  private readonly leaving = new Set<Promise<void>>();

  constructor(private readonly deps: RegistrationDeps) {}

  apply(accounts: readonly RegistrationAccount[]): ApplyResult {
    const wanted = new Map(accounts.map((a) => [a.text, a]));
    const result: ApplyResult = { added: 0, removed: 0, kept: 0, restarted: 0 };
    for (const [text, reg] of this.regs) {
      if (wanted.has(text)) continue;
      this.regs.delete(text);
      result.removed++;
      const p = reg.stop().finally(() => this.leaving.delete(p));
      this.leaving.add(p);
    }
    for (const [text, account] of wanted) {
      const existing = this.regs.get(text);
      if (existing) {
        if (existing.state === 'Rejected' || existing.state === 'Failed') {
          existing.restart();
          result.restarted++;
        } else result.kept++;
        continue;
      }
      const reg = new OutboundRegistration(account, this.deps);
      this.regs.set(text, reg);
      result.added++;
      reg.start();
    }
    return result;
  }

  list(): OutboundRegistration[] {
    return [...this.regs.values()];
  }

  rows(): RegistryRow[] {
    return this.list().map((r) => ({
      host: r.hostLabel,
      dnsmgr: !isIpLiteral(r.account.host),
      username: r.username,
      refresh: r.granted,
      state: r.state,
      registeredAt: r.registeredAt,
    }));
  }

  /** Un-REGISTERs everything (PBX stop); resolves when all are answered or given up on. */
  async stop(): Promise<void> {
    const all = [...this.regs.values()].map((r) => r.stop());
    this.regs.clear();
    await Promise.all([...all, ...this.leaving]);
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
