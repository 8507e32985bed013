/**
 * In-call DTMF features (apps/features.ts) on fake legs: which RFC 4733 packets the relay holds
 * back, what a sequence that matches no feature becomes (played on to the other party, in order,
 * also after featuredigittimeout), and disconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { Bridge } from '../../../src/core/bridge.ts';
import { DEFAULT_FEATURES } from '../../../src/config/features-model.ts';
import { InCallFeatures, type FeatureRights } from '../../../src/apps/features.ts';
import type { DialChannel } from '../../../src/apps/dial.ts';
import type { RawPacketSink, RelayLeg } from '../../../src/rtp/session.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';
import { upChannelData } from '../core/channel-fixtures.ts';

const CODES = '0123456789*#';

class FakeLeg implements RelayLeg {
  readonly format = 'ulaw' as const;
  readonly payloadType = 0;
  readonly telephoneEventPt = 101;
  readonly ssrc = 1;
  readonly nextSequence = 1;
  readonly nextTimestamp = 160;
  sink: RawPacketSink | undefined;
  /** Event codes this leg's peer was sent through the relay. */
  relayedEvents: number[] = [];
  setRawSink(sink: RawPacketSink | undefined): void {
    this.sink = sink;
  }
  sendRaw(buf: Uint8Array): void {
    if ((buf[1]! & 0x7f) === 101) this.relayedEvents.push(buf[12]!);
  }
}

function fakeChannel(name: string) {
  const leg = new FakeLeg();
  const digitListeners = new Set<(d: string) => void>();
  const hangups: ((c: HangupCause) => void)[] = [];
  const ch = {
    ...upChannelData(name, 'phones', '2001'),
    rtp: leg,
    ended: false,
    /** Digits generated towards this leg's phone (sendDigit). */
    generated: [] as string[],
    media: {
      format: 'ulaw',
      send() {},
      onDigit(cb: (d: string) => void) {
        digitListeners.add(cb);
        return () => digitListeners.delete(cb);
      },
      sendDigit(d: string) {
        ch.generated.push(d);
        return Promise.resolve();
      },
    },
    onHoldChange: () => () => undefined,
    onHangup(cb: (c: HangupCause) => void) {
      hangups.push(cb);
    },
    hangup(c: HangupCause) {
      if (ch.ended) return;
      ch.ended = true;
      for (const h of hangups.splice(0)) h(c);
    },
  };
  /** The phone types `digit`: its event packets reach the relay, then the session reports it. */
  const press = (digit: string): void => {
    const pkt = new Uint8Array(16);
    pkt[1] = 101;
    pkt[12] = CODES.indexOf(digit);
    leg.sink?.(pkt, 16, 12, 16, true);
    for (const l of [...digitListeners]) l(digit);
  };
  return { ch, leg, press };
}

function setup(rights: (leg: DialChannel) => FeatureRights) {
  const clock = new FakeClock();
  const a = fakeChannel('SIP/2000-1');
  const b = fakeChannel('SIP/2001-2');
  const A = a.ch as unknown as DialChannel;
  const B = b.ch as unknown as DialChannel;
  const f = new InCallFeatures(A, B, {
    features: DEFAULT_FEATURES,
    clock,
    rights,
    numberState: () => 'invalid',
    blindTransfer: () => undefined,
  });
  const bridge = new Bridge(A, B, f.relay);
  f.attach(bridge);
  return { clock, a, b, bridge };
}

const calleeTransfers = (leg: DialChannel): FeatureRights => ({ transfer: leg.name.startsWith('SIP/2001'), disconnect: leg.name.startsWith('SIP/2001'), park: false });

test('digits that start no feature are relayed as they come; an unentitled leg is never held back', () => {
  const { a, b } = setup(calleeTransfers);
  b.press('5');
  assert.deepEqual(a.leg.relayedEvents, [5]);
  a.press('#'); // the caller has no rights: its # is just a digit
  assert.deepEqual(b.leg.relayedEvents, [CODES.indexOf('#')]);
  assert.deepEqual(a.ch.generated, []);
});

test('* is held back; *5 matches nothing and is played on to the other party in order', () => {
  const { a, b } = setup(calleeTransfers);
  b.press('*');
  assert.deepEqual(a.leg.relayedEvents, [], 'the * is held');
  b.press('5');
  assert.deepEqual(a.leg.relayedEvents, [], 'the 5 packets are held too');
  assert.deepEqual(a.ch.generated, ['*', '5']);
});

test('a lone * is played on after featuredigittimeout', () => {
  const { a, b, clock } = setup(calleeTransfers);
  b.press('*');
  clock.advance(DEFAULT_FEATURES.featuredigittimeout - 1);
  assert.deepEqual(a.ch.generated, []);
  clock.advance(1);
  assert.deepEqual(a.ch.generated, ['*']);
  assert.equal(clock.pending(), 0);
});

test('*0 (disconnect) hangs up the other party; the digits never reach it', () => {
  const { a, b, bridge } = setup(calleeTransfers);
  b.press('*');
  b.press('0');
  assert.equal(a.ch.ended, true);
  assert.equal(bridge.ended, true);
  assert.deepEqual(a.leg.relayedEvents, []);
  assert.deepEqual(a.ch.generated, []);
});

test('# with a number that does not exist: the call resumes (the transferer is not hung up)', () => {
  const { a, b, bridge, clock } = setup(calleeTransfers);
  b.press('#');
  assert.equal(bridge.isHolding(b.ch as unknown as DialChannel), true, 'the other party is on hold while the number is dialled');
  b.press('9');
  // numberState says invalid at once: no waiting for more digits.
  return new Promise<void>((resolve) => {
    setImmediate(() => {
      assert.equal(bridge.isHolding(b.ch as unknown as DialChannel), false);
      assert.equal(b.ch.ended, false);
      assert.equal(a.ch.ended, false);
      assert.equal(clock.pending(), 0);
      resolve();
    });
  });
});
