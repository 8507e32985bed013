/**
 * Two real phones (Debian's baresip) call each other through the PBX: 2000 plays a 1 kHz tone
 * from a WAV file, 2001 an 800 Hz tone; each records what it hears (baresip's sndfile module),
 * and the recordings are checked for the other side's frequency. Hanging up 2000 sends BYE to 2001.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { readWav, writeWav } from '../../src/media/wav.ts';
import { dominantFrequency, rms } from '../../src/media/goertzel.ts';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

function toneWav(path: string, hz: number, seconds: number): void {
  const data = new Int16Array(8000 * seconds);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(12000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  writeFileSync(path, writeWav({ format: 'slin', data }));
}

interface Phone {
  dir: string;
  proc: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}

async function baresip(work: string, name: string, account: string, source: string, args: string[]): Promise<Phone> {
  const dir = join(work, name);
  mkdirSync(join(dir, 'rec'), { recursive: true });
  // baresip also binds port+1 (for TLS): take a port whose neighbour is free too.
  let port = await freePort();
  for (let i = 0; i < 20 && !(await tcpFree(port + 1)); i++) port = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module aufile.so',
      'module sndfile.so',
      'module_app account.so',
      'module_app menu.so',
      'audio_player aubridge,nil',
      `audio_source aufile,${source}`,
      `snd_path ${join(dir, 'rec')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `${account}\n`);
  // stdin stays an open pipe: at EOF baresip's menu spins on its input. Output is kept bounded
  // (baresip prints a status line many times a second).
  const proc = spawn('baresip', ['-4', '-f', dir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { dir, proc, out: () => out, exited };
}

/** The dominant frequency of the last seconds of what a phone heard (decoded audio). */
function heard(phone: Phone): { hz: number; level: number } {
  const rec = readdirSync(join(phone.dir, 'rec')).find((f) => f.endsWith('-dec.wav'));
  assert.ok(rec, `${phone.dir}: baresip recorded what it heard`);
  const wav = readWav(new Uint8Array(readFileSync(join(phone.dir, 'rec', rec))));
  assert.equal(wav.format, 'slin');
  const samples = (wav.data as Int16Array).subarray(-8000 * 2 - 4000, -4000);
  return { hz: dominantFrequency(samples).hz, level: rms(samples) };
}

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
