/**
 * The persistent mail queue and the notifier on the fake clock: nothing is sent before the
 * job is on disk, the retry schedule (30 s doubling to 30 min), a 5xx rejection kept in failed/,
 * jobs surviving a new instance, the size bound dropping the oldest recording (not the mail),
 * and messageLeft's `delete`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { MailQueue, type QueuedMail, type SendMail, type MailLog } from '../../../src/apps/voicemail/mail-queue.ts';
import type { ComposedMail } from '../../../src/apps/voicemail/mail-compose.ts';
import { createMailNotifier } from '../../../src/apps/voicemail/mail-notifier.ts';
import { defaultVoicemailGeneral } from '../../../src/config/voicemail-conf.ts';
import type { Mailbox, VoicemailConfig } from '../../../src/config/voicemail-model.ts';
import type { StoredMessage } from '../../../src/store/voicemail-types.ts';

class Log implements MailLog {
  lines: string[] = [];
  error(msg: string): void {
    this.lines.push(`ERROR ${msg}`);
  }
  warning(msg: string): void {
    this.lines.push(`WARNING ${msg}`);
  }
  verbose(): void {}
  of(kind: 'ERROR' | 'WARNING'): string[] {
    return this.lines.filter((l) => l.startsWith(kind));
  }
}

/** A sender the test scripts: each call resolves or rejects as `outcome` says at that moment. */
function scriptedSender(clock: FakeClock) {
  const calls: { at: number; mail: QueuedMail }[] = [];
  const state = { outcome: 'ok' as 'ok' | 'down' | 'reject' };
  const send: SendMail = async (mail) => {
    calls.push({ at: clock.now(), mail });
    if (state.outcome === 'down') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { permanent: false });
    if (state.outcome === 'reject') throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), { permanent: true });
  };
  return { calls, state, send };
}

/** Lets the sender's promise and the queue's follow-up run (they are microtasks, not timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function mail(n: number, withAudio = true): ComposedMail {
  return {
    kind: 'email',
    mailbox: '2000@default',
    from: { name: 'Asterisk PBX', address: 'asterisk@pbx' },
    to: { name: 'Alice', address: 'alice@example.com' },
    subject: `[PBX]: New message ${n} in mailbox 2000`,
    text: `body ${n}`,
    date: 1_796_652_184_000,
    ...(withAudio ? { attachment: { path: '/x/msg0000.wav', filename: `msg${String(n - 1).padStart(4, '0')}.wav`, contentType: 'audio/x-wav' } } : {}),
  };
}

function audio(n: number, size = 1000): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 7 + n) & 0xff);
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-mailq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, '.mailqueue');
}

function jobFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.mail'));
}

test('a queued mail is on disk before anything is sent, then sent once and removed', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  const q = new MailQueue({ dir, clock, send: s.send, log: new Log() });
  q.start();
  q.enqueue(mail(1), audio(1));
  assert.equal(s.calls.length, 0, 'enqueue must not send in the caller');
  assert.equal(jobFiles(dir).length, 1);
  clock.advance(0);
  await settle();
  assert.equal(s.calls.length, 1);
  assert.deepEqual(s.calls[0].mail.attachmentData, audio(1));
  assert.equal(s.calls[0].mail.subject, '[PBX]: New message 1 in mailbox 2000');
  assert.deepEqual(jobFiles(dir), []);
  assert.deepEqual(q.list(), []);
  clock.advance(3_600_000);
  await settle();
  assert.equal(s.calls.length, 1, 'sent exactly once');
  await q.close();
  assert.equal(clock.pending(), 0);
});

test('smarthost down: retries at 30 s, doubling, capped at 30 min, a warning each time; then delivered once', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  const log = new Log();
  const q = new MailQueue({ dir, clock, send: s.send, log });
  q.start();
  s.state.outcome = 'down';
  q.enqueue(mail(1), audio(1));
  for (let i = 0; i < 10; i++) {
    clock.advance(clock.nextAt()! - clock.now());
    await settle();
  }
  const s1 = 1000;
  assert.deepEqual(
    s.calls.map((c) => c.at / s1),
    [0, 30, 90, 210, 450, 930, 1890, 3690, 5490, 7290],
  );
  const warnings = log.of('WARNING');
  assert.equal(warnings.length, 10);
  assert.match(warnings[0], /alice@example\.com not sent \(attempt 1\), retry in 30 s: connect ECONNREFUSED/);
  assert.match(warnings[9], /attempt 10\), retry in 1800 s/);
  const [entry] = q.list();
  assert.equal(entry.attempts, 10);
  assert.equal(entry.nextTry, clock.wallNow() + 1_800_000);
  assert.equal(jobFiles(dir).length, 1, 'nothing lost while the server is down');
  s.state.outcome = 'ok';
  clock.advance(clock.nextAt()! - clock.now());
  await settle();
  assert.equal(s.calls.length, 11);
  assert.deepEqual(jobFiles(dir), []);
  clock.advance(10_000_000);
  await settle();
  assert.equal(s.calls.length, 11);
  await q.close();
});

test('one pause for the whole queue: with the server down, two jobs do not double the connection attempts', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  const q = new MailQueue({ dir, clock, send: s.send, log: new Log() });
  q.start();
  s.state.outcome = 'down';
  q.enqueue(mail(1), audio(1));
  q.enqueue(mail(2), audio(2));
  clock.advance(0);
  await settle();
  clock.advance(30_000);
  await settle();
  assert.deepEqual(s.calls.map((c) => c.at), [0, 30_000]);
  s.state.outcome = 'ok';
  q.flush();
  clock.advance(0);
  await settle();
  clock.advance(0);
  await settle();
  assert.deepEqual(s.calls.slice(2).map((c) => c.mail.text), ['body 1', 'body 2'], 'oldest first, each once');
  await q.close();
});

test('a 5xx rejection is an error and the job is kept in failed/, the next job still goes', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  const log = new Log();
  const q = new MailQueue({ dir, clock, send: s.send, log });
  q.start();
  s.state.outcome = 'reject';
  const id = q.enqueue(mail(1), audio(1));
  clock.advance(0);
  await settle();
  assert.equal(log.of('ERROR').length, 1);
  assert.match(log.of('ERROR')[0], /rejected, kept in \.mailqueue\/failed\/.*550 5\.1\.1/);
  assert.deepEqual(readdirSync(join(dir, 'failed')), [`${id}.mail`]);
  assert.equal(q.failedJobs(), 1);
  s.state.outcome = 'ok';
  q.enqueue(mail(2), audio(2));
  clock.advance(0);
  await settle();
  assert.equal(s.calls.length, 2);
  assert.deepEqual(jobFiles(dir), []);
  await q.close();
});

test('jobs survive a restart: a new instance on the same directory sends them with their recording', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  s.state.outcome = 'down';
  const first = new MailQueue({ dir, clock, send: s.send, log: new Log() });
  first.start();
  first.enqueue(mail(1), audio(1, 5000));
  first.enqueue(mail(2, false));
  clock.advance(0);
  await settle();
  await first.close();
  // A temp file of a write that a power cut interrupted, and a torn job: neither is a mail.
  writeFileSync(join(dir, '.00000000000001-000000.mail.123.tmp'), 'partial');
  writeFileSync(join(dir, '00000000000002-000000.mail'), '{"version":1');

  const clock2 = new FakeClock();
  const s2 = scriptedSender(clock2);
  const log = new Log();
  const second = new MailQueue({ dir, clock: clock2, send: s2.send, log });
  second.start();
  assert.equal(second.list().length, 2);
  clock2.advance(0);
  await settle();
  clock2.advance(0);
  await settle();
  assert.deepEqual(s2.calls.map((c) => c.mail.text), ['body 1', 'body 2']);
  assert.deepEqual(s2.calls[0].mail.attachmentData, audio(1, 5000));
  assert.equal(s2.calls[1].mail.attachmentData, undefined);
  assert.deepEqual(readdirSync(dir).filter((n) => n !== 'failed'), []);
  assert.deepEqual(readdirSync(join(dir, 'failed')), ['00000000000002-000000.mail']);
  assert.match(log.of('ERROR')[0], /unreadable job/);
  await second.close();
});

test('over its bound the queue drops the oldest recording, keeps every mail, and says so', async (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  const log = new Log();
  const q = new MailQueue({ dir, clock, send: s.send, log, maxBytes: 25_000 });
  q.start();
  s.state.outcome = 'down';
  for (let n = 1; n <= 3; n++) q.enqueue(mail(n), audio(n, 10_000));
  assert.equal(log.of('ERROR').length, 1);
  assert.match(log.of('ERROR')[0], /over its bound.*dropped the recording/);
  assert.equal(q.list().length, 3);
  s.state.outcome = 'ok';
  q.flush();
  for (let i = 0; i < 3; i++) {
    clock.advance(0);
    await settle();
  }
  assert.deepEqual(s.calls.map((c) => c.mail.attachmentData?.length), [undefined, 10_000, 10_000]);
  assert.match(s.calls[0].mail.text, /^body 1\n\n\(The recording was not attached: the mail queue was full\.\)/);
  await q.close();
});

function box(over: Partial<Mailbox> = {}): Mailbox {
  return { context: 'default', box: '2000', pinLocked: false, fullName: 'Alice', email: 'alice@example.com', options: { other: {} }, fromPbxConf: false, origin: { file: 'v', line: 1 }, ...over };
}

function stored(dir: string): StoredMessage {
  mkdirSync(join(dir, 'INBOX'), { recursive: true });
  const basePath = join(dir, 'INBOX', 'msg0000');
  writeFileSync(`${basePath}.wav`, audio(9, 2000));
  return {
    context: 'default', box: '2000', folder: 'INBOX', index: 0, basePath, formats: ['wav'], bytes: 2000,
    info: { origmailbox: '2000', context: 'default', macrocontext: '', exten: '2000', rdnis: '', priority: '1', callerchan: 'SIP/2001-1', callerid: '<2001>', origdate: '', origtime: '1796652184', category: '', msg_id: 'x', flag: '', duration: '3' },
  };
}

test('messageLeft returns at once, copies the recording into the job, and with delete=yes removes the message', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pbx-vmspool-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const clock = new FakeClock();
  const s = scriptedSender(clock);
  s.state.outcome = 'down';
  const log = new Log();
  const q = new MailQueue({ dir: join(root, '.mailqueue'), clock, send: s.send, log });
  q.start();
  const removed: StoredMessage[] = [];
  const config: VoicemailConfig = {
    general: { ...defaultVoicemailGeneral(), delete: true },
    zones: new Map(),
    contexts: new Map(),
    smtp: { host: '127.0.0.1', port: 25, security: 'none' },
  };
  const messageLeft = createMailNotifier({
    config: () => config,
    spool: { remove: (m) => { removed.push(m); rmSync(`${m.basePath}.wav`); } },
    queue: q,
    clock,
    hostname: 'pbx',
    formatDate: () => 'DATE',
    log,
  });
  const msg = stored(join(root, 'default', '2000'));
  messageLeft(box(), msg);
  assert.equal(jobFiles(join(root, '.mailqueue')).length, 0, 'the caller is not held up by the queue write');
  clock.advance(0);
  assert.equal(removed.length, 1, 'delete=yes: the message left the box once queued');
  s.state.outcome = 'ok';
  q.flush();
  clock.advance(0);
  await settle();
  assert.equal(s.calls.length, 1);
  assert.deepEqual(s.calls[0].mail.attachmentData, audio(9, 2000), 'the mail still carries the deleted recording');

  // attach=no: the mail carries no audio, so delete=yes must not remove the only copy.
  const msg2 = stored(join(root, 'default', '2000'));
  messageLeft(box({ options: { attach: false, other: {} } }), msg2);
  clock.advance(0);
  assert.equal(removed.length, 1);
  assert.ok(existsSync(`${msg2.basePath}.wav`));

  // A queue that cannot write: logged, nothing thrown, the message stays.
  const broken = createMailNotifier({
    config: () => config, spool: { remove: (m) => removed.push(m) }, clock, hostname: 'pbx', formatDate: () => '', log,
    queue: { enqueue: () => { throw new Error('ENOSPC: no space left on device'); } },
  });
  assert.doesNotThrow(() => broken(box(), msg2));
  clock.advance(0);
  assert.equal(removed.length, 1);
  assert.match(log.of('ERROR').at(-1)!, /could not be queued \(the message stays in the box\): ENOSPC/);
  await settle();
  await q.close();
  assert.equal(clock.pending(), 0);
});
