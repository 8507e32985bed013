import type { Pbx } from '../../runtime/pbx.ts';
import type { SipPeer } from '../../config/index.ts';
import type { Binding } from '../../sip/registrar/binding.ts';
import type { RegistryRow } from '../../sip/registration/outbound-registry.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';
import { isoTime, table } from './format.ts';
import { isIpAddress } from '../../platform/net.ts';

function peerHost(peer: SipPeer, bindings: Binding[]): { host: string; port: string } {
  if (peer.host !== 'dynamic') return { host: peer.host, port: String(peer.port ?? 5060) };
  const b = bindings[0];
  return b ? { host: b.reach.address, port: String(b.reach.port) } : { host: '(Unspecified)', port: '0' };
}

/** A peer as `sip show peers`/`sip show peer` (and the manager's SIPpeers/SIPshowpeer) see it. */
export interface SipPeerView {
  peer: SipPeer;
  bindings: Binding[];
  /** Registered (or static) address, `(Unspecified)`/`0` when unknown. */
  host: string;
  port: string;
  /** The qualify state (`OK (12 ms)`, `UNREACHABLE`, `Unmonitored` ...). */
  status: string;
}

export function sipPeerView(pbx: Pbx, name: string): SipPeerView | undefined {
  const peer = pbx.config.peers.get(name);
  if (!peer) return undefined;
  const bindings = pbx.registrar.lookup(name);
  return { peer, bindings, ...peerHost(peer, bindings), status: pbx.qualify.describe(name) };
}

export function peerNames(pbx: Pbx): string[] {
  return [...pbx.config.peers.keys()].sort();
}

/**
 * `sip show registry` in chan_sip's fixed columns: Host (39), dnsmgr (6), Username (12), Refresh
 * (8, right-aligned), State (20), Reg.Time (the last 2xx, local time).
 */
export function registryTable(rows: RegistryRow[]): string {
  const line = (host: string, dns: string, user: string, refresh: string, state: string, time: string): string =>
    `${host.slice(0, 39).padEnd(39)} ${dns.slice(0, 6).padEnd(6)} ${user.slice(0, 12).padEnd(12)} ${refresh.slice(0, 8).padStart(8)} ${state.slice(0, 20).padEnd(20)} ${time}`.trimEnd();
  const out = [line('Host', 'dnsmgr', 'Username', 'Refresh', 'State', 'Reg.Time')];
  for (const r of rows) {
    out.push(line(r.host, r.dnsmgr ? 'Y' : 'N', r.username, String(r.refresh), r.state, r.registeredAt === undefined ? '' : regTime(r.registeredAt)));
  }
  out.push(`${rows.length} SIP registrations.`);
  return out.join('\n');
}

/** `Mon, 07 Dec 2026 17:41:09`, as chan_sip prints Reg.Time. */
function regTime(wallMs: number): string {
  const d = new Date(wallMs);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getDay()]}, ${two(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** sip show peers|peer|registrations|registry|bans|stats, sip set debug, sip unban, sip qualify peer. */
export function registerSipCommands(r: CommandRegistry, pbx: Pbx): void {
  r.add({
    words: ['sip', 'show', 'peers'],
    usage: 'sip show peers',
    summary: 'List SIP peers with address and reachability',
    run: () => {
      const rows: string[][] = [];
      let online = 0;
      let offline = 0;
      let unmonitored = 0;
      for (const name of peerNames(pbx)) {
        const { peer, bindings, host, port, status } = sipPeerView(pbx, name)!;
        if (peer.qualify === false) unmonitored++;
        else if (status.startsWith('OK') || status.startsWith('LAGGED')) online++;
        else offline++;
        rows.push([
          peer.defaultuser && peer.defaultuser !== name ? `${name}/${peer.defaultuser}` : `${name}/${name}`,
          host,
          peer.host === 'dynamic' ? 'D' : '',
          peer.nat ? 'Yes' : 'No',
          port,
          bindings.length > 1 ? `${status} [${bindings.length} contacts]` : status,
        ]);
      }
      const body = table(['Name/username', 'Host', 'Dyn', 'Nat', 'Port', 'Status'], rows);
      return `${body}\n${rows.length} sip peers [Monitored: ${online} online, ${offline} offline Unmonitored: ${unmonitored}]`;
    },
  });
  r.add({
    words: ['sip', 'show', 'peer'],
    usage: 'sip show peer NAME',
    summary: 'Show one SIP peer: settings, contacts, reachability',
    complete: () => peerNames(pbx),
    run: (args) => {
      const name = args[0];
      if (!name) throw new CommandError('name a peer');
      const view = sipPeerView(pbx, name);
      if (!view) return `Peer ${name} not found.`;
      const { peer, bindings, status } = view;
      const cid = peer.callerid ? `"${peer.callerid.name ?? ''}" <${peer.callerid.number ?? ''}>` : '(none)';
      const lines = [
        `  * Name       : ${peer.name}`,
        `  Type         : ${peer.type}`,
        `  Secret       : ${peer.secret || peer.md5secret ? '<Set>' : '<Not set>'}`,
        `  Context      : ${peer.context}`,
        `  Callerid     : ${cid}`,
        `  Host         : ${peer.host}${peer.port ? `:${peer.port}` : ''}`,
        `  Nat          : ${peer.nat ? 'yes' : 'no'}`,
        `  Qualify      : ${peer.qualify === false ? 'no' : peer.qualify === true ? 'yes' : `${peer.qualify} ms`}`,
        `  Status       : ${status}`,
        `  Codecs       : ${peer.allow.join(', ') || '(none)'}`,
        `  Canreinvite  : ${peer.canreinvite ? 'yes' : 'no'}`,
        `  Defined at   : ${peer.origin.file}:${peer.origin.line}${peer.fromPbxConf ? ' (from [phones])' : ''}`,
        `  Contacts     : ${bindings.length === 0 ? '(not registered)' : ''}`,
        ...bindings.map(
          (b) =>
            `    ${b.contact} via ${b.reach.protocol} ${b.reach.address}:${b.reach.port}, expires ${Math.max(0, Math.round((b.expiresAt - pbx.clock.wallNow()) / 1000))} s${b.userAgent ? `, ${b.userAgent}` : ''}`,
        ),
      ];
      return lines.join('\n');
    },
  });
  r.add({
    words: ['sip', 'show', 'registrations'],
    usage: 'sip show registrations',
    summary: 'List the contacts registered by phones, with expiry',
    run: () => {
      const now = pbx.clock.wallNow();
      const all = pbx.registrar.bindings();
      const rows = all.map((b) => [
        b.aor,
        b.contact,
        `${b.reach.protocol} ${b.reach.address}:${b.reach.port}`,
        String(Math.max(0, Math.round((b.expiresAt - now) / 1000))),
        b.userAgent ?? '',
      ]);
      return `${table(['Peer', 'Contact', 'Reached at', 'Expires', 'User-Agent'], rows)}\n${all.length} registered contacts`;
    },
  });
  r.add({
    words: ['sip', 'show', 'registry'],
    usage: 'sip show registry',
    summary: 'List outbound registrations (sip.conf register =>) and their state',
    run: () => registryTable(pbx.outbound?.rows() ?? []),
  });
  r.add({
    words: ['sip', 'set', 'debug'],
    usage: 'sip set debug on|off|ip ADDRESS',
    summary: 'Print SIP messages (all, none, or to/from one address) on this console',
    complete: () => ['on', 'off', 'ip'],
    run: (args) => {
      const [mode, addr] = args;
      if (mode === 'on') pbx.stack.debug = { mode: 'on' };
      else if (mode === 'off') pbx.stack.debug = { mode: 'off' };
      else if (mode === 'ip' && addr && isIpAddress(addr)) pbx.stack.debug = { mode: 'ip', address: addr };
      else throw new CommandError(mode === 'ip' ? 'give an IP address' : "say 'on', 'off' or 'ip ADDRESS'");
      const d = pbx.stack.debug;
      return d.mode === 'off' ? 'SIP Debugging Disabled' : d.mode === 'on' ? 'SIP Debugging enabled' : `SIP Debugging Enabled for IP: ${d.address}`;
    },
  });
  r.add({
    words: ['sip', 'show', 'bans'],
    usage: 'sip show bans',
    summary: 'List addresses banned after repeated failed authentications',
    run: () => {
      const now = pbx.clock.wallNow();
      const bans = pbx.bans.list().filter((b) => b.until > now);
      if (bans.length === 0) return 'No banned addresses.';
      return table(
        ['Address', 'Failures', 'Banned until', 'Remaining'],
        bans.map((b) => [b.address, String(b.failures), isoTime(b.until), `${Math.round((b.until - now) / 1000)} s`]),
      );
    },
  });
  r.add({
    words: ['sip', 'unban'],
    usage: 'sip unban ADDRESS',
    summary: 'Lift the ban of an address',
    run: (args) => {
      if (!args[0]) throw new CommandError('give the address');
      return pbx.bans.unban(args[0]) ? `Unbanned ${args[0]}.` : `${args[0]} is not banned.`;
    },
  });
  r.add({
    words: ['sip', 'show', 'stats'],
    usage: 'sip show stats',
    summary: 'SIP message and transaction counters',
    run: () => {
      const s = pbx.stack.stats;
      const t = pbx.stack.transactions.stats();
      const d = pbx.stack.dialogs.stats();
      const c = pbx.calls?.resources();
      return [
        `Messages received: ${s.received}, sent: ${s.sent}`,
        `Invalid messages: ${s.invalid} (answered 400: ${s.answered400}), dropped from banned addresses: ${s.droppedBanned}`,
        `Transactions live: ${t.live} (client INVITE ${t.clientInvite}, client other ${t.clientNonInvite}, server INVITE ${t.serverInvite}, server other ${t.serverNonInvite})`,
        // calls (issue 3): what a finished call must give back (leak checks after load).
        `Dialogs live: ${d.dialogs} (INVITE sessions ${d.sessions}, outgoing INVITEs collecting forks ${d.pending})`,
        ...(c ? [`Channels: ${c.channels}, RTP port pairs in use: ${c.rtpPortsInUse} of ${c.rtpPortCapacity}`] : []),
        `Timers pending: ${pbx.clock.pending()}`,
      ].join('\n');
    },
  });
  // calls (issue 3): chan_sip's `sip show channels` columns, one line per SIP call leg.
  r.add({
    words: ['sip', 'show', 'channels'],
    usage: 'sip show channels',
    summary: 'List active SIP channels',
    run: () => {
      const legs = pbx.calls ? pbx.calls.sipChannels() : [];
      const col = (v: string, w: number): string => v.slice(0, w).padEnd(w);
      const widths = [15, 15, 15, 15, 7, 15, 10, 10];
      const line = (cells: string[]): string => cells.map((v, i) => col(v, widths[i]!)).join('  ').trimEnd();
      const rows = legs.map((l) => line([l.peerAddress, l.user, l.callId, `(${l.format ?? 'nothing'})`, l.onHold ? 'Yes' : 'No', l.lastMessage, '', l.peer]));
      return [
        line(['Peer', 'User/ANR', 'Call ID', 'Format', 'Hold', 'Last Message', 'Expiry', 'Peer']),
        ...rows,
        `${legs.length} active SIP channel${legs.length === 1 ? '' : 's'}`,
      ].join('\n');
    },
  });
  r.add({
    words: ['sip', 'show', 'subscriptions'],
    usage: 'sip show subscriptions',
    summary: 'List active SIP subscriptions (message-summary: MWI)',
    run: () => {
      const subs = pbx.mwi ? pbx.mwi.list() : [];
      const col = (v: string, w: number): string => v.slice(0, w).padEnd(w);
      const widths = [15, 21, 32, 15, 16, 7, 8];
      const line = (cells: string[]): string => cells.map((v, i) => col(v, widths[i]!)).join('  ').trimEnd();
      const rows = subs.map((s) =>
        line([s.peer, `${s.dest.address}:${s.dest.port}`, s.callId, 'mwi', pbx.config.peers.get(s.peer)?.mailbox ?? '', String(s.expiresIn), String(s.notifies)]),
      );
      return [
        line(['Peer', 'Address', 'Call ID', 'Type', 'Mailbox', 'Expiry', 'Notifies']),
        ...rows,
        `${subs.length} active SIP subscription${subs.length === 1 ? '' : 's'}`,
      ].join('\n');
    },
  });
  r.add({
    words: ['sip', 'qualify', 'peer'],
    usage: 'sip qualify peer NAME',
    summary: 'Send an OPTIONS ping to a peer now',
    complete: () => peerNames(pbx),
    run: async (args) => {
      if (!args[0] || !pbx.config.peers.has(args[0])) throw new CommandError('name a configured peer');
      const st = await pbx.qualify.checkNow(args[0]);
      return st ? `${args[0]}: ${pbx.qualify.describe(args[0])}` : `${args[0]} is not qualified (qualify=no or no address).`;
    },
  });
}
