/**
 * `npm start`'s configuration: the bundle runs with --demo, and a phone registers with the
 * credentials the README gives (so the README stays true). The test's demo runs beside any demo
 * the user has running: its own state directory (--demo-dir) and a free port on 127.0.0.1
 * (--sip), never /tmp/pbx-demo or 5060. A second PBX on a port already taken stops at once with
 * one line naming the port.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, ROOT, freePort, runSipp, sleep } from './harness.ts';

let dir: string;
let port: number;
let child: ChildProcess;
let out = '';
let exited: Promise<number | null>;
const demoArgs = (): string[] => ['--demo', '--demo-dir', join(dir, 'demo'), '--sip', `127.0.0.1:${port}`];
const rx = (command: string): string => spawnSync(process.execPath, [BUNDLE, '-rx', command, ...demoArgs()], { encoding: 'utf8' }).stdout;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-demo-test-'));
  port = await freePort();
  child = spawn(process.execPath, [BUNDLE, 'run', ...demoArgs()], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b) => (out += b));
  child.stderr?.on('data', (b) => (out += b));
  exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !/SIP ready/.test(out)) await sleep(50);
});

after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('the demo runs and the README credentials register', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| (20\d\d) +\| ([a-z0-9-]+) +\| \w+ +\|$/gm)].map((m) => [m[1], m[2]]);
  assert.equal(rows.length, 2, 'README lists the two demo phones');
  assert.match(out, new RegExp(`SIP ready on 127\\.0\\.0\\.1:${port}`));
  for (const [ext, secret] of rows) {
    const r = await runSipp('register-auth.xml', port, ['-s', ext, '-au', ext, '-ap', secret, '-set', 'expires', '60']);
    assert.equal(r.status, 0, `${ext} registers with the README password\n${r.errors}`);
  }
  const peers = rx('sip show peers');
  assert.match(peers, /^2000\/2000\s+127\.0\.0\.1/m);
  assert.match(peers, /^2001\/2001\s+127\.0\.0\.1/m);
  // The demo's conference room is in the dialplan it runs (MeetMe is a real application there).
  assert.match(rx('dialplan show 800@demo'), /'800' =>\s+1\. MeetMe\(800,dMp\)/);
});

test('a second PBX on the same port stops with one line naming the port; the first keeps running', () => {
  const second = spawnSync(process.execPath, [BUNDLE, 'run', '--demo', '--demo-dir', join(dir, 'second'), '--sip', `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(second.status, 1);
  const all = `${second.stdout}${second.stderr}`;
  const lines = all.split('\n').filter((l) => /cannot listen|EADDRINUSE|address already in use/.test(l));
  assert.equal(lines.length, 1, `one line about it, not a stack or a repeat:\n${all}`);
  assert.match(lines[0], new RegExp(`cannot listen for SIP on 127\\.0\\.0\\.1:${port}: port ${port} is in use by another program \\(maybe another PBX`));
  assert.match(rx('core show uptime'), /System uptime/, 'the first demo still answers');
});

test('SIGTERM stops the demo cleanly', async () => {
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
