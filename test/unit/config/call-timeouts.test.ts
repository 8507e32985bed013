/**
 * The call timeouts a user can set: sip.conf `rtptimeout` / `rtpholdtimeout` in [general] and per
 * peer (seconds, 0 = never, Asterisk's keys) and pbx.conf `dialtimeout` (how long the phones'
 * dialplan rings a phone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n';

test('rtptimeout/rtpholdtimeout: [general] sets the default, a peer overrides it, phones follow [general]', () => {
  const r = loadConfig({
    files: {
      'pbx.conf': PBX,
      'sip.conf': '[general]\nrtptimeout=60\nrtpholdtimeout=300\n\n[trunk]\ntype=peer\nhost=192.0.2.1\nrtptimeout=0\n',
    },
  });
  assert.equal(formatErrors(r.errors), '');
  assert.equal(formatErrors(r.warnings).includes('rtptimeout'), false, 'no "not supported" warning any more');
  assert.equal(r.config!.sip.rtpTimeout, 60);
  assert.equal(r.config!.sip.rtpHoldTimeout, 300);
  assert.equal(r.config!.peers.get('trunk')!.rtpTimeout, 0);
  assert.equal(r.config!.peers.get('trunk')!.rtpHoldTimeout, undefined);
  assert.equal(r.config!.peers.get('2000')!.rtpTimeout, undefined, 'a phone uses [general]');
});

test('without sip.conf the RTP timeout is 30 s and the hold timeout off', () => {
  const r = loadConfig({ files: { 'pbx.conf': PBX } });
  assert.equal(r.config!.sip.rtpTimeout, 30);
  assert.equal(r.config!.sip.rtpHoldTimeout, 0);
  assert.equal(r.config!.system.dialTimeout, undefined);
});

test('a timeout that is not a number of seconds is an error naming the line', () => {
  const r = loadConfig({ files: { 'pbx.conf': PBX, 'sip.conf': '[general]\nrtptimeout=soon\n' } });
  assert.match(formatErrors(r.errors), /sip\.conf:2: invalid rtptimeout 'soon'/);
});

test('pbx.conf dialtimeout: seconds from 1 to 3600', () => {
  const ok = loadConfig({ files: { 'pbx.conf': PBX.replace('[phones]', 'dialtimeout = 45\n\n[phones]') } });
  assert.equal(ok.config!.system.dialTimeout, 45);
  const bad = loadConfig({ files: { 'pbx.conf': PBX.replace('[phones]', 'dialtimeout = 0\n\n[phones]') } });
  assert.match(formatErrors(bad.errors), /pbx\.conf:4: invalid dialtimeout '0': must be from 1 to 3600/);
});
