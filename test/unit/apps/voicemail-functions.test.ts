/**
 * MailboxExists, HasVoicemail/HasNewVoicemail, VMCOUNT, VM_INFO and MAILBOX_EXISTS read the
 * configuration and the live spool: a message committed to the spool shows at once.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VoicemailRuntime } from '../../../src/apps/voicemail/runtime.ts';
import { parseBoxFolder } from '../../../src/apps/voicemail/lookup.ts';
import { defaultVoicemailGeneral } from '../../../src/config/voicemail-conf.ts';
import type { Mailbox, VoicemailConfig } from '../../../src/config/voicemail-model.ts';
import { voicemailApplications } from '../../../src/dialplan/apps/voicemail.ts';
import type { ApplicationDeps } from '../../../src/dialplan/apps/deps.ts';
import { MAILBOX_EXISTS, VM_INFO, VMCOUNT } from '../../../src/dialplan/functions/voicemail.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import { substitute, withFunctions } from '../../../src/dialplan/expr/substitute.ts';
import type { FunctionEnv } from '../../../src/dialplan/types.ts';
import { FileVoicemailSpool } from '../../../src/store/voicemail-spool.ts';
import { recordingHeader } from '../../../src/media/recording-format.ts';
import { fakeLookup, find, finish, harness } from '../dialplan/apps-media-fixtures.ts';

let dir: string;
let runtime: VoicemailRuntime;
let spool: FileVoicemailSpool;

function box(b: string, extra: Partial<Mailbox> = {}): Mailbox {
  return { context: 'default', box: b, pinLocked: false, fullName: `Owner ${b}`, options: { other: {} }, fromPbxConf: false, origin: { file: 'voicemail.conf', line: 1 }, ...extra };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-vm-fn-'));
  const config: VoicemailConfig = {
    general: { ...defaultVoicemailGeneral(), formats: ['wav'] },
    zones: new Map(),
    contexts: new Map([
      ['default', new Map([['2000', box('2000', { email: 'joe@example.com', pin: '4711', options: { tz: 'central', other: {} } })]])],
      ['office', new Map([['300', box('300', { context: 'office' })]])],
    ]),
  };
  spool = new FileVoicemailSpool({ root: join(dir, 'voicemail'), volatile: false });
  runtime = { config: () => config, spool, messageLeft: () => {}, logins: { allowed: () => true, failed: () => {}, succeeded: () => {} } };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function leave(context: string, b: string, folder: 'INBOX' | 'Old' | 'Urgent' = 'INBOX'): void {
  const rec = spool.startMessage(context, b, folder, ['wav']);
  rec.append('wav', recordingHeader('wav'));
  rec.append('wav', new Uint8Array(16000));
  rec.commit({ origmailbox: b, context, macrocontext: '', exten: b, rdnis: 'unknown', priority: '1', callerchan: 'SIP/x', callerid: '2001', origdate: '', origtime: '0', category: '', msg_id: `0-${Math.random()}`, flag: folder === 'Urgent' ? 'Urgent' : '', duration: '1' });
}

const env = (): FunctionEnv => ({ voicemail: () => runtime }) as unknown as FunctionEnv;

test('the functions are registered', () => {
  const reg = createFunctionRegistry();
  for (const n of ['VMCOUNT', 'VM_INFO', 'MAILBOX_EXISTS']) assert.ok(reg.has(n), n);
});

test('MAILBOX_EXISTS and VM_INFO(...,exists) follow the configuration', () => {
  assert.equal(MAILBOX_EXISTS.read!('2000', env()), '1');
  assert.equal(MAILBOX_EXISTS.read!('2000@default', env()), '1');
  assert.equal(MAILBOX_EXISTS.read!('300', env()), '0', 'the context defaults to default');
  assert.equal(MAILBOX_EXISTS.read!('300@office', env()), '1');
  assert.equal(MAILBOX_EXISTS.read!('2000', { voicemail: () => undefined } as unknown as FunctionEnv), '0', 'without voicemail nothing exists');
  assert.equal(VM_INFO.read!('2000,exists', env()), '1');
  assert.equal(VM_INFO.read!('2999,exists', env()), '0');
  assert.equal(VM_INFO.read!('2000,email', env()), 'joe@example.com');
  assert.equal(VM_INFO.read!('2000,fullname', env()), 'Owner 2000');
  assert.equal(VM_INFO.read!('2000,tz', env()), 'central');
  assert.equal(VM_INFO.read!('2000,password', env()), '4711');
  spool.setStoredPin('default', '2000', '9876');
  assert.equal(VM_INFO.read!('2000,password', env()), '9876', 'a PIN changed from the phone wins');
  assert.throws(() => VM_INFO.read!('2000,colour', env()));
});

test('VMCOUNT and VM_INFO(count) read live counts; INBOX includes Urgent', () => {
  assert.equal(VMCOUNT.read!('2000', env()), '0');
  leave('default', '2000');
  leave('default', '2000');
  leave('default', '2000', 'Urgent');
  leave('default', '2000', 'Old');
  assert.equal(VMCOUNT.read!('2000', env()), '3');
  assert.equal(VMCOUNT.read!('2000@default,Old', env()), '1');
  assert.equal(VMCOUNT.read!('2000,Urgent', env()), '1');
  assert.equal(VM_INFO.read!('2000,count', env()), '3');
  assert.equal(VM_INFO.read!('2000,count,Old', env()), '1');
  assert.equal(VMCOUNT.read!('2000&300@office', env()), '3');
  assert.equal(VMCOUNT.read!('4444', env()), '0');
});

test('MailboxExists sets VMBOXEXISTSSTATUS; HasVoicemail / HasNewVoicemail set HASVMSTATUS and the variable, j jumps n+101', async () => {
  const h = harness({ lookup: fakeLookup({ ivr: { s: 102 } }) });
  const apps = voicemailApplications({ voicemail: () => runtime } as unknown as ApplicationDeps, { clock: h.clock });
  const run = async (name: string, args: string) => {
    const r = h.start(find(apps, name), args);
    await finish(h, r);
    return r.result;
  };
  assert.deepEqual(await run('MailboxExists', '2000'), { kind: 'next' });
  assert.equal(h.channel.variables.get('VMBOXEXISTSSTATUS'), 'SUCCESS');
  await run('MailboxExists', '2001@default');
  assert.equal(h.channel.variables.get('VMBOXEXISTSSTATUS'), 'FAILED');
  assert.deepEqual(await run('MailboxExists', '2000,j'), { kind: 'goto', priority: 102 });

  assert.deepEqual(await run('HasNewVoicemail', '2000,COUNT,j'), { kind: 'next' }, 'no message: no jump');
  assert.equal(h.channel.variables.get('HASVMSTATUS'), '0');
  leave('default', '2000');
  assert.deepEqual(await run('HasNewVoicemail', '2000,COUNT,j'), { kind: 'goto', priority: 102 });
  assert.equal(h.channel.variables.get('COUNT'), '1');
  leave('office', '300', 'Old');
  await run('HasVoicemail', '300/Old@office,N');
  assert.equal(h.channel.variables.get('N'), '1');
  assert.deepEqual(parseBoxFolder('300@office:Old'), { box: '300', context: 'office', folder: 'Old' });
});

test('${VMCOUNT(...)} and ${MAILBOX_EXISTS(...)} in dialplan text see the voicemail runtime (the substitution environment passes it through)', () => {
  leave('default', '2000');
  const base = { channel: undefined, globals: new Map(), db: undefined, lookup: undefined, now: () => 0, env: () => undefined, setEnv: () => {}, log: () => {}, voicemail: () => runtime } as unknown as FunctionEnv;
  const env = withFunctions(base, createFunctionRegistry());
  assert.equal(substitute('${VMCOUNT(2000)}/${MAILBOX_EXISTS(2000)}', env), '1/1');
});
