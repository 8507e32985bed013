/**
 * voicemail.conf and pbx.conf [voicemail] from the bundle: `pbx check` fails on a misspelt key, a
 * bad value or a guessable pbx.conf PIN with file:line; on a running PBX `voicemail show users`
 * lists the phones' and voicemail.conf's boxes, and `reload` applies a corrected voicemail.conf
 * while a broken one leaves the running configuration alone. Build first: node scripts/build.mjs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pbxCheck, startPbx, type PbxProcess } from './harness.ts';

const PBX_CONF = '[system]\nsip = 127.0.0.1:5999\n\n[phones]\n2000 = amber-kettle-42, Alice, alice@example.com\n2001 = velvet-harbor-17, Bob\n';


describe('pbx check with voicemail', () => {
  test('a misspelt voicemail.conf key and a bad value fail at their lines', () => {
    const r = pbxCheck({ 'pbx.conf': PBX_CONF, 'voicemail.conf': '[general]\nformat = wav\nattahc = yes\nmaxmsg = 10000\n[default]\n1234 => 4242,Example Mailbox,root@localhost\n' });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /^voicemail\.conf:3: unknown key 'attahc' in \[general\] \(did you mean 'attach'\?\)$/m);
    assert.match(r.out, /^voicemail\.conf:4: invalid maxmsg '10000': must be from 1 to 9999$/m);
  });

  test('a guessable PIN in pbx.conf [voicemail] fails; a strong one passes; a guessable voicemail.conf PIN warns', () => {
    const weak = pbxCheck({ 'pbx.conf': `${PBX_CONF}\n[voicemail]\n2000 = 1234\n` });
    assert.equal(weak.status, 1, weak.out);
    assert.match(weak.out, /^pbx\.conf:9: voicemail PIN for 2000 is guessable \(a run of consecutive digits\)/m);

    const good = pbxCheck({ 'pbx.conf': `${PBX_CONF}\n[voicemail]\n2000 = 739184\nsmtp = 127.0.0.1:2525\n`, 'voicemail.conf': '[other]\n1234 => 0000,Example\n' });
    assert.equal(good.status, 0, good.out);
    assert.match(good.out, /^warning: voicemail\.conf:2: mailbox 1234@other has a guessable PIN \(one repeated digit\): remote login is possible with a guessable PIN$/m);
    assert.doesNotMatch(good.out, /mail notification is off/);
  });
});

describe('voicemail console on a running PBX', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx({
      system: { rtp: '35400-35420' },
      files: { 'voicemail.conf': "[zonemessages]\neastern = America/New_York|'vm-received' Q 'digits/at' IMp\n[sales]\n3000 => 739184,Sales Desk,,,tz=eastern\n" },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  test('voicemail show users and zones', () => {
    const users = pbx.rx('voicemail show users');
    assert.match(users, /^Context +Mbox +User +Zone +NewMsg$/m);
    assert.match(users, /^default +2000 +Alice +0$/m);
    assert.match(users, /^default +2001 +Bob +0$/m);
    assert.match(users, /^sales +3000 +Sales Desk +eastern +0$/m);
    assert.match(users, /^3 voicemail users configured\.$/m);
    assert.doesNotMatch(pbx.rx('voicemail show users for sales'), /Alice/);
    assert.match(pbx.rx('voicemail show zones'), /^eastern +America\/New_York +'vm-received' Q 'digits\/at' IMp$/m);
  });

  test('reload applies a corrected voicemail.conf and refuses a broken one whole', () => {
    writeFileSync(join(pbx.dir, 'voicemail.conf'), '[sales]\n3000 => 739184,Sales Desk\n3001 => 582913,Support\n');
    pbx.rx('reload');
    assert.match(pbx.rx('voicemail show users for sales'), /^sales +3001 +Support +0$/m);

    writeFileSync(join(pbx.dir, 'voicemail.conf'), '[general]\nmaxmsg = lots\n[sales]\n3002 => 582913,Nobody\n');
    const out = pbx.rx('reload');
    assert.match(out, /voicemail\.conf:2: invalid maxmsg 'lots'/);
    const users = pbx.rx('voicemail show users for sales');
    assert.match(users, /^sales +3001 +Support +0$/m);
    assert.doesNotMatch(users, /3002/);
  });
});
