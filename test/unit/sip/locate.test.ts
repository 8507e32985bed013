import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { locate, orderSrv, type SipResolver, type SrvRecord } from '../../../src/sip/transport/locate.ts';

/** A resolver seam answering from tables, recording what was asked. */
function tableResolver(srv: Record<string, SrvRecord[]>, a: Record<string, string[]>): SipResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    srv: async (n) => {
      asked.push(`SRV ${n}`);
      return srv[n] ?? [];
    },
    addresses: async (n) => {
      asked.push(`A ${n}`);
      return a[n] ?? [];
    },
  };
}

const rec = (name: string, priority: number, weight: number, port = 5060): SrvRecord => ({ name, port, priority, weight });

describe('RFC 2782 ordering', () => {
  test('lower priority first, whatever the weights', () => {
    const out = orderSrv([rec('c', 30, 100), rec('a', 10, 0), rec('b', 20, 50)], () => 0.5);
    assert.deepEqual(out.map((r) => r.name), ['a', 'b', 'c']);
  });
  test('within a priority, the running weight sum picks (random 0 -> the weight-0 record first)', () => {
    const rs = [rec('heavy', 10, 60), rec('zero', 10, 0), rec('light', 10, 40)];
    assert.deepEqual(orderSrv(rs, () => 0).map((r) => r.name), ['zero', 'heavy', 'light']);
    // random 0.99 -> pick = 0.99 * 101 = 99.99: the running sum reaches it at 'light' (0+60+40).
    assert.deepEqual(orderSrv(rs, () => 0.99).map((r) => r.name), ['light', 'heavy', 'zero']);
  });
  test('weights shape the share of first picks', () => {
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    let heavyFirst = 0;
    for (let i = 0; i < 2000; i++) if (orderSrv([rec('heavy', 1, 90), rec('light', 1, 10)], rnd)[0]!.name === 'heavy') heavyFirst++;
    assert.ok(heavyFirst > 1600 && heavyFirst < 1900, `heavy first ${heavyFirst}/2000`);
  });
});

describe('RFC 3263 locate', () => {
  test('no port: SRV _sip._udp, targets in order, each resolved to addresses', async () => {
    const r = tableResolver(
      { '_sip._udp.provider.example': [rec('backup.provider.example', 20, 0, 5070), rec('main.provider.example', 10, 0, 5080)] },
      { 'main.provider.example': ['192.0.2.1'], 'backup.provider.example': ['192.0.2.2', '2001:db8::2'] },
    );
    const out = await locate({ host: 'provider.example', transport: 'udp' }, r);
    assert.deepEqual(out, [
      { protocol: 'UDP', address: '192.0.2.1', port: 5080 },
      { protocol: 'UDP', address: '192.0.2.2', port: 5070 },
      { protocol: 'UDP', address: '2001:db8::2', port: 5070 },
    ]);
  });
  test('transport=tcp asks _sip._tcp', async () => {
    const r = tableResolver({ '_sip._tcp.provider.example': [rec('t.provider.example', 1, 1, 5061)] }, { 't.provider.example': ['192.0.2.9'] });
    assert.deepEqual(await locate({ host: 'provider.example', transport: 'tcp' }, r), [{ protocol: 'TCP', address: '192.0.2.9', port: 5061 }]);
    assert.deepEqual(r.asked[0], 'SRV _sip._tcp.provider.example');
  });
  test('no SRV: A/AAAA of the name at 5060', async () => {
    const r = tableResolver({}, { 'provider.example': ['192.0.2.5'] });
    assert.deepEqual(await locate({ host: 'provider.example', transport: 'udp' }, r), [{ protocol: 'UDP', address: '192.0.2.5', port: 5060 }]);
    assert.deepEqual(r.asked, ['SRV _sip._udp.provider.example', 'A provider.example']);
  });
  test('explicit port: A only, no SRV question', async () => {
    const r = tableResolver({ '_sip._udp.provider.example': [rec('x', 1, 1)] }, { 'provider.example': ['192.0.2.5'] });
    assert.deepEqual(await locate({ host: 'provider.example', port: 5062, transport: 'udp' }, r), [{ protocol: 'UDP', address: '192.0.2.5', port: 5062 }]);
    assert.deepEqual(r.asked, ['A provider.example']);
  });
  test('IP literal: no DNS', async () => {
    const r = tableResolver({}, {});
    assert.deepEqual(await locate({ host: '127.0.0.1', transport: 'udp' }, r), [{ protocol: 'UDP', address: '127.0.0.1', port: 5060 }]);
    assert.deepEqual(r.asked, []);
  });
  test('SRV target "." means no service; a failing lookup counts as no answer', async () => {
    const dot = tableResolver({ '_sip._udp.p.example': [rec('.', 0, 0, 0)] }, { 'p.example': ['192.0.2.7'] });
    assert.deepEqual(await locate({ host: 'p.example', transport: 'udp' }, dot), []);
    const failing: SipResolver = { srv: () => Promise.reject(new Error('SERVFAIL')), addresses: async () => ['192.0.2.8'] };
    assert.deepEqual(await locate({ host: 'p.example', transport: 'udp' }, failing), [{ protocol: 'UDP', address: '192.0.2.8', port: 5060 }]);
  });
});
