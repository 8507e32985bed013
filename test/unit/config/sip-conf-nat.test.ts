import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n';
const load = (sip: string) => loadConfig({ files: { 'pbx.conf': PBX, 'sip.conf': sip } });

describe('sip.conf NAT and trunk keys', () => {
  test('externip, several localnet lines (mask or prefix), externrefresh', () => {
    const r = load('[general]\nexternip = 198.51.100.7\nlocalnet = 192.168.0.0/255.255.0.0\nlocalnet = 10.0.0.0/8\nexternrefresh = 60\n');
    assert.equal(formatErrors(r.errors), '');
    const g = r.config!.sip;
    assert.deepEqual(g.externAddress, { host: '198.51.100.7', resolve: false });
    assert.deepEqual(g.localnet, ['192.168.0.0/16', '10.0.0.0/8']);
    assert.equal(g.externRefresh, 60);
    assert.deepEqual(r.warnings.filter((w) => /extern|localnet/.test(w.reason)), [], 'no longer "not supported"');
  });
  test('externaddr with a port; externhost is a name to look up', () => {
    assert.deepEqual(load('[general]\nexternaddr = 198.51.100.7:5070\n').config!.sip.externAddress, { host: '198.51.100.7', port: 5070, resolve: false });
    assert.deepEqual(load('[general]\nexternhost = office.dyndns.example\n').config!.sip.externAddress, { host: 'office.dyndns.example', resolve: true });
    assert.equal(load('').config!.sip.externRefresh, 10, 'Asterisk default');
  });
  test('mistakes are errors with file:line', () => {
    assert.match(formatErrors(load('[general]\nlocalnet = 10.0.0.0/33\n').errors), /^sip\.conf:2: invalid localnet '10\.0\.0\.0\/33'/m);
    assert.match(formatErrors(load('[general]\nlocalnett = 10.0.0.0/8\n').errors), /^sip\.conf:2: unknown key 'localnett' in \[general\] \(did you mean 'localnet'\?\)/m);
    assert.match(formatErrors(load('[general]\nexternrefresh = soon\n').errors), /^sip\.conf:2: invalid externrefresh/m);
    assert.match(formatErrors(load('[p]\ntype=peer\nhost=127.0.0.1\nexternip=1.2.3.4\n').errors), /^sip\.conf:4: 'externip' belongs in \[general\]/m);
  });
  test('authuser on a trunk peer', () => {
    const r = load('[provider]\ntype=peer\nhost=sip.provider.example\nauthuser=acct77\nsecret=pw\n');
    assert.equal(formatErrors(r.errors), '');
    assert.equal(r.config!.peers.get('provider')!.authuser, 'acct77');
    assert.match(formatErrors(load('[provider]\ntype=peer\nhost=x.example\nauthusr=acct77\n').errors), /did you mean 'authuser'/);
  });
});
