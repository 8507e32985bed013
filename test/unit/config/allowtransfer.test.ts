/** sip.conf `allowtransfer` (chan_sip): [general] default, per-peer override, a bad value is an error with its line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n';
const load = (sip: string) => loadConfig({ files: { 'pbx.conf': PBX, 'sip.conf': sip } });

test('allowtransfer: absent means allowed; [general] sets the default; a peer overrides it', () => {
  const r = load(
    '[general]\nallowtransfer=no\n\n[a]\ntype=friend\nhost=dynamic\nsecret=longsecret1\n\n[b]\ntype=friend\nhost=dynamic\nsecret=longsecret2\nallowtransfer=yes\n',
  );
  assert.equal(formatErrors(r.errors), '');
  assert.equal(r.config!.peers.get('a')!.allowtransfer, false);
  assert.equal(r.config!.peers.get('b')!.allowtransfer, true);
  assert.deepEqual(r.config!.peers.get('a')!.ignored, [], 'no longer reported as ignored');
  const plain = load('[c]\ntype=friend\nhost=dynamic\nsecret=longsecret3\n');
  assert.notEqual(plain.config!.peers.get('c')!.allowtransfer, false);
});

test('allowtransfer with a value that is not yes/no is an error naming file and line', () => {
  const r = load('[c]\ntype=friend\nhost=dynamic\nsecret=longsecret3\nallowtransfer=sometimes\n');
  assert.equal(r.config, undefined);
  assert.match(formatErrors(r.errors), /sip\.conf:5: invalid allowtransfer 'sometimes': expected yes or no/);
});
