/**
 * The line engine's dahdi backend on real DAHDI kernel code, without the PBX: the firmware image
 * booted in QEMU (TCG) to its rescue shell, DAHDI loaded with two cross-connected
 * `dahdi_dynamic_loc` spans (channels 1-4 fxoks, 5-8 fxsks, N wired to N+4), and the addon built
 * on this host (the code under test, copied onto the card's config partition with a guest
 * script, test/firmware/guest/dahdi-engine-check.mjs) driving an FXS port and the FXO port wired
 * to it: ringing with caller ID (Bell 202 after the first ring in the US, V.23 before it in the
 * UK), answer, DTMF, audio, busy tone, loop drop, release. Then the errors a user meets: a
 * channel with the wrong signalling, one not configured, one in use, a tone zone not loaded.
 * test/firmware/dahdi.test.ts runs whole calls through the PBX on the same loop.
 *
 * Runs only with PBX_FIRMWARE_TEST=1 (see boot.test.ts); builds the image when missing or stale.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard, buildPaths, packageVersion, REPO } from '../../firmware/lib/board.mjs';
import { QemuGuest, ensureImage, partitions, waitRescueShell, writeCfFile } from './qemu-guest.ts';

const enabled = process.env.PBX_FIRMWARE_TEST === '1';
const boardName = process.env.PBX_FIRMWARE_BOARD ?? 'apu';
const skip = enabled ? false : 'set PBX_FIRMWARE_TEST=1 to boot the image in QEMU TCG and drive the dahdi backend on looped spans (~5 min)';

const SYSTEM_CONF = `dynamic=loc,1:0,4,0
dynamic=loc,1:1,4,0
fxoks=1-4
fxsks=5-8
loadzone=us
loadzone=uk
defaultzone=us
`;

/** Copies a host file (binary) onto the card's config partition, as a PC would. */
function copyToCf(card: string, file: string, name: string): void {
  const cf = partitions(card)[2]!;
  const r = spawnSync('mcopy', ['-o', '-i', `${card}@@${cf.start * 512}`, file, `::/${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mcopy ${name}: ${r.stderr}`);
}

/** The guest script's verdicts (its last `RESULTS {...}` line). */
function results(output: string): Record<string, boolean> {
  const m = /^RESULTS (\{.*\})$/m.exec(output);
  assert.ok(m, `the guest check printed no results:\n${output.slice(-3000)}`);
  return JSON.parse(m[1]!) as Record<string, boolean>;
}

describe(`dahdi backend of the line engine on looped dahdi_dynamic_loc spans, ${boardName} image in QEMU`, { skip }, () => {
  const board = loadBoard(boardName);
  const paths = buildPaths(boardName, packageVersion());
  let dir = '';
  let guest: QemuGuest;

  before(async () => {
    ensureImage(boardName, paths.image, REPO);
    dir = mkdtempSync(join(tmpdir(), 'pbx-fw-dahdi-engine-'));
    const card = join(dir, 'card.img');
    copyFileSync(paths.image, card);
    writeCfFile(card, 'system.conf', SYSTEM_CONF);
    copyToCf(card, join(REPO, 'native/build/Release/pbx_native.node'), 'pbx_native.node');
    copyToCf(card, join(REPO, 'test/firmware/guest/dahdi-engine-check.mjs'), 'check.mjs');
    guest = new QemuGuest(board, { image: card, kernel: paths.kernel, initrd: paths.initrd, forwards: [], snapshot: false, rescue: true });
    await waitRescueShell(guest, board, 300_000);
    // /cf is FAT (no exec): the addon is loaded from RAM.
    await guest.sh('cp /cf/pbx_native.node /cf/check.mjs /tmp/');
    const loaded = await guest.sh(
      'modprobe dahdi auto_assign_spans=1 && modprobe dahdi_dynamic && modprobe dahdi_dynamic_loc && dahdi_cfg -c /cf/system.conf && cat /proc/dahdi/1 /proc/dahdi/2',
      120_000,
    );
    assert.match(loaded, /1 DYN\/loc\/1:0\/1 FXOKS/);
    assert.match(loaded, /5 DYN\/loc\/1:1\/1 FXSKS/);
  });

  after(async () => {
    await guest?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of [
    { country: 'us', cid: 'bell202', cadence: '2000,4000', fxs: 1, fxo: 5 },
    { country: 'uk', cid: 'v23', cadence: '400,200,400,2000', fxs: 2, fxo: 6 },
  ]) {
    test(`${c.country} (${c.cid}): FXS ${c.fxs} rings, answers, carries DTMF and audio, drops the loop to FXO ${c.fxo}`, async () => {
      const out = await guest.sh(`COUNTRY=${c.country} CID=${c.cid} CADENCE=${c.cadence} node /tmp/check.mjs /tmp/pbx_native.node ${c.fxs} ${c.fxo} 2>&1`, 600_000);
      const r = results(out);
      const failed = Object.entries(r).filter(([, v]) => !v).map(([k]) => k);
      assert.deepEqual(failed, [], out.slice(-4000));
      assert.ok(Object.keys(r).length >= 18, out.slice(-2000));
    });
  }

  test('what a user gets wrong is named: signalling, unconfigured or busy channel, tone zone not loaded', async () => {
    const script = [
      "const b=require('/tmp/pbx_native.node');",
      "const t=(ports,country)=>{const e=b.createLineEngine({backend:'dahdi',ports,country:country||'us'});try{e.start(()=>{});return e}catch(x){console.log('ERR '+x.message)}};",
      "t([{kind:'fxs',channel:5}]); t([{kind:'fxo',channel:1}]); t([{kind:'fxs',channel:9}]);",
      "const a=t([{kind:'fxs',channel:3}],'de'); console.log('WARN '+JSON.stringify(a.warnings())); t([{kind:'fxs',channel:3}]); a.stop();",
    ].join('');
    const out = await guest.sh(`node -e "${script}" 2>&1`, 120_000);
    assert.match(out, /ERR lineEngine\.start: DAHDI channel 5 is fxsks in system\.conf, but it is configured as an FXS port \(a phone\): an FXS port needs FXO signalling/);
    assert.match(out, /ERR lineEngine\.start: DAHDI channel 1 is fxoks in system\.conf, but it is configured as an FXO port \(a line\)/);
    assert.match(out, /ERR lineEngine\.start: DAHDI channel 9 is not configured \(system\.conf\)/);
    assert.match(out, /WARN \["DAHDI tone zone 'de' is not loaded \(system\.conf loadzone=de\): channels keep the default zone"\]/);
    assert.match(out, /ERR lineEngine\.start: DAHDI channel 3 is in use by another program/);
  });
});
