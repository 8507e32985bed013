/**
 * Dial() as a dialplan application over apps/dial.ts: parses `Dial(SIP/2000&SIP/2001,20,r)`,
 * `Dial(SIP/trunk/5551234)` and `Dial(SIP/5551234@trunk)`, the timeout and the options we honour
 * (r ringback, m(class) music on hold instead of ringback, g continue after the callee hangs up;
 * t/T transfer, h/H disconnect, k/K park by DTMF (dial-features.ts); the others are accepted and
 * ignored). After a failure the dialplan continues (with
 * the 1.4 n+101 jump on BUSY when that priority exists); after an answered call it ends, unless
 * `g` and the caller is still there. Inheritable variables (`_X`, `__X`) go to every leg.
 */
import { SipChannel } from '../../channels/sip-channel.ts';
import { DahdiChannel } from '../../channels/dahdi-channel.ts';
import { dial, type DialTarget } from '../../apps/dial.ts';
import type { PickupRegistry } from '../../apps/pickup.ts';
import { parseAppOptions } from '../../apps/app-options.ts';
import type { AppResult, DialplanApplication, DialplanChannel } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { jumpPlus101 } from './database.ts';
import { dialFeatures } from './dial-features.ts';
import { inheritVariables } from '../expr/variables.ts';
import { channelMusicClass, classSource, heldMusicClass, setChannelMusicClass } from '../../apps/moh/music-class.ts';

export interface DialRequest {
  /** SIP and DAHDI (analog; `Zap/` is its old name) targets in order. */
  targets: DialTarget[];
  /** Technologies we cannot place calls on (`DAHDI/1`, `IAX2/...`), as written. */
  unsupported: string[];
  timeoutMs: number | undefined;
  /** Option letter -> its parenthesised argument ('' when none). */
  options: Map<string, string>;
}


/** Dial's arguments: `Tech/resource[&Tech/resource...][,timeout][,options][,URL]`. */
export function parseDialArgs(args: string[]): DialRequest {
  const targets: DialTarget[] = [];
  const unsupported: string[] = [];
  for (const raw of (args[0] ?? '').split('&')) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const tech = slash < 0 ? item : item.slice(0, slash);
    const resource = slash < 0 ? '' : item.slice(slash + 1);
    const upper = tech.toUpperCase();
    if ((upper === 'DAHDI' || upper === 'ZAP') && /^(?:\d{1,2}|[gG]\d{1,2})(?:\/[0-9*#A-Da-dwW]+)?$/.test(resource)) {
      const [peer, number] = resource.split('/');
      targets.push({ tech: 'DAHDI', peer: peer!, ...(number ? { number } : {}) });
      continue;
    }
    if (upper !== 'SIP' || resource === '') {
      unsupported.push(item);
      continue;
    }
    const at = resource.indexOf('@');
    if (at >= 0) {
      targets.push({ peer: resource.slice(at + 1).replace(/:\d+$/, ''), number: resource.slice(0, at) });
      continue;
    }
    const [peer, number] = resource.split('/');
    targets.push({ peer: peer!, ...(number ? { number } : {}) });
  }
  const seconds = Number.parseFloat((args[1] ?? '').trim());
  return {
    targets,
    unsupported,
    timeoutMs: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined,
    options: parseAppOptions(args[2] ?? ''),
  };
}

/** Asterisk's inheritance: `_X` reaches the new leg as X, `__X` as __X (and goes on from there). */
export function inheritVariablesDefault(from: DialplanChannel, to: DialplanChannel): void {
  inheritVariables(from.variables, to.variables);
}

export function dialApplication(deps: ApplicationDeps): DialplanApplication {
  return {
    name: 'Dial',
    synopsis: 'Place a call and connect to the current channel',
    syntax: 'Dial(Technology/Resource[&Technology2/Resource2[&...]][,timeout[,options[,URL]]])',
    description: [
      'This application will place calls to one or more specified channels. As soon as one of the requested channels answers, the originating channel will be answered, if it has not already been answered. These two channels will then be active in a bridged call. All other channels that were requested will then be hung up.',
      'Unless there is a timeout specified, the Dial application will wait indefinitely until one of the called channels answers, the user hangs up, or if all of the called channels are busy or unavailable. Dialplan executing will continue if no requested channels can be called, or if the timeout expires. This application will report normal termination if the originating channel hangs up, or if the call is bridged and either of the parties in the bridge ends the call.',
      'Resources: SIP/peer, SIP/peer/number, SIP/number@peer, DAHDI/port (an FXS phone), DAHDI/port/number and DAHDI/gGROUP/number (an FXO line; Zap/ is accepted as the old name). This application sets DIALSTATUS (CHANUNAVAIL, CONGESTION, NOANSWER, BUSY, ANSWER, CANCEL), DIALEDTIME and ANSWEREDTIME. When DIALSTATUS is BUSY and priority n+101 exists, the channel continues there (the Asterisk 1.4 habit).',
      'Options: r - indicate ringing to the calling party; m([class]) - provide music on hold (the class set on the channel, else default) to the calling party until a requested channel answers, instead of ringing; g - proceed with dialplan execution at the next priority if the destination channel hangs up; t / T - allow the called / calling party to transfer by DTMF (features.conf blindxfer #, atxfer *2); h / H - allow the called / calling party to hang up by DTMF (disconnect *0); k / K - allow the called / calling party to park the call by DTMF (parkcall). The other Asterisk options are accepted and have no effect.',
    ].join('\n\n'),
    async run(ctx): Promise<AppResult> {
      const ch = ctx.channel;
      const req = parseDialArgs(ctx.args);
      for (const u of req.unsupported) {
        const tech = u.split('/')[0] ?? u;
        ctx.log('warning', `Unable to create channel of type '${tech}' (cause 66 - Channel not implemented)`);
      }
      const driver = deps.sip?.();
      const dahdi = deps.dahdi?.();
      const reachable = req.targets.filter((t) => (t.tech === 'DAHDI' ? dahdi !== undefined : driver !== undefined));
      for (const t of req.targets) if (t.tech === 'DAHDI' && !dahdi) ctx.log('warning', `Unable to create channel of type 'DAHDI' (no [analog] ports are configured)`);
      if (reachable.length === 0 || !(ch instanceof SipChannel || ch instanceof DahdiChannel)) {
        if (reachable.length > 0) ctx.log('warning', `Dial: ${ch.name} cannot place calls`);
        ch.variables.set('DIALSTATUS', 'CHANUNAVAIL');
        return { kind: 'next' };
      }
      const o = req.options;
      const moh = deps.moh;
      // m(class) sets the caller's class, as app_dial does; without music the caller hears ringing.
      if (o.has('m') && o.get('m') !== '') setChannelMusicClass(ch, o.get('m')!);
      const music = o.has('m') && moh ? classSource(moh, moh.resolve(channelMusicClass(ch), deps.peerMusic?.(peerOf(ch) ?? '')?.mohinterpret, deps.peerMusic?.(peerOf(ch) ?? '')?.musicclass)) : undefined;
      if (o.has('m') && !music) ctx.log('notice', 'Dial: no music on hold class to play (m); indicating ringing instead');
      const keepCaller = o.has('g');
      const features = dialFeatures(ctx, deps, o, moh ? (holder, held) => classSource(moh, heldMusicClass(moh, held, deps.peerMusic?.(peerOf(held) ?? ''), deps.peerMusic?.(peerOf(holder) ?? ''))) : undefined);
      const dialing = dial(ch, reachable, driver, {
        clock: deps.clock,
        ...(dahdi ? { dahdi } : {}),
        ...(deps.mediaClock ? { mediaClock: deps.mediaClock } : {}),
        timeoutMs: req.timeoutMs,
        ringback: o.has('r') || o.has('m'),
        ...(music ? { music } : {}),
        ...(moh
          ? {
              holdMusic: (holder: SipChannel | DahdiChannel, held: SipChannel | DahdiChannel) =>
                classSource(moh, heldMusicClass(moh, held, deps.peerMusic?.(peerOf(held) ?? ''), deps.peerMusic?.(peerOf(holder) ?? ''))),
            }
          : {}),
        continueOnCalleeHangup: keepCaller,
        // t/T, h/H, k/K: in-call DTMF features (transfer, disconnect, park) once answered.
        ...(features ? { features } : {}),
        ...pickupOf(deps),
        onLeg: (leg) => {
          (deps.inheritVariables ?? inheritVariablesDefault)(ch, leg);
          // app_dial gives each new leg the caller's music class (what it hears when held).
          const cls = channelMusicClass(ch);
          if (cls !== undefined) setChannelMusicClass(leg, cls);
        },
        log: (m) => deps.log.verbose(3, m),
      });
      // `core show channels` shows Dial's own data, not apps/dial.ts's rewrite of it.
      ch.appData = ctx.rawArgs;
      const outcome = await dialing;
      if (outcome.cause !== undefined && !outcome.answered) ch.variables.set('HANGUPCAUSE', String(outcome.cause));
      if (outcome.answered) return keepCaller && !ch.hangupSignal.aborted ? { kind: 'next' } : { kind: 'hangup' };
      if (outcome.status === 'CANCEL') return { kind: 'hangup' };
      if (outcome.status === 'BUSY') return jumpPlus101(ctx);
      return { kind: 'next' };
    },
  };
}

/** The sip.conf peer of a SIP channel (its music settings apply); analog legs have none. */
function peerOf(ch: SipChannel | DahdiChannel): string | undefined {
  return ch instanceof SipChannel ? ch.peer : undefined;
}

/** Dial lists its ringing legs for call pickup when pickup runs. */
function pickupOf(deps: ApplicationDeps): { pickup?: PickupRegistry } {
  const p = deps.pickup?.();
  return p ? { pickup: p.registry } : {};
}
