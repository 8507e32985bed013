/**
 * `pbx check` from the bundle (`node dist/pbx.mjs check --config DIR`) on analog configurations:
 * a Dial(DAHDI/N) naming a port no configuration defines fails with exit status 1 and the reason
 * at its extensions.conf line; a chan_dahdi.conf error fails at its line; a good chan_dahdi.conf
 * with the dahdi backend passes (on a machine without DAHDI, with the warning that the channels
 * could not be verified). Build the bundle first: node scripts/build.mjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pbxCheck } from './harness.ts';

const PBX_CONF = '[system]\nsip = 127.0.0.1:5999\n\n[phones]\n2000 = amber-kettle-42, Alice\n';


test('pbx check fails on Dial(DAHDI/7) when the ports are 1,2,5, naming the extensions.conf line', () => {
  const r = pbxCheck({
    'pbx.conf': `${PBX_CONF}\n[analog]\nbackend = dahdi\nfxs = 1-2\nfxo = 5\ngroup = 1\n`,
    'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 700,1,Dial(DAHDI/7)\nexten => _9X.,1,Dial(DAHDI/g1/${EXTEN:1})\n',
  });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /^extensions\.conf:3: DAHDI\/7: no analog port 7 \(ports are 1,2,5\)$/m);
  assert.doesNotMatch(r.out, /extensions\.conf:4:/);
});

test('pbx check fails on a chan_dahdi.conf error at its line and passes a good one', () => {
  const bad = pbxCheck({ 'pbx.conf': PBX_CONF, 'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\ncidsignaling = v23\nchannel => 1\n' });
  assert.equal(bad.status, 1, bad.out);
  assert.match(bad.out, /^chan_dahdi\.conf:3: unknown key 'cidsignaling' \(did you mean 'cidsignalling'\?\)$/m);

  const good = pbxCheck({
    'pbx.conf': PBX_CONF,
    'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\ncontext = phones\nchannel => 1\nsignalling = fxs_ks\ncontext = from-pstn\nchannel => 2\n',
    'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 21,1,Dial(DAHDI/1)\n[from-pstn]\nexten => s,1,Dial(SIP/2000)\n',
  });
  if (existsSync('/proc/dahdi')) return; // a box with DAHDI: the result depends on its channels
  assert.equal(good.status, 0, good.out);
  assert.match(good.out, /^warning: chan_dahdi\.conf: cannot verify DAHDI channels: DAHDI not loaded \(no \/proc\/dahdi\)$/m);
  assert.match(good.out, /^analog ports OK \(dahdi backend\): 1 fxs, 2 fxo$/m);
});
