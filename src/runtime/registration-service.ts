/**
 * Outbound registrations of a running PBX: sip.conf `register =>` lines -> OutboundRegistry on the
 * SIP stack's transaction layer. Each state change is logged at notice (so it reaches syslog),
 * warning for Rejected/Failed/No Authentication, and the steps of a successful refresh at verbose 3;
 * reload applies the new lines (removed ones are un-REGISTERed, unchanged ones keep going), stop
 * un-REGISTERs all before the stack closes.
 */
import type { Clock } from '../platform/clock.ts';
import { SystemDns } from '../platform/dns.ts';
import type { PbxConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { EventBus } from '../core/events.ts';
import type { SipStack } from '../sip/stack.ts';
import { locate, type SipResolver } from '../sip/transport/locate.ts';
import type { Endpoint } from '../sip/transport/types.ts';
import { OutboundRegistry, type ApplyResult, type RegistryRow } from '../sip/registration/outbound-registry.ts';
import type { OutboundRegistration, RegistrationState } from '../sip/registration/outbound-registration.ts';

export interface RegistrationServiceOptions {
  clock: Clock;
  stack: SipStack;
  config: () => PbxConfig;
  log: Logger;
  userAgent: string;
  /** DNS for registrar names (tests give a table); default the system resolver. */
  resolver?: SipResolver;
  /** Where settled state changes are reported (AMI Registry). */
  events?: EventBus;
}

/**
 * A registrar's address as RFC 3263 finds it (sip/transport/locate.ts): an IP literal at once; a
 * name without port through SRV `_sip._udp`/`_sip._tcp`, then A/AAAA; with a port, A/AAAA. The
 * first answer is used; the next attempt asks again, so DNS changes are followed.
 */
export async function resolveRegistrar(resolver: SipResolver, host: string, port: number | undefined, protocol: 'UDP' | 'TCP'): Promise<Endpoint | undefined> {
  const found = await locate({ host, ...(port !== undefined ? { port } : {}), transport: protocol === 'TCP' ? 'tcp' : 'udp' }, resolver);
  return found[0];
}

export class RegistrationService {
  readonly registry: OutboundRegistry;
  private readonly resolver: SipResolver;
  /** Each registration's last state other than Request Sent / Auth. Sent (tells a refresh from a change). */
  private readonly lastSettled = new WeakMap<OutboundRegistration, RegistrationState>();

  constructor(private readonly opts: RegistrationServiceOptions) {
    const { stack, log } = opts;
    this.resolver = opts.resolver ?? new SystemDns();
    this.registry = new OutboundRegistry({
      clock: opts.clock,
      transactions: stack.transactions,
      advertise: (d) => stack.advertise(d),
      resolve: (host, port, protocol) => resolveRegistrar(this.resolver, host, port, protocol),
      userAgent: opts.userAgent,
      settings: () => {
        const g = opts.config().sip;
        return { registerTimeout: g.registerTimeout, registerAttempts: g.registerAttempts };
      },
      onStateChange: (reg, from, to, why) => {
        const line = `Registration ${reg.username}@${reg.hostLabel}: ${from} -> ${to}${why ? ` (${why})` : ''}`;
        // A routine refresh (Registered -> Request Sent -> Auth. Sent -> Registered) is verbose 3,
        // as chan_sip's are: at notice, 500 accounts would send syslog three lines each per cycle.
        const settled = to !== 'Request Sent' && to !== 'Auth. Sent';
        const routine = this.lastSettled.get(reg) === 'Registered' && (to === 'Registered' || !settled);
        if (settled) this.lastSettled.set(reg, to);
        if (settled && !routine && opts.events?.active) {
          opts.events.emit({ type: 'Registry', domain: reg.account.host, username: reg.username, status: to, ...(why ? { cause: why } : {}) });
        }
        if (routine) log.verbose(3, line);
        else if (to === 'Rejected' || to === 'Failed' || to === 'No Authentication') log.warning(line);
        else log.notice(line);
      },
    });
  }

  /** Starts (or, at reload, reconciles) the registrations the configuration names. */
  apply(config: PbxConfig): ApplyResult {
    return this.registry.apply(config.sip.registrations);
  }

  rows(): RegistryRow[] {
    return this.registry.rows();
  }

  stop(): Promise<void> {
    return this.registry.stop();
  }
}
