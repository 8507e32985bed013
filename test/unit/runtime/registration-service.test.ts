import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRegistrar } from '../../../src/runtime/registration-service.ts';
import type { SipResolver, SrvRecord } from '../../../src/sip/transport/locate.ts';

/** DNS as a table: SRV by name, addresses by name; every question is recorded. */
function table(srv: Record<string, SrvRecord[]>, a: Record<string, string[]>): SipResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    srv: (name) => (asked.push(`SRV ${name}`), Promise.resolve(srv[name] ?? [])),
    addresses: (name) => (asked.push(`A ${name}`), Promise.resolve(a[name] ?? [])),
  };
}

describe('registrar location (RFC 3263)', () => {
  test('a name without port: SRV _sip._udp first, its target and port', async () => {
    const dns = table({ '_sip._udp.provider.example': [{ name: 'sip1.provider.example', port: 5070, priority: 10, weight: 0 }] }, { 'sip1.provider.example': ['192.0.2.10'] });
    assert.deepEqual(await resolveRegistrar(dns, 'provider.example', undefined, 'UDP'), { protocol: 'UDP', address: '192.0.2.10', port: 5070 });
    assert.deepEqual(dns.asked, ['SRV _sip._udp.provider.example', 'A sip1.provider.example']);
  });

  test('TCP asks _sip._tcp; no SRV falls back to A at 5060', async () => {
    const dns = table({}, { 'provider.example': ['192.0.2.20'] });
    assert.deepEqual(await resolveRegistrar(dns, 'provider.example', undefined, 'TCP'), { protocol: 'TCP', address: '192.0.2.20', port: 5060 });
    assert.deepEqual(dns.asked, ['SRV _sip._tcp.provider.example', 'A provider.example']);
  });

  test('a port given skips SRV; an IP literal asks nothing; an unknown name is undefined', async () => {
    const dns = table({}, { 'provider.example': ['192.0.2.30'] });
    assert.deepEqual(await resolveRegistrar(dns, 'provider.example', 5080, 'UDP'), { protocol: 'UDP', address: '192.0.2.30', port: 5080 });
    assert.deepEqual(await resolveRegistrar(dns, '198.51.100.1', undefined, 'UDP'), { protocol: 'UDP', address: '198.51.100.1', port: 5060 });
    assert.equal(await resolveRegistrar(dns, 'nowhere.example', undefined, 'UDP'), undefined);
    assert.deepEqual(dns.asked, ['A provider.example', 'SRV _sip._udp.nowhere.example', 'A nowhere.example']);
  });
});
