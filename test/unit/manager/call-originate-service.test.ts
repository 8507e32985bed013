import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { OriginateService, parseOriginateChannel } from '../../../src/runtime/originate-service.ts';
import type { SipDriver, OutboundEvents, DialCaller } from '../../../src/channels/sip-driver.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';
import type { OriginateRequest } from '../../../src/manager/actions/call/index.ts';
import { createLogger } from '../../../src/log/index.ts';

interface FakeLeg {
  name: string;
  uniqueId: string;
  state: string;
  ended: boolean;
  context: string;
  exten: string;
  priority: number;
  variables: Map<string, string>;
  hungUpWith?: HangupCause;
  hangup(cause: HangupCause): void;
}

/** A SIP driver whose legs the test answers or ends; `contacts` legs per request. */
function rig(contacts = 1) {
  const clock = new FakeClock();
  const legs: FakeLeg[] = [];
  let events: OutboundEvents | undefined;
  const requests: { peer: string; caller: DialCaller; number: string | undefined }[] = [];
  const ran: { leg: FakeLeg; app?: string; data?: string; at: string }[] = [];
  let refuse: HangupCause | undefined;
  const sip = {
    async request(peer: string, caller: DialCaller, ev: OutboundEvents, number?: string) {
      requests.push({ peer, caller, number });
      if (refuse !== undefined) return refuse;
      events = ev;
      const made: FakeLeg[] = [];
      for (let i = 0; i < contacts; i++) {
        const leg: FakeLeg = {
          name: `SIP/${peer}-0000000${legs.length + 1}`,
          uniqueId: `1700000000.${legs.length}`,
          state: 'Down',
          ended: false,
          context: 'phones',
          exten: peer,
          priority: 1,
          variables: new Map(),
          hangup(cause) {
            if (this.ended) return;
            this.ended = true;
            this.hungUpWith = cause;
            ev.onEnded?.(this as never, cause);
          },
        };
        legs.push(leg);
        made.push(leg);
      }
      return made;
    },
  } as unknown as SipDriver;
  const service = new OriginateService({
    clock,
    sip: () => sip,
    run: async (ch) => void ran.push({ leg: ch as unknown as FakeLeg, at: `${ch.exten}@${ch.context}:${ch.priority}` }),
    runApplication: async (ch, app, data) => void ran.push({ leg: ch as unknown as FakeLeg, app, data, at: `${ch.exten}@${ch.context}` }),
    log: createLogger({ name: 'test', stdout: false, console: { verbose: 0 }, syslog: false }),
  });
  const answer = (leg: FakeLeg): void => {
    leg.state = 'Up';
    events!.onAnswered?.(leg as never);
  };
  const end = (leg: FakeLeg, cause: HangupCause): void => {
    leg.ended = true;
    events!.onEnded?.(leg as never, cause);
  };
  return { clock, legs, requests, ran, service, answer, end, refuseWith: (c: HangupCause) => (refuse = c) };
}

const base: OriginateRequest = {
  channel: 'SIP/2000',
  target: { kind: 'exten', context: 'default', exten: '2001', priority: 1 },
  timeoutMs: 30000,
  callerId: { name: 'Boss', number: '100' },
  variables: [['FOO', 'bar']],
};

const turn = () => new Promise((r) => setImmediate(r));

test('answered: success (reason 4), the channel runs from the Originate dialplan place', async () => {
  const r = rig();
  const p = r.service.originate(base);
  await turn();
  assert.deepEqual(r.requests[0]!.caller.callerId, { name: 'Boss', number: '100' });
  const leg = r.legs[0]!;
  assert.equal(leg.variables.get('FOO'), 'bar');
  r.answer(leg);
  assert.deepEqual(await p, { answered: true, reason: 4, channel: { name: leg.name, uniqueId: leg.uniqueId } });
  assert.equal(r.ran[0]!.at, '2001@default:1');
  assert.equal(r.clock.pending(), 0);
});

test('an application target runs that application on the answered channel', async () => {
  const r = rig();
  const p = r.service.originate({ ...base, target: { kind: 'app', application: 'Playback', data: 'demo-congrats' } });
  await turn();
  r.answer(r.legs[0]!);
  assert.equal((await p).answered, true);
  assert.deepEqual([r.ran[0]!.app, r.ran[0]!.data], ['Playback', 'demo-congrats']);
});

test('busy -> reason 5, no answer within Timeout -> reason 3 and the leg is cancelled', async () => {
  let r = rig();
  let p = r.service.originate(base);
  await turn();
  r.end(r.legs[0]!, 17);
  assert.deepEqual(await p, { answered: false, reason: 5, channel: { name: r.legs[0]!.name, uniqueId: r.legs[0]!.uniqueId } });
  assert.equal(r.ran.length, 0);

  r = rig();
  p = r.service.originate({ ...base, timeoutMs: 5000 });
  await turn();
  r.clock.advance(4999);
  assert.equal(r.legs[0]!.ended, false);
  r.clock.advance(1);
  const out = await p;
  assert.deepEqual([out.answered, out.reason], [false, 3]);
  assert.equal(r.legs[0]!.hungUpWith, 19);
  assert.equal(r.ran.length, 0);
});

test('no channel can be made (unregistered peer) -> reason 0, nothing left pending', async () => {
  const r = rig();
  r.refuseWith(20);
  assert.deepEqual(await r.service.originate(base), { answered: false, reason: 0 });
  assert.equal(r.clock.pending(), 0);
  assert.deepEqual(await r.service.originate({ ...base, channel: 'IAX2/foo' }), { answered: false, reason: 0 });
});

test('several contacts: the first to answer wins, the others are cancelled', async () => {
  const r = rig(2);
  const p = r.service.originate(base);
  await turn();
  const [a, b] = r.legs;
  r.answer(b!);
  assert.equal((await p).channel?.name, b!.name);
  assert.equal(a!.ended, true);
  assert.equal(r.ran.length, 1);
});

test('Originate channel strings', () => {
  assert.deepEqual(parseOriginateChannel('SIP/2000'), { tech: 'SIP', peer: '2000' });
  assert.deepEqual(parseOriginateChannel('SIP/trunk/5551234'), { tech: 'SIP', peer: 'trunk', number: '5551234' });
  assert.deepEqual(parseOriginateChannel('DAHDI/1'), { tech: 'DAHDI', resource: '1' });
  assert.deepEqual(parseOriginateChannel('Zap/g1/555'), { tech: 'DAHDI', resource: 'g1/555' });
  assert.equal(parseOriginateChannel('Local/100@default'), undefined);
  assert.equal(parseOriginateChannel('SIP/'), undefined);
});

test('DAHDI/1: the analog driver places the leg; its answer runs the dialplan', async () => {
  const clock = new FakeClock();
  let events: { onAnswered?(l: never): void } | undefined;
  const leg = { name: 'DAHDI/1-1', uniqueId: '1700000000.7', state: 'Ring', ended: false, context: 'analog', exten: 's', priority: 1, variables: new Map<string, string>(), hangup() {} };
  const resources: string[] = [];
  const ran: string[] = [];
  const service = new OriginateService({
    clock,
    sip: () => undefined,
    dahdi: () =>
      ({
        request(resource: string, _caller: unknown, ev: typeof events) {
          resources.push(resource);
          events = ev;
          return leg;
        },
      }) as never,
    run: async (ch) => void ran.push(`${ch.name} ${ch.exten}@${ch.context}`),
    runApplication: async () => undefined,
    log: createLogger({ name: 'test', stdout: false, console: { verbose: 0 }, syslog: false }),
  });
  const p = service.originate({ ...base, channel: 'DAHDI/1' });
  await turn();
  assert.deepEqual(resources, ['1']);
  leg.state = 'Up';
  events!.onAnswered?.(leg as never);
  assert.equal((await p).channel?.name, 'DAHDI/1-1');
  assert.deepEqual(ran, ['DAHDI/1-1 2001@default']);
  // Without an analog driver the channel cannot be made.
  const none = new OriginateService({ clock, sip: () => undefined, run: async () => undefined, runApplication: async () => undefined, log: createLogger({ name: 'test', stdout: false, console: { verbose: 0 }, syslog: false }) });
  assert.deepEqual(await none.originate({ ...base, channel: 'DAHDI/1' }), { answered: false, reason: 0 });
});
