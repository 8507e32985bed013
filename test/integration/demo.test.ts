/**
 * `npm start`'s configuration: the bundle runs with --demo, and a phone registers with the
 * credentials the README gives (so the README stays true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, ROOT, runSipp, sleep } from './harness.ts';

test('the demo runs and the README credentials register', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| (20\d\d) +\| ([a-z0-9-]+) +\| \w+ +\|$/gm)].map((m) => [m[1], m[2]]);
  assert.equal(rows.length, 2, 'README lists the two demo phones');
  const child = spawn(process.execPath, [BUNDLE, 'run', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !/SIP ready/.test(out)) await sleep(50);
    assert.match(out, /SIP ready on 0\.0\.0\.0:5060/);
    for (const [ext, secret] of rows) {
      const r = await runSipp('register-auth.xml', 5060, ['-s', ext, '-au', ext, '-ap', secret, '-set', 'expires', '60']);
      assert.equal(r.status, 0, `${ext} registers with the README password\n${r.errors}`);
    }
    const peers = spawnSync(process.execPath, [BUNDLE, '-rx', 'sip show peers', '--demo'], { encoding: 'utf8' }).stdout;
    assert.match(peers, /^2000\/2000\s+127\.0\.0\.1/m);
    assert.match(peers, /^2001\/2001\s+127\.0\.0\.1/m);
    // The demo's conference room is in the dialplan it runs (MeetMe is a real application there).
    const room = spawnSync(process.execPath, [BUNDLE, '-rx', 'dialplan show 800@demo', '--demo'], { encoding: 'utf8' }).stdout;
    assert.match(room, /'800' =>\s+1\. MeetMe\(800,dMp\)/);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM stops the PBX cleanly');
  }
});
