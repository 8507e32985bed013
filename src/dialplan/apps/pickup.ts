/**
 * Pickup() over apps/pickup.ts: answers the caller and takes over a ringing call, which Dial
 * then connects to it as if it had answered (the ringing phones get a CANCEL).
 *
 * - Pickup() with no argument: call group pickup, what dialling pickupexten (`*8`) does (chan_sip
 *   and chan_dahdi's ast_pickup_call; Asterisk 1.8's Pickup() without an extension): the oldest
 *   ringing leg whose device's callgroup meets the caller's pickupgroup.
 * - Pickup(ext[@context][&ext2[@context2]...]): directed pickup, the ringing call to `ext` dialled
 *   in `context` (default: the caller's context).
 *
 * Nothing to pick up: a notice is logged and the dialplan continues at the next priority, so the
 * dialplan decides what the caller hears (the generated `*8` hangs up).
 */
import { SipChannel } from '../../channels/sip-channel.ts';
import { DahdiChannel } from '../../channels/dahdi-channel.ts';
import { inPickupGroup, type RingingLeg } from '../../apps/pickup.ts';
import type { AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';

export function pickupApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'Pickup',
      synopsis: 'Directed extension call pickup',
      syntax: 'Pickup([extension[@context][&extension2[@context2]...]])',
      description:
        'Answers the caller and connects it to a call that is ringing elsewhere; the ringing phones stop. With an extension, the call ringing for that extension (dialled in context, by default the caller\'s context); without one, a call ringing a phone in one of the caller\'s pickup groups (callgroup/pickupgroup in sip.conf and chan_dahdi.conf), as dialling pickupexten (*8) does. When nothing is ringing that the caller may pick up, the dialplan continues at the next priority.',
      async run(ctx): Promise<AppResult> {
        const ch = ctx.channel;
        const service = deps.pickup?.();
        if (!(ch instanceof SipChannel || ch instanceof DahdiChannel) || !service) {
          ctx.log('warning', `Pickup: ${service ? `${ch.name} cannot pick up calls` : 'call pickup is not running'}`);
          return { kind: 'next' };
        }
        const raw = (ctx.args[0] ?? '').trim();
        const wanted = raw === '' ? [] : raw.split('&').map((t) => {
          const [exten, context] = t.trim().split('@');
          return { exten: exten ?? '', context: context || ch.context };
        });
        const accept = (r: RingingLeg): boolean =>
          wanted.length === 0 ? inPickupGroup(service, ch, r.leg) : wanted.some((w) => w.exten === r.exten && w.context.toLowerCase() === r.context.toLowerCase());
        if (!service.registry.list().some((r) => !r.leg.ended && !r.caller.ended && r.caller !== ch && accept(r))) {
          ctx.log('notice', `No call to pick up for ${ch.name}${raw ? ` (${raw})` : ''}`);
          return { kind: 'next' };
        }
        if (ch.state !== 'Up') ch.answer();
        const ended = service.registry.pickup(ch, accept);
        if (!ended) {
          ctx.log('notice', `The call ${ch.name} wanted to pick up is gone`);
          return { kind: 'next' };
        }
        ctx.log('verbose', `${ch.name} picked up a ringing call${raw ? ` (${raw})` : ''}`);
        await ended;
        return { kind: 'hangup' };
      },
    },
  ];
}
