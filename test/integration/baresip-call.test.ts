/**
 * Two real phones (Debian's baresip) call each other through the PBX: 2000 plays a 1 kHz tone
 * from a WAV file, 2001 an 800 Hz tone; each records what it hears (baresip's sndfile module),
 * and the recordings are checked for the other side's frequency. Hanging up 2000 sends BYE to 2001.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, startPbx, type PbxProcess } from './harness.ts';
import { baresip, heard, toneWav, type Phone } from './baresip-phone.ts';

describe('a call between two baresip phones through the PBX', () => {
  let pbx: PbxProcess;
  let work: string;
  before(async () => {
    pbx = await startPbx();
    work = mkdtempSync(join(tmpdir(), 'baresip-call-'));
  });
  after(async () => {
    await pbx.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('tones cross in both directions and hanging up sends BYE to the other side', async () => {
    toneWav(join(work, '1000.wav'), 1000, 15);
    toneWav(join(work, '800.wav'), 800, 15);
    const callee = await baresip(work, 'b', `<sip:2001@127.0.0.1:${pbx.port}>;auth_pass=Secr3t-2001;regint=600;answermode=auto`, join(work, '800.wav'), ['-t', '14']);
    let caller: Phone | undefined;
    try {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !/^2001\s/m.test(pbx.rx('sip show registrations'))) await sleep(100);
      caller = await baresip(work, 'a', `<sip:2000@127.0.0.1:${pbx.port}>;auth_pass=Secr3t-2000;regint=600`, join(work, '1000.wav'), ['-t', '7', '-e', '/dial 2001']);
      await sleep(3500);
      assert.match(pbx.rx('core show channels'), /2 active channels?/);
      await caller.exited;
      // 2001 hears the BYE that 2000's hang-up caused.
      const byeDeadline = Date.now() + 5000;
      while (Date.now() < byeDeadline && !/Call with sip:2000@.* terminated/.test(callee.out())) await sleep(100);
      assert.match(callee.out(), /Call established: sip:2000@/);
      assert.match(callee.out(), /Call with sip:2000@.* terminated/);
      assert.match(caller.out(), /Call established: sip:2001@/);
      assert.match(pbx.rx('core show channels'), /^0 active channels?/m);

      const atCallee = heard(callee);
      const atCaller = heard(caller);
      assert.ok(atCallee.level > 1000, `2001 heard audio (rms ${atCallee.level})`);
      assert.ok(Math.abs(atCallee.hz - 1000) <= 15, `2001 heard ${atCallee.hz} Hz, expected 1000`);
      assert.ok(atCaller.level > 1000, `2000 heard audio (rms ${atCaller.level})`);
      assert.ok(Math.abs(atCaller.hz - 800) <= 15, `2000 heard ${atCaller.hz} Hz, expected 800`);
    } finally {
      for (const p of [caller, callee]) {
        if (p && p.proc.exitCode === null) p.proc.kill('SIGTERM');
        p?.proc.stdin?.end();
        if (p) await p.exited;
      }
    }
  });
});
