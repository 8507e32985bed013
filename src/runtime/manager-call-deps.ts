/**
 * The call actions' view of a running PBX (manager/actions/call `CallActionDeps`): origination
 * through the OriginateService, redirects through the dialplan service (a bridged channel's
 * bridge released first, as transfers do), SIP peers and registrations as `sip show ...`
 * computes them (cli/commands/sip.ts `sipPeerView`), device states from the live channels and
 * registrations, and mailbox counts from the voicemail spool.
 */
import type { Pbx } from './pbx.ts';
import { OriginateService } from './originate-service.ts';
import { callActions, type CallActionDeps, type DeviceState, type SipPeerDetail, type SipRegistrySummary } from '../manager/actions/call/index.ts';
import { peerNames, sipPeerView, type SipPeerView } from '../cli/commands/sip.ts';
import { SipChannel } from '../channels/sip-channel.ts';
import type { Channel } from '../channels/channel.ts';
import type { DialChannel } from '../apps/dial.ts';
import { bridgeOf } from '../core/bridge.ts';
import { HANGUP_CAUSES } from '../core/hangup-causes.ts';
import { executionOf } from '../dialplan/exec/index.ts';
import { findBox } from '../apps/voicemail/deposit.ts';
import type { Context, Dialplan } from '../dialplan/types.ts';

type Place = { context: string; exten: string; priority: number };

export function managerCallDeps(pbx: Pbx): CallActionDeps {
  const log = pbx.log.child('manager');
  const originate = new OriginateService({
    clock: pbx.clock,
    sip: () => pbx.calls,
    dahdi: () => pbx.analog?.driver,
    run: (ch) => pbx.dialplan!.run(ch),
    runApplication: (ch, app, data) => pbx.dialplan!.runApplication(ch, app, data),
    setAccountCode: (ch, code) => void pbx.cdr?.forChannel(ch.uniqueId)?.set('accountcode', code),
    log,
  });
  const live = (name: string): Channel | undefined => pbx.calls?.channels.get(name);
  return {
    originate: (req) => originate.originate(req),
    exists: (context, exten, callerId) => pbx.dialplan?.exists(context, exten, callerId) ?? false,
    findLabel: (context, exten, label) => (pbx.dialplan?.dialplan ? pbx.dialplan.functionEnv(undefined).lookup.findLabel(context, exten, label) : undefined),
    channel: (name) => {
      const ch = live(name);
      return ch ? { name: ch.name, callerNumber: ch.callerId.number } : undefined;
    },
    redirect: (name, to, extra) => {
      const main = live(name);
      const other = extra ? live(extra.name) : undefined;
      if (!main || (extra && !other)) return false;
      redirectChannels(pbx, [[main as DialChannel, to], ...(other && extra ? [[other as DialChannel, extra.to] as const] : [])]);
      return true;
    },
    sipPeers: () => peerNames(pbx).map((n) => peerSummary(sipPeerView(pbx, n)!)),
    sipPeer: (name) => {
      const view = sipPeerView(pbx, name);
      return view ? peerDetail(view) : undefined;
    },
    sipRegistry: () => (pbx.outbound?.rows() ?? []).map((r): SipRegistrySummary => {
      const { host, port } = splitHostPort(r.host);
      return { host, port, username: r.username, domain: host, domainPort: port, refresh: r.refresh, state: r.state, registeredAt: r.registeredAt };
    }),
    hint: (context, exten) => {
      const dp = pbx.dialplan?.dialplan;
      return dp ? hintOf(dp, context, exten) : undefined;
    },
    deviceState: (device) => deviceState(pbx, device),
    mailbox: (box, context) => {
      const vm = pbx.voicemail;
      if (!vm || !findBox(vm.config(), box, context)) return undefined;
      const c = vm.spool.counts(context, box);
      return { newMessages: c.newMessages - c.urgentNew, oldMessages: c.oldMessages, urgentMessages: c.urgentNew };
    },
  };
}

/**
 * Redirect: each channel's bridge is released, then each goes to its place (a channel running
 * the dialplan continues there, any other starts a run). A bridge partner that is not
 * redirected and runs no dialplan of its own (the answered leg of a Dial) is hung up, as
 * Asterisk hangs up a peer left without a PBX.
 */
function redirectChannels(pbx: Pbx, moves: readonly (readonly [DialChannel, Place])[]): void {
  const moving = new Set(moves.map(([ch]) => ch as Channel));
  const left: Channel[] = [];
  for (const [ch] of moves) {
    const bridge = bridgeOf(ch);
    if (!bridge || bridge.ended) continue;
    const partner = bridge.other(ch);
    bridge.release();
    if (!moving.has(partner)) left.push(partner);
  }
  const log = pbx.log.child('manager');
  for (const [ch, to] of moves) {
    log.verbose(3, `Redirecting ${ch.name} to ${to.exten}@${to.context}:${to.priority}`);
    pbx.dialplan!.redirect(ch, to).catch((e: unknown) => log.error(`dialplan of ${ch.name} after redirect failed: ${e instanceof Error ? e.message : String(e)}`));
  }
  for (const partner of left) if (executionOf(partner as DialChannel) === undefined) partner.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
}

function splitHostPort(label: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(label);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: label, port: 5060 };
}

function peerSummary(v: SipPeerView): SipPeerDetail {
  const p = v.peer;
  const known = v.host !== '(Unspecified)';
  const b = v.bindings[0];
  return {
    name: p.name,
    address: known ? v.host : undefined,
    port: Number(v.port),
    dynamic: p.host === 'dynamic',
    nat: p.nat,
    status: v.status,
    description: p.description ?? '',
    acl: p.acl.length > 0,
    type: p.type,
    secretSet: p.secret !== undefined && p.secret !== '',
    md5SecretSet: p.md5secret !== undefined,
    context: p.context,
    language: p.language,
    callerId: p.callerid,
    callGroup: p.callgroup.join(','),
    pickupGroup: p.pickupgroup.join(','),
    mohSuggest: p.mohsuggest ?? '',
    voiceMailbox: p.mailbox ?? '',
    defaultUser: p.defaultuser ?? '',
    fromUser: p.fromuser ?? '',
    fromDomain: p.fromdomain ?? '',
    codecs: p.allow,
    userAgent: b?.userAgent ?? '',
    regContact: b?.contact ?? '',
    qualifyFreq: p.qualify === false ? 0 : p.qualifyFrequency * 1000,
    callLimit: p.callLimit,
    accountCode: p.accountcode ?? '',
    transfer: p.allowtransfer !== false,
  };
}

const peerDetail = peerSummary;

/**
 * The extension's `hint =>` (in its context or one it includes), else the devices its first
 * priority Dials when they are written out (`Dial(SIP/2001,20)` -> `SIP/2001`).
 */
function hintOf(dp: Dialplan, context: string, exten: string): string | undefined {
  const seen = new Set<string>();
  const search = (name: string): string | undefined => {
    const ctx: Context | undefined = dp.contexts.get(name);
    if (!ctx || seen.has(name)) return undefined;
    seen.add(name);
    const ext = ctx.extensions.find((e) => e.name === exten && e.callerId === undefined);
    if (ext?.hint) return ext.hint.value;
    const first = ext?.priorities.find((p) => p.priority === 1);
    if (first && first.app.toLowerCase() === 'dial' && !first.appData.includes('$')) {
      const devices = (first.appData.split(/[,|]/)[0] ?? '')
        .split('&')
        .map((d) => d.trim())
        .filter((d) => /^(SIP|DAHDI|Zap)\/[^/]+$/i.test(d));
      if (devices.length > 0) return devices.join('&');
    }
    if (ext) return undefined;
    for (const inc of ctx.includes) {
      const found = search(inc.context);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(context);
}

/** Asterisk's device state of `SIP/peer` or `DAHDI/port` from the live channels. */
function deviceState(pbx: Pbx, device: string): DeviceState {
  const slash = device.indexOf('/');
  const tech = device.slice(0, slash).toUpperCase();
  const resource = device.slice(slash + 1);
  let legs: Channel[];
  if (tech === 'SIP') {
    const peer = pbx.config.peers.get(resource);
    if (!peer) return 'INVALID';
    legs = (pbx.calls?.channels.list() ?? []).filter((c) => c instanceof SipChannel && c.peer === resource);
    if (legs.length === 0) {
      if (peer.host === 'dynamic' && pbx.registrar.lookup(resource).length === 0) return 'UNAVAILABLE';
      return pbx.qualify.describe(resource) === 'UNREACHABLE' ? 'UNAVAILABLE' : 'NOT_INUSE';
    }
  } else if (tech === 'DAHDI' || tech === 'ZAP') {
    if (!pbx.config.analog?.ports.some((p) => String(p.port) === resource)) return 'INVALID';
    legs = (pbx.calls?.channels.list() ?? []).filter((c) => c.tech === 'DAHDI' && c.name.startsWith(`DAHDI/${resource}-`));
  } else return 'UNKNOWN';
  const inUse = legs.some((c) => c.state === 'Up' && !(c instanceof SipChannel && c.onHold));
  const held = legs.some((c) => c instanceof SipChannel && c.state === 'Up' && c.onHold);
  const ringing = legs.some((c) => c.direction === 'outbound' && c.state !== 'Up');
  if (inUse && ringing) return 'RINGINUSE';
  if (ringing) return 'RINGING';
  if (inUse || legs.some((c) => c.state !== 'Up' && c.direction === 'inbound')) return 'INUSE';
  if (held) return 'ONHOLD';
  return 'NOT_INUSE';
}

/** Adds the call actions, bound to this PBX, to its manager's action table. */
export function registerCallActions(pbx: Pbx): void {
  pbx.manager?.actions.add(callActions(), managerCallDeps(pbx));
}
