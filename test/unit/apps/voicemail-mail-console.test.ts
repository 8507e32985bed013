/** `voicemail show mailqueue` and `voicemail mailqueue flush` on a real queue driven by the fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { registerVoicemailMailCommands } from '../../../src/cli/commands/voicemail-mail.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { MailQueue } from '../../../src/apps/voicemail/mail-queue.ts';

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('show mailqueue lists attempts, next try and the last SMTP error; flush retries now', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-mailq-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 14, 0, 0));
  let up = false;
  let sent = 0;
  const q = new MailQueue({
    dir,
    clock,
    log: { error() {}, warning() {}, verbose() {} },
    send: async () => {
      if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:25');
      sent++;
    },
  });
  q.start();
  const registry = new CommandRegistry();
  let running: MailQueue | undefined;
  registerVoicemailMailCommands(registry, () => running, () => clock.wallNow());
  const run = async (line: string): Promise<string> => (await registry.execute(line, { print: () => {} })).output;

  assert.equal(await run('voicemail show mailqueue'), 'Voicemail mail is not running (no voicemail configured).');
  running = q;
  assert.equal(await run('voicemail show mailqueue'), '0 mails queued');
  const id = q.enqueue({ kind: 'email', mailbox: '2000@default', from: { name: 'A', address: 'a@b' }, to: { name: 'Alice', address: 'alice@example.com' }, subject: 's', text: 't', date: 0 });
  clock.advance(0);
  await settle();
  const out = await run('voicemail show mailqueue');
  const lines = out.split('\n');
  assert.match(lines[0], /^ID +Mailbox +To +Attempts +Next try +Bytes$/);
  assert.match(lines[1], new RegExp(`^${id} +2000@default +alice@example\\.com +1 +2026-12-07 14:00:30 UTC +\\d+$`));
  assert.equal(lines[2], `${id}: connect ECONNREFUSED 127.0.0.1:25`);
  assert.equal(lines[3], '1 mail queued');
  up = true;
  assert.equal(await run('voicemail mailqueue flush'), 'Retrying 1 queued mail now.');
  clock.advance(0);
  await settle();
  assert.equal(sent, 1);
  assert.equal(await run('voicemail show mailqueue'), '0 mails queued');
  await q.close();
});
