/** `voicemail show users|zones`: app_voicemail's columns, contexts, NewMsg from the spool, the RAM warning. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { registerVoicemailCommands, VOLATILE_SPOOL_LINE, type ConsoleVoicemail } from '../../../src/cli/commands/voicemail.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { VoicemailConfig } from '../../../src/config/voicemail-model.ts';
import type { MessageCounts, VoicemailSpool } from '../../../src/store/voicemail-types.ts';

function config(vm: string): VoicemailConfig {
  const r = loadConfig({ files: { 'pbx.conf': '[phones]\n2000 = amber-kettle-42, Alice\n', 'voicemail.conf': vm } });
  assert.deepEqual(r.errors, []);
  return r.config!.voicemail;
}

/** Only what the commands read: counts() and volatile. */
function spool(newByBox: Record<string, number>, volatile = false): VoicemailSpool {
  const counts = (context: string, box: string): MessageCounts => ({ newMessages: newByBox[`${box}@${context}`] ?? 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 });
  return { volatile, counts } as unknown as VoicemailSpool;
}

function setup(provider: () => ConsoleVoicemail): (line: string) => Promise<{ ok: boolean; output: string }> {
  const r = new CommandRegistry();
  registerVoicemailCommands(r, provider);
  return (line) => r.execute(line, { print: () => {} });
}

const VM = [
  '[general]',
  'tz = eastern',
  '[zonemessages]',
  "eastern = America/New_York|'vm-received' Q 'digits/at' IMp",
  "military = Zulu|'vm-received' q 'digits/at' H N 'hours' 'phonetic/z_p'",
  '[default]',
  '1234 => 4242,Example Mailbox,root@localhost',
  '[sales]',
  '3000 => 739184,Sales Desk,,,tz=military',
].join('\n');

describe('voicemail console commands', () => {
  test('show users: Context, Mbox, User, Zone, NewMsg as app_voicemail prints them, with the count', async () => {
    const run = setup(() => ({ config: config(VM), spool: spool({ '2000@default': 2, '3000@sales': 11 }) }));
    const out = await run('voicemail show users');
    assert.equal(out.ok, true);
    assert.equal(
      out.output,
      [
        'Context    Mbox  User                      Zone       NewMsg',
        'default    2000  Alice                     eastern         2',
        'default    1234  Example Mailbox           eastern         0',
        'sales      3000  Sales Desk                military       11',
        '3 voicemail users configured.',
      ].join('\n'),
    );
  });

  test('show users for CONTEXT, and an unknown context', async () => {
    const run = setup(() => ({ config: config(VM), spool: spool({}) }));
    assert.equal(
      (await run('voicemail show users for sales')).output,
      ['Context    Mbox  User                      Zone       NewMsg', 'sales      3000  Sales Desk                military        0', '1 voicemail users configured.'].join('\n'),
    );
    assert.equal((await run('voicemail show users for nowhere')).output, 'No such voicemail context "nowhere"');
    const bad = await run('voicemail show users sales');
    assert.equal(bad.ok, false);
    assert.match(bad.output, /Usage: voicemail show users \[for <context>\]/);
  });

  test('a spool in RAM says so; without a spool NewMsg is 0', async () => {
    const inRam = setup(() => ({ config: config('[general]\n'), spool: spool({ '2000@default': 1 }, true) }));
    assert.equal(
      (await inRam('voicemail show users')).output,
      ['Context    Mbox  User                      Zone       NewMsg', `default    2000  Alice${' '.repeat(37)}1`, '1 voicemail users configured.', VOLATILE_SPOOL_LINE].join('\n'),
    );
    const none = setup(() => ({ config: config('[general]\n') }));
    assert.match((await none('voicemail show users')).output, /^default {4}2000 {2}Alice {37}0$/m);
    assert.doesNotMatch((await none('voicemail show users')).output, /RAM/);
  });

  test('no boxes at all', async () => {
    const run = setup(() => ({ config: loadConfig({ files: { 'pbx.conf': '' } }).config!.voicemail }));
    assert.equal((await run('voicemail show users')).output, 'There are no voicemail users currently defined');
    assert.equal((await run('voicemail show zones')).output, 'There are no voicemail zones currently defined');
  });

  test('show zones: Zone, Timezone, Message Format', async () => {
    const run = setup(() => ({ config: config(VM) }));
    assert.equal(
      (await run('voicemail show zones')).output,
      [
        'Zone            Timezone             Message Format',
        "eastern         America/New_York     'vm-received' Q 'digits/at' IMp",
        "military        Zulu                 'vm-received' q 'digits/at' H N 'hours' 'phonetic/z_p'",
      ].join('\n'),
    );
  });

  test('the provider is read on every run (a reload shows at once)', async () => {
    let current = config('[general]\n');
    const run = setup(() => ({ config: current }));
    assert.match((await run('voicemail show users')).output, /1 voicemail users configured/);
    current = config(VM);
    assert.match((await run('voicemail show users')).output, /3 voicemail users configured/);
  });
});
