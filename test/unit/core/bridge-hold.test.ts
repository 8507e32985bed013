/**
 * Hold on a Bridge: the holder's audio stops reaching the other leg, which hears the hold source
 * (music on hold) instead; resume stops the source and starts a fresh relay (RTP legs) or lets
 * the frame bridge pass the holder's audio again; a hangup stops the source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bridge, bridgeOf, type BridgeableChannel, type HoldSource } from '../../../src/core/bridge.ts';
import { FrameBridge, type FrameEndpoint } from '../../../src/core/frame-bridge.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import type { AudioFrame, MediaFormat } from '../../../src/media/frame.ts';
import type { RelayFactory } from '../../../src/rtp/relay.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';
import type { RtpSession } from '../../../src/rtp/session.ts';
import { upChannelData } from './channel-fixtures.ts';

function leg(name: string, rtp: boolean) {
  const sent: AudioFrame[] = [];
  const hangups: ((c: HangupCause) => void)[] = [];
  let frameCb: ((f: AudioFrame) => void) | undefined;
  const media: FrameEndpoint = {
    send: (f) => sent.push(f),
    onFrame: (cb) => ((frameCb = cb), () => (frameCb = undefined)),
    onDigit: () => () => undefined,
    sendDigit: () => Promise.resolve(),
  };
  const ch = {
    ...upChannelData(name, 'x', 'x'),
    rtp: rtp ? ({} as RtpSession) : undefined,
    media,
    hangup: (c: HangupCause) => hangups.forEach((h) => h(c)),
    onHangup: (cb: (c: HangupCause) => void) => void hangups.push(cb),
  } as unknown as BridgeableChannel;
  return { ch, sent, hear: (f: AudioFrame) => frameCb?.(f), media };
}

const music = (): { source: HoldSource; listeners: () => number; play: (n: number) => void; formats: MediaFormat[] } => {
  const sinks = new Set<(f: AudioFrame) => void>();
  const formats: MediaFormat[] = [];
  return {
    source: (format, send) => {
      formats.push(format);
      sinks.add(send);
      return () => sinks.delete(send);
    },
    listeners: () => sinks.size,
    play: (n) => sinks.forEach((s) => s({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160).fill(n) })),
    formats,
  };
};

test('RTP legs: hold stops the relay and feeds the held leg the source; resume starts a new relay', () => {
  let made = 0;
  let stopped = 0;
  const factory: RelayFactory = () => (made++, { kind: 'js', stats: { aToB: { relayed: 0, transcoded: 0, eventsDropped: 0 }, bToA: { relayed: 0, transcoded: 0, eventsDropped: 0 } }, stop: () => void stopped++ });
  const a = leg('A', true);
  const b = leg('B', true);
  const bridge = new Bridge(a.ch, b.ch, factory);
  assert.equal(made, 1);
  const m = music();
  bridge.hold(a.ch, m.source);
  assert.equal(stopped, 1);
  assert.equal(bridge.relay, undefined);
  assert.ok(bridge.isHolding(a.ch));
  assert.deepEqual(m.formats, ['ulaw']);
  m.play(7);
  assert.equal(b.sent.length, 1, 'the held leg hears the music');
  assert.equal(a.sent.length, 0, 'the holder does not');
  bridge.hold(a.ch, m.source);
  assert.equal(m.listeners(), 1, 'a second hold by the same leg changes nothing');
  bridge.unhold(a.ch);
  assert.equal(m.listeners(), 0);
  assert.equal(made, 2, 'a fresh relay continues the streams after the music');
  assert.ok(bridge.relay);
});

test('frame bridge: the holder\'s audio is not passed on while held, and is again after the resume', () => {
  const clock = new ManualMediaClock();
  const a = leg('DAHDI/1-1', false);
  const b = leg('SIP/2001', true);
  const bridge = new Bridge(a.ch, b.ch);
  bridge.frames = new FrameBridge(a.media, b.media, clock);
  const frame = (n: number): AudioFrame => ({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160).fill(n) });
  const m = music();
  bridge.hold(a.ch, m.source);
  for (let i = 0; i < 4; i++) {
    a.hear(frame(1));
    m.play(9);
    clock.tick();
  }
  assert.deepEqual(b.sent.map((f) => f.data[0]), [9, 9, 9, 9], 'only music reaches the held party');
  bridge.unhold(a.ch);
  b.sent.length = 0;
  for (let i = 0; i < 4; i++) {
    a.hear(frame(2));
    m.play(9);
    clock.tick();
  }
  assert.ok(b.sent.length > 0 && b.sent.every((f) => f.data[0] === 2), 'the holder is heard again, the music is gone');
  bridge.frames.stop();
});

test('a hangup while held stops the music', () => {
  const a = leg('A', true);
  const b = leg('B', true);
  const bridge = new Bridge(a.ch, b.ch, () => ({ kind: 'js', stats: { aToB: { relayed: 0, transcoded: 0, eventsDropped: 0 }, bToA: { relayed: 0, transcoded: 0, eventsDropped: 0 } }, stop: () => undefined }));
  const m = music();
  bridge.hold(b.ch, m.source);
  assert.equal(m.listeners(), 1);
  a.ch.hangup(16 as HangupCause);
  assert.equal(m.listeners(), 0);
});

test('release: both legs stay up, the relay and the hold music stop, and a later hangup no longer crosses', () => {
  let stopped = 0;
  const factory: RelayFactory = () => ({ kind: 'js', stats: { aToB: { relayed: 0, transcoded: 0, eventsDropped: 0 }, bToA: { relayed: 0, transcoded: 0, eventsDropped: 0 } }, stop: () => void stopped++ });
  const a = leg('A', true);
  const b = leg('B', true);
  let aHungUp = 0;
  a.ch.onHangup(() => void aHungUp++);
  const bridge = new Bridge(a.ch, b.ch, factory);
  assert.equal(bridgeOf(a.ch), bridge);
  assert.equal(bridge.other(a.ch), b.ch);
  const m = music();
  bridge.hold(b.ch, m.source);
  const ends: string[] = [];
  bridge.onEnd((how) => ends.push(how));
  bridge.release();
  assert.deepEqual(ends, ['released']);
  assert.equal(m.listeners(), 0, 'the music stops');
  assert.equal(stopped, 1);
  assert.equal(bridgeOf(a.ch), undefined, 'neither leg is in a bridge any more');
  assert.equal(bridgeOf(b.ch), undefined);
  assert.equal(a.ch.bridgedTo, undefined);
  b.ch.hangup(16 as HangupCause);
  assert.equal(aHungUp, 0, 'B hanging up after the release leaves A up');
  const late: string[] = [];
  bridge.onEnd((how) => late.push(how));
  assert.deepEqual(late, ['released'], 'a listener added after the end hears how it ended');
});

test('a hangup ends the bridge as "hangup" and the other leg with it', () => {
  const a = leg('A', true);
  const b = leg('B', true);
  let bHungUp = 0;
  b.ch.onHangup(() => void bHungUp++);
  const bridge = new Bridge(a.ch, b.ch, () => ({ kind: 'js', stats: { aToB: { relayed: 0, transcoded: 0, eventsDropped: 0 }, bToA: { relayed: 0, transcoded: 0, eventsDropped: 0 } }, stop: () => undefined }));
  const ends: string[] = [];
  bridge.onEnd((how) => ends.push(how));
  a.ch.hangup(16 as HangupCause);
  assert.deepEqual(ends, ['hangup']);
  assert.equal(bHungUp, 1);
  assert.ok(bridge.ended);
});
