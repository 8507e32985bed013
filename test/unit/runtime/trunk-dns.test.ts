import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { loadConfig, type PbxConfig } from '../../../src/config/index.ts';
import { TrunkDns } from '../../../src/runtime/trunk-dns.ts';
import type { SipResolver } from '../../../src/sip/transport/locate.ts';
import type { Logger } from '../../../src/log/index.ts';

const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} } as unknown as Logger;

function config(sip: string): PbxConfig {
  const r = loadConfig({ files: { 'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n', 'sip.conf': sip } });
  assert.ok(r.config, JSON.stringify(r.errors));
  return r.config;
}

/** A resolver seam whose A answers the test changes over time. */
function table(a: Record<string, string[]>, srv: Record<string, { name: string; port: number; priority: number; weight: number }[]> = {}): SipResolver & { a: Record<string, string[]> } {
  return { a, srv: async (n) => srv[n] ?? [], addresses: async (n) => a[n] ?? [] };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('externip / externhost', () => {
  test('externip is used at once, without DNS', () => {
    const clock = new FakeClock();
    const dns = new TrunkDns({ clock, config: () => config('[general]\nexternip = 198.51.100.7:5080\nlocalnet = 10.0.0.0/8\n'), log: quiet, resolver: table({}) });
    assert.deepEqual(dns.external(), { host: '198.51.100.7', port: 5080 });
    assert.equal(clock.pending(), 0, 'no refresh timer for an address');
    dns.close();
  });
  test('externhost is looked up again every externrefresh seconds; a failed lookup keeps the last address', async () => {
    const clock = new FakeClock();
    const r = table({ 'office.dyndns.example': ['203.0.113.5'] });
    const dns = new TrunkDns({ clock, config: () => config('[general]\nexternhost = office.dyndns.example\nexternrefresh = 30\nlocalnet = 192.168.0.0/16\n'), log: quiet, resolver: r });
    await flush();
    assert.deepEqual(dns.external(), { host: '203.0.113.5' });
    r.a['office.dyndns.example'] = ['203.0.113.99'];
    clock.advance(29_000);
    await flush();
    assert.deepEqual(dns.external(), { host: '203.0.113.5' }, 'not before externrefresh');
    clock.advance(1000);
    await flush();
    assert.deepEqual(dns.external(), { host: '203.0.113.99' });
    r.a['office.dyndns.example'] = [];
    clock.advance(30_000);
    await flush();
    assert.deepEqual(dns.external(), { host: '203.0.113.99' }, 'kept while DNS fails');
    dns.close();
    assert.equal(clock.pending(), 0);
  });
});

describe('trunk location', () => {
  test('a trunk named by DNS is located by SRV and remembered for matching its calls by address', async () => {
    const clock = new FakeClock();
    const cfg = config('[provider]\ntype=peer\nhost=provider.example\ninsecure=invite\n');
    const r = table({ 'edge1.provider.example': ['192.0.2.11'] }, { '_sip._udp.provider.example': [{ name: 'edge1.provider.example', port: 5070, priority: 1, weight: 1 }] });
    const dns = new TrunkDns({ clock, config: () => cfg, log: quiet, resolver: r });
    const peer = cfg.peers.get('provider')!;
    assert.deepEqual(dns.addresses(peer), [], 'unknown before any lookup');
    await dns.warm();
    assert.deepEqual(dns.addresses(peer), ['192.0.2.11']);
    assert.deepEqual(await dns.locate(peer), [{ protocol: 'UDP', address: '192.0.2.11', port: 5070 }]);
    dns.close();
  });
});
