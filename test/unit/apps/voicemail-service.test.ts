/**
 * The running voicemail service: the RAM warning at boot, messageLeft reaching its listeners
 * (a failing one never reaches the caller), the config in force after a reload, and the login
 * guard locking a source out after too many wrong PINs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.ts';
import type { PbxConfig } from '../../../src/config/index.ts';
import type { Logger } from '../../../src/log/index.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { VOLATILE_WARNING, VoicemailService, loginGuard } from '../../../src/runtime/voicemail-service.ts';
import type { StoredMessage, VoicemailSpool } from '../../../src/store/voicemail-types.ts';

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    module: 'voicemail',
    error: (m) => lines.push(`error: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    verbose: (_l, m) => lines.push(`verbose: ${m}`),
    debug: () => {},
    isVerbose: () => true,
    isDebug: () => false,
    child: () => log,
  };
  return log;
}

const PBX = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n';

function config(extra = ''): PbxConfig {
  const r = loadConfig({ files: { 'pbx.conf': PBX + extra } });
  assert.ok(r.config, JSON.stringify(r.errors));
  return r.config;
}

const spool = (volatile: boolean): VoicemailSpool => ({ root: '/x/voicemail', volatile }) as VoicemailSpool;

test('a spool in RAM is a warning at boot; on disk it is not', () => {
  const lines: string[] = [];
  new VoicemailService({ config: () => config(), clock: new FakeClock(), log: recordingLog(lines), spool: spool(true), mail: false });
  assert.deepEqual(lines, [`warning: ${VOLATILE_WARNING}`]);
  const quiet: string[] = [];
  new VoicemailService({ config: () => config(), clock: new FakeClock(), log: recordingLog(quiet), spool: spool(false), mail: false });
  assert.deepEqual(quiet, []);
});

test('messageLeft logs, reaches every listener, and a throwing listener stays inside', () => {
  const lines: string[] = [];
  let current = config();
  const vm = new VoicemailService({ config: () => current, clock: new FakeClock(), log: recordingLog(lines), spool: spool(false), mail: false });
  const heard: string[] = [];
  vm.onMessageLeft(() => {
    throw new Error('smarthost exploded');
  });
  const off = vm.onMessageLeft((m, msg) => heard.push(`${m.box} ${msg.index}`));
  const box = vm.config().contexts.get('default')!.get('2000')!;
  const msg = { basePath: '/x/voicemail/default/2000/INBOX/msg0000', index: 0, info: { duration: '7', callerid: '"Bob" <2001>' } } as StoredMessage;
  vm.messageLeft(box, msg);
  assert.deepEqual(heard, ['2000 0']);
  assert.ok(lines.some((l) => l.startsWith('verbose: Saving message as is: /x/voicemail/default/2000/INBOX/msg0000')));
  assert.ok(lines.some((l) => l.includes('smarthost exploded')));
  off();
  vm.messageLeft(box, msg);
  assert.deepEqual(heard, ['2000 0']);
  // A reload swaps PbxConfig; the service reads the one in force.
  current = config('2001 = river-lamp-77, Bob\n');
  assert.ok(vm.config().contexts.get('default')!.has('2001'));
});

test('logins: a source is locked out after the SIP ban threshold of wrong PINs, and only that source', () => {
  const clock = new FakeClock();
  const cfg = config();
  const guard = loginGuard(clock, () => cfg);
  const threshold = cfg.sip.authFailBanThreshold > 0 ? cfg.sip.authFailBanThreshold : 10;
  for (let i = 0; i < threshold; i++) {
    assert.equal(guard.allowed('192.0.2.7'), true, `attempt ${i + 1} allowed`);
    guard.failed('192.0.2.7');
  }
  assert.equal(guard.allowed('192.0.2.7'), false);
  assert.equal(guard.allowed('192.0.2.8'), true);
  clock.advance(cfg.sip.banSeconds * 1000 + 1);
  assert.equal(guard.allowed('192.0.2.7'), true, 'the lockout ends');
});
