/**
 * Park() and ParkedCall() over apps/parking (Asterisk's res_features, 1.4 behaviour):
 *
 * - Park([timeout[,return_context[,return_exten[,return_priority]]]]): answers, parks the channel
 *   on the first free space, says the space to it, then it hears music on hold. The dialplan run
 *   stays in Park() while the call is parked, so nothing hangs it up. A full lot plays
 *   pbx-parkingfailed and hangs up. After `parkingtime` (or `timeout` ms) the call comes back:
 *   to return_context/exten/priority when given; else with comebacktoorigin=yes it rings the
 *   parker's device (`SIP/2000` from `SIP/2000-0000000a`) for comebackdialtime seconds (1.4's
 *   park-dial `Dial(SIP/2000,30,t)`), the parked caller still hearing music, and hangs up if
 *   nobody answers; with comebacktoorigin=no it goes to comebackcontext (`parkedcallstimeout`)
 *   at the parker's flattened name (`SIP_2000`) or `s`, priority 1, if that exists.
 *   The parker is the channel named by BLINDTRANSFER (set by a blind transfer to the parking
 *   extension, as Asterisk looks it up), else the channel itself.
 * - ParkedCall(space): answers and bridges the caller with the call parked there (courtesytone to
 *   the retriever first, when set); an empty space plays pbx-invalidpark and hangs up.
 */
import { SipChannel } from '../../channels/sip-channel.ts';
import { DahdiChannel } from '../../channels/dahdi-channel.ts';
import type { DialChannel } from '../../apps/dial.ts';
import { dial } from '../../apps/dial.ts';
import { bridgeCall } from '../../apps/bridge-call.ts';
import { deviceOfChannel } from '../../apps/parking/parking-lot.ts';
import { DEFAULT_FEATURES, type FeaturesConfig } from '../../config/features-model.ts';
import { channelMusicClass, classSource, heldMusicClass } from '../../apps/moh/music-class.ts';
import type { HoldSource } from '../../core/bridge.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { parseDialArgs } from './dial.ts';

const HANGUP: AppResult = { kind: 'hangup' };

function dialChannel(ctx: AppContext): DialChannel | undefined {
  const ch = ctx.channel;
  return ch instanceof SipChannel || ch instanceof DahdiChannel ? ch : undefined;
}

function peerOf(ch: DialChannel): string | undefined {
  return ch instanceof SipChannel ? ch.peer : undefined;
}

/** What the other party of a bridged call hears while one holds (as Dial's bridge does). */
export function bridgeHoldMusic(deps: ApplicationDeps): ((holder: DialChannel, held: DialChannel) => HoldSource | undefined) | undefined {
  const moh = deps.moh;
  if (!moh) return undefined;
  return (holder, held) => classSource(moh, heldMusicClass(moh, held, deps.peerMusic?.(peerOf(held) ?? ''), deps.peerMusic?.(peerOf(holder) ?? '')));
}

/** Bridges two answered channels the way Dial does (media clock, hold music, logging). */
export function connect(deps: ApplicationDeps, a: DialChannel, b: DialChannel): ReturnType<typeof bridgeCall> {
  const hold = bridgeHoldMusic(deps);
  return bridgeCall(a, b, {
    ...(deps.mediaClock ? { mediaClock: deps.mediaClock } : {}),
    ...(hold ? { holdMusic: hold } : {}),
    log: (m) => deps.log.verbose(3, m),
  });
}

function features(deps: ApplicationDeps): FeaturesConfig {
  return deps.features?.() ?? DEFAULT_FEATURES;
}

export function parkingApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'Park',
      synopsis: 'Park yourself',
      syntax: 'Park([timeout[,return_context[,return_exten[,return_priority]]]])',
      description: [
        'Parks the calling channel in the parking lot (features.conf parkpos, 701-720 by default): the first free space is said to the caller, who then hears music on hold until someone dials that space (ParkedCall), the caller hangs up, or the parking time runs out. Usually reached by dialling the parking extension (parkext, 700) in the parkedcalls context.',
        'timeout overrides parkingtime (milliseconds). When it runs out the call goes to return_context,return_exten,return_priority if given; else, with comebacktoorigin=yes, the phone that parked it rings (the channel named by BLINDTRANSFER, else the caller\'s own device) for comebackdialtime seconds; with comebacktoorigin=no it goes to comebackcontext. Sets PARKINGSLOT (and PARKEDAT, PARKEDLOT) on the parked channel. A full lot plays pbx-parkingfailed and hangs up.',
      ].join('\n\n'),
      async run(ctx) {
        const ch = dialChannel(ctx);
        const lot = deps.parking?.();
        if (!ch || !lot) {
          ctx.log('warning', `Park: ${ch ? 'call parking is not running' : `${ctx.channel.name} cannot be parked`}`);
          return HANGUP;
        }
        if (ch.state !== 'Up') ch.answer();
        const args = ctx.args.map((a) => a.trim());
        const timeoutMs = Number.parseInt(args[0] ?? '', 10);
        // A transfer to the parking extension may have parked the channel already: then just wait here.
        if (lot.spaceOf(ch) === undefined) {
          const parker = ch.variables.get('BLINDTRANSFER') || ch.name;
          const space = await lot.park(ch, { parkerName: parker, ...(timeoutMs > 0 ? { timeoutMs } : {}) });
          if (space === undefined) {
            ctx.log('warning', `No more parking spaces for ${ch.name}`);
            await lot.playTo(ch, ['pbx-parkingfailed']);
            return HANGUP;
          }
        }
        const parker = lot.list().find((p) => p.channel === ch)?.parker ?? ch.name;
        const end = await lot.left(ch);
        if (!end || end.kind === 'hangup' || ch.ended) return HANGUP;
        if (end.kind === 'retrieved') {
          await end.ended;
          return HANGUP;
        }
        // Timed out: where it comes back to.
        if (args[1] || args[2] || args[3]) {
          return { kind: 'goto', ...(args[1] ? { context: args[1] } : {}), ...(args[2] ? { exten: args[2] } : {}), priority: args[3] || 1 };
        }
        const f = features(deps);
        if (!f.comebacktoorigin) {
          const flat = deviceOfChannel(parker).replace(/\//g, '_');
          const exten = ctx.lookup.exists(f.comebackContext, flat) ? flat : ctx.lookup.exists(f.comebackContext, 's') ? 's' : undefined;
          if (exten === undefined) {
            ctx.log('warning', `Parked call ${ch.name} timed out but context '${f.comebackContext}' has neither ${flat} nor s; hanging up`);
            return HANGUP;
          }
          return { kind: 'goto', context: f.comebackContext, exten, priority: 1 };
        }
        return comeBack(ctx, deps, ch, deviceOfChannel(parker), f);
      },
    },
    {
      name: 'ParkedCall',
      synopsis: 'Answer a parked call',
      syntax: 'ParkedCall(exten)',
      description:
        'Connects the caller to the call parked on the space exten (701...): the caller is answered and bridged with the parked call, hearing the courtesytone first when features.conf sets one. An empty space plays pbx-invalidpark and hangs up. Usually reached by dialling the space in the parkedcalls context.',
      async run(ctx) {
        const ch = dialChannel(ctx);
        const lot = deps.parking?.();
        if (!ch || !lot) {
          ctx.log('warning', `ParkedCall: ${ch ? 'call parking is not running' : `${ctx.channel.name} cannot retrieve a parked call`}`);
          return HANGUP;
        }
        const space = Number.parseInt((ctx.args[0] ?? '').trim() || ch.exten, 10);
        if (ch.state !== 'Up') ch.answer();
        const f = features(deps);
        // The courtesy tone goes to the retriever before the two are connected (parkedplay=caller).
        if (f.courtesytone && lot.list().some((p) => p.space === space && !p.channel.ended)) await lot.playTo(ch, [f.courtesytone]);
        let bridged: Promise<unknown> | undefined;
        const call = lot.retrieve(space, ch, (parked) => {
          const b = connect(deps, ch, parked);
          bridged = b.ended;
          return b.ended;
        });
        if (!call || !bridged) {
          ctx.log('warning', `Channel ${ch.name} tried to talk to nonexistent parked call ${Number.isFinite(space) ? space : ctx.args[0] ?? ''}`);
          await lot.playTo(ch, ['pbx-invalidpark']);
          return HANGUP;
        }
        ch.variables.set('PARKEDLOT', 'default');
        await bridged;
        return HANGUP;
      },
    },
  ];
}

/** comebacktoorigin=yes: ring the parker's device; the parked caller keeps its music meanwhile. */
async function comeBack(ctx: AppContext, deps: ApplicationDeps, ch: DialChannel, device: string, f: FeaturesConfig): Promise<AppResult> {
  const targets = parseDialArgs([device]).targets;
  const sip = deps.sip?.();
  const dahdi = deps.dahdi?.();
  if (targets.length === 0 || device === deviceOfChannel(ch.name)) {
    ctx.log('notice', `Parked call ${ch.name} timed out; no other device to ring back (${device}); hanging up`);
    return HANGUP;
  }
  ctx.log('verbose', `Parked call ${ch.name} timed out, ringing back ${device}`);
  const moh = deps.moh;
  const music = moh ? classSource(moh, moh.resolve(features(deps).parkedmusicclass || undefined, channelMusicClass(ch), 'default')) : undefined;
  const hold = bridgeHoldMusic(deps);
  const outcome = await dial(ch, targets, sip, {
    clock: deps.clock,
    timeoutMs: f.comebackdialtime * 1000,
    ...(dahdi ? { dahdi } : {}),
    ...(deps.mediaClock ? { mediaClock: deps.mediaClock } : {}),
    ...(music ? { music } : {}),
    ...(hold ? { holdMusic: hold } : {}),
    log: (m) => deps.log.verbose(3, m),
  });
  // Asterisk 1.4's park-dial context has nothing after the Dial: the call ends either way.
  if (!outcome.answered) ctx.log('verbose', `Nobody answered the parked call ${ch.name} at ${device} (${outcome.status}); hanging up`);
  return HANGUP;
}
