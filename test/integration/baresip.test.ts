/**
 * baresip (Debian's, libre 1.0) as a real phone: registers with digest auth, answers our
 * qualify OPTIONS, and unregisters on exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';

async function baresipConfig(user: string, password: string, pbxPort: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module_app account.so',
      'audio_player aufile,/dev/null',
      'audio_source aufile,/dev/null',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${pbxPort}>;auth_pass=${password};regint=600\n`);
  return dir;
}

describe('baresip registers', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx();
  });
  after(async () => {
    await pbx.stop();
  });

  test('baresip registers as 2001, is qualified OK, and unregisters when it quits', async () => {
    const dir = await baresipConfig('2001', 'Secr3t-2001', pbx.port);
    const child = spawn('baresip', ['-4', '-f', dir, '-t', '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      const deadline = Date.now() + 5000;
      let peers = '';
      while (Date.now() < deadline) {
        peers = pbx.rx('sip show peers');
        if (/^2001\/2001\s+127\.0\.0\.1\s+D\s+\S+\s+\d+\s+OK \(\d+ ms\)/m.test(peers)) break;
        await sleep(200);
      }
      assert.match(peers, /^2001\/2001\s+127\.0\.0\.1\s+D\s+\S+\s+\d+\s+OK \(\d+ ms\)/m, `${peers}\n${out}`);
      assert.match(pbx.rx('sip show registrations'), /baresip/);
      await exited;
      // baresip's stdout is block-buffered on a pipe: read it once it has exited.
      assert.match(out, /200 OK .*\[1 binding\]/);
      await sleep(300);
      assert.doesNotMatch(pbx.rx('sip show registrations'), /baresip/, 'unregistered on exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
