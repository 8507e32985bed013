/**
 * Dial's in-call feature options as app_dial has them: `t`/`T` (the called/calling party may
 * transfer: blindxfer, atxfer), `h`/`H` (may disconnect), `k`/`K` (may park, when parking
 * runs), read against features.conf. The features themselves are apps/features.ts; this file
 * gives them the dialplan: the transferer's TRANSFERCONTEXT (else its context) for the number,
 * the redirect that sends a blind-transferred party there, prompts, and the consultation call of
 * an attended transfer (to the phone the number names, as the generated dialplan dials it).
 */
import { startPlayback } from '../../media/player.ts';
import { DEFAULT_FEATURES } from '../../config/features-model.ts';
import { bridgeCall } from '../../apps/bridge-call.ts';
import type { DialChannel } from '../../apps/dial.ts';
import { InCallFeatures, type NumberState } from '../../apps/features.ts';
import type { HoldSource } from '../../core/bridge.ts';
import { HANGUP_CAUSES } from '../../core/hangup-causes.ts';
import type { AppContext } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';

const FEATURE_OPTIONS = ['t', 'T', 'h', 'H', 'k', 'K'];

/** Where a transferer's number is looked up: TRANSFERCONTEXT (inherited), else its context (features.c). */
export function transferContext(transferer: DialChannel): string {
  return transferer.variables.get('TRANSFERCONTEXT') || transferer.context;
}

/** The features factory for Dial's options, or undefined when none of t/T/h/H/k/K is given. */
export function dialFeatures(
  ctx: AppContext,
  deps: ApplicationDeps,
  options: ReadonlyMap<string, string>,
  holdMusic: ((holder: DialChannel, held: DialChannel) => HoldSource | undefined) | undefined,
): ((caller: DialChannel, leg: DialChannel) => InCallFeatures) | undefined {
  if (!FEATURE_OPTIONS.some((k) => options.has(k))) return undefined;
  const features = deps.features?.() ?? DEFAULT_FEATURES;
  const log = (m: string): void => deps.log.verbose(3, m);
  return (caller, leg) =>
    new InCallFeatures(caller, leg, {
      features,
      clock: deps.clock,
      rights: (l) =>
        l === caller
          ? { transfer: options.has('T'), disconnect: options.has('H'), park: options.has('K') }
          : { transfer: options.has('t'), disconnect: options.has('h'), park: options.has('k') },
      numberState: (x, digits): NumberState => {
        const context = transferContext(x);
        const exists = ctx.lookup.exists(context, digits, x.callerId.number);
        const more = ctx.lookup.matchMore(context, digits, x.callerId.number);
        return exists ? (more ? 'exists' : 'complete') : more ? 'partial' : 'invalid';
      },
      blindTransfer: (x, y, number) => {
        y.variables.set('BLINDTRANSFER', x.name);
        const to = { context: transferContext(x), exten: number, priority: 1 };
        if (!deps.redirect) {
          log(`${y.name}: no dialplan to transfer into; hanging up`);
          y.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
          return;
        }
        deps.redirect(y, to).catch((e: unknown) => deps.log.error(`dialplan of ${y.name} after transfer failed: ${e instanceof Error ? e.message : String(e)}`));
      },
      ...consultation(deps),
      ...parkOption(deps, options),
      ...(holdMusic ? { holdMusic } : {}),
      prompt: (l, name) => play(ctx, deps, l, name),
      log,
    });

  function play(c: AppContext, d: ApplicationDeps, l: DialChannel, name: string): Promise<void> {
    const media = l.media;
    if (!media || !d.mediaClock || l.ended) return Promise.resolve();
    let frames;
    try {
      frames = c.sounds.frames(name, l.language, media.format);
    } catch {
      return Promise.resolve();
    }
    return startPlayback(d.mediaClock, media, frames, { format: media.format, signal: l.hangupSignal }).done.then(() => undefined);
  }
}

/**
 * The attended transfer's call to the number: a phone (SIP peer) of that name, as the generated
 * dialplan's `Dial(SIP/<number>)` does. Then transferee and target are bridged as Dial bridges.
 */
function consultation(deps: ApplicationDeps): Pick<ConstructorParameters<typeof InCallFeatures>[2], 'consult' | 'connect'> {
  const sip = deps.sip?.();
  if (!sip) return {};
  return {
    consult: async (x, number, events) => {
      const legs = await sip.request(number, x, {
        onAnswered: (l) => events.onAnswered(l),
        onEnded: (l) => events.onEnded(l),
      });
      return typeof legs === 'number' ? [] : legs;
    },
    connect: (y, c) => {
      bridgeCall(y, c, { ...(deps.mediaClock ? { mediaClock: deps.mediaClock } : {}), log: (m) => deps.log.verbose(3, m) });
    },
  };
}

/** k/K: the other party is parked and the space announced to the parker, who is then hung up. */
function parkOption(deps: ApplicationDeps, options: ReadonlyMap<string, string>): Pick<ConstructorParameters<typeof InCallFeatures>[2], 'park'> {
  const lot = deps.parking?.();
  if (!lot || !(options.has('k') || options.has('K'))) return {};
  return {
    park: (parker, parked) => {
      lot
        .park(parked, { parkerName: parker.name, announceTo: parker })
        .catch(() => undefined)
        .finally(() => parker.hangup(HANGUP_CAUSES.NORMAL_CLEARING));
    },
  };
}
