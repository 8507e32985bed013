import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { getHeader } from '../../../src/sip/message/headers.ts';
import type { SipMessage } from '../../../src/sip/message/types.ts';
import { LoopNetwork, LoopTransport } from '../../../src/sip/transport/loop.ts';
import { isReliable, type Endpoint, type ReceivedMessage } from '../../../src/sip/transport/types.ts';
import { request } from './helpers.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const got: ReceivedMessage[] = [];
  const invalid: { raw: string; error: Error }[] = [];
  const sentRaw: string[] = [];
  const a = new LoopTransport(net, {
    port: 5061,
    reliable,
    events: { onMessage: () => assert.fail('a receives nothing'), onInvalid: () => assert.fail('a receives nothing'), onSent: (raw) => sentRaw.push(raw) },
  });
  const b = new LoopTransport(net, {
    port: 5062,
    reliable,
    events: { onMessage: (r) => got.push(r), onInvalid: (raw, _s, error) => invalid.push({ raw, error }) },
  });
  return { clock, net, a, b, got, invalid, sentRaw };
}

const methodOf = (m: SipMessage) => (m.kind === 'request' ? m.method : m.status);

describe('LoopTransport', () => {
  test('delivers re-parsed bytes through the clock, with the sender as source', async () => {
    const { clock, net, a, b, got, sentRaw } = setup();
    assert.equal(a.protocol, 'LOOP');
    assert.equal(isReliable(a.protocol), false);
    await a.send(request('OPTIONS', { callId: 'wire-1' }), b.endpoint);
    assert.equal(got.length, 0, 'not delivered inside send()');
    clock.advance(0);
    assert.equal(got.length, 1);
    assert.notEqual(got[0].message, a.log[0].message, 'a parsed copy, not the same object');
    assert.equal(getHeader(got[0].message, 'Call-ID'), 'wire-1');
    assert.deepEqual(got[0].source, { protocol: 'LOOP', address: '127.0.0.1', port: 5061 });
    assert.equal(got[0].raw, sentRaw[0]);
    assert.match(got[0].raw, /^OPTIONS sip:2000@127\.0\.0\.1:5062 SIP\/2\.0\r\n/);
    net.close();
    assert.equal(clock.pending(), 0);
  });

  test('delay(ms) holds messages for that long', async () => {
    const { clock, net, a, b, got } = setup();
    a.delay(40);
    await a.send(request('OPTIONS'), b.endpoint);
    clock.advance(39);
    assert.equal(got.length, 0);
    clock.advance(1);
    assert.equal(got.length, 1);
    net.close();
  });

  test('drop(n) loses the next n sends; drop(predicate) loses what it matches until removed', async () => {
    const { clock, net, a, b, got } = setup();
    a.drop(2);
    for (const m of ['OPTIONS', 'INFO', 'MESSAGE']) await a.send(request(m), b.endpoint);
    clock.advance(0);
    assert.deepEqual(got.map((r) => methodOf(r.message)), ['MESSAGE']);
    a.drop((m) => m.kind === 'request' && m.method === 'INFO');
    for (const m of ['INFO', 'OPTIONS', 'INFO']) await a.send(request(m), b.endpoint);
    a.drop(undefined);
    await a.send(request('INFO'), b.endpoint);
    clock.advance(0);
    assert.deepEqual(got.map((r) => methodOf(r.message)), ['MESSAGE', 'OPTIONS', 'INFO']);
    assert.deepEqual(a.log.map((r) => r.outcome), ['dropped', 'dropped', 'delivered', 'dropped', 'delivered', 'dropped', 'delivered']);
    net.close();
  });

  test('fail(n) rejects the next n sends with PbxError SIP_TRANSPORT', async () => {
    const { clock, net, a, b, got } = setup();
    a.fail(1);
    await assert.rejects(a.send(request('OPTIONS'), b.endpoint), (e: unknown) => e instanceof PbxError && e.code === 'SIP_TRANSPORT');
    await a.send(request('OPTIONS'), b.endpoint);
    clock.advance(0);
    assert.equal(got.length, 1);
    assert.deepEqual(a.log.map((r) => r.outcome), ['failed', 'delivered']);
    net.close();
  });

  test('to an address nobody listens on: a datagram vanishes, a stream connection is refused', async () => {
    const nowhere: Endpoint = { protocol: 'LOOP', address: '127.0.0.1', port: 9 };
    const udp = setup();
    await udp.a.send(request('OPTIONS'), nowhere);
    assert.equal(udp.a.log[0].outcome, 'unreachable');
    udp.net.close();
    const tcp = setup(true);
    await assert.rejects(tcp.a.send(request('OPTIONS'), nowhere), /refused/);
    tcp.net.close();
  });

  test('reliable mode acts as TCP: protocol TCP and a connection id on the source', async () => {
    const { clock, net, a, b, got } = setup(true);
    assert.equal(a.protocol, 'TCP');
    assert.equal(isReliable(a.protocol), true);
    await a.send(request('OPTIONS'), b.endpoint);
    clock.advance(0);
    assert.equal(got[0].source.protocol, 'TCP');
    assert.equal(typeof got[0].source.connectionId, 'number');
    net.close();
  });

  test('bytes that do not parse reach onInvalid, not onMessage', async () => {
    const { clock, net, a, b, got, invalid } = setup();
    const broken = request('OPTIONS');
    broken.headers = broken.headers.filter((h) => h.name !== 'Call-ID');
    await a.send(broken, b.endpoint);
    clock.advance(0);
    assert.equal(got.length, 0);
    assert.equal(invalid.length, 1);
    assert.match(invalid[0].error.message, /Call-ID/);
    net.close();
  });

  test('network.close() cancels deliveries in flight and closes every transport', async () => {
    const { clock, net, a, b, got } = setup();
    a.delay(1000);
    await a.send(request('OPTIONS'), b.endpoint);
    assert.equal(net.inFlightCount(), 1);
    net.close();
    assert.equal(clock.pending(), 0);
    clock.advance(2000);
    assert.equal(got.length, 0);
    await assert.rejects(a.send(request('OPTIONS'), b.endpoint), /closed/);
  });

  test('two transports cannot share an address', () => {
    const clock = new FakeClock();
    const net = new LoopNetwork(clock);
    const events = { onMessage: () => undefined, onInvalid: () => undefined };
    new LoopTransport(net, { port: 5060, events });
    assert.throws(() => new LoopTransport(net, { port: 5060, events }), /in use/);
    net.close();
  });
});
