/**
 * Notification mail through a REAL SMTP server (python3-aiosmtpd on 127.0.0.1, started here)
 * with the real nodemailer transport: the substituted subject and body arrive, the WAV
 * attachment decodes to the tone that was recorded; with the server down the job waits on disk
 * and arrives exactly once when it is up; a 550 is kept in failed/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../../src/platform/clock.ts';
import { VoicemailMail } from '../../../src/apps/voicemail/mail-service.ts';
import type { MailLog } from '../../../src/apps/voicemail/mail-queue.ts';
import { defaultVoicemailGeneral } from '../../../src/config/voicemail-conf.ts';
import type { Mailbox, SmtpSettings, VoicemailConfig } from '../../../src/config/voicemail-model.ts';
import type { StoredMessage } from '../../../src/store/voicemail-types.ts';
import { readWav, writeWav } from '../../../src/media/wav.ts';
import { dominantFrequency } from '../../../src/media/goertzel.ts';
import { freePort, sleep } from '../../integration/harness.ts';
import { SKIP_NO_AIOSMTPD, startSmtpSink } from '../../integration/smtp-sink.ts';

const TONE_HZ = 697;

function toneWav(hz: number, seconds: number): Uint8Array {
  const data = new Int16Array(8000 * seconds);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return writeWav({ format: 'slin', data });
}

class Log implements MailLog {
  lines: string[] = [];
  error(m: string): void {
    this.lines.push(`ERROR ${m}`);
  }
  warning(m: string): void {
    this.lines.push(`WARNING ${m}`);
  }
  verbose(): void {}
}

function setup(t: { after(fn: () => void | Promise<void>): void }, smtp: SmtpSettings, boxOver: Partial<Mailbox> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pbx-vm-smtp-'));
  const log = new Log();
  const config: VoicemailConfig = {
    general: { ...defaultVoicemailGeneral(), fromString: 'Office PBX', serverEmail: 'vm@pbx.test', emailSubject: 'New message ${VM_MSGNUM} from ${VM_CALLERID} for ${VM_NAME}' },
    zones: new Map(),
    contexts: new Map(),
    smtp,
  };
  const mail = new VoicemailMail({
    config: () => config,
    spool: { root, remove: () => assert.fail('delete is off') },
    clock: new SystemClock(),
    log,
    formatDate: () => 'today',
    queue: { firstRetryMs: 300, maxRetryMs: 600 },
  });
  mail.start();
  t.after(async () => {
    await mail.close();
    rmSync(root, { recursive: true, force: true });
  });
  const box: Mailbox = { context: 'default', box: '2000', pinLocked: false, fullName: 'Alice Smith', email: 'alice@example.com', options: { other: {} }, fromPbxConf: true, origin: { file: 'pbx.conf', line: 4 }, ...boxOver };
  const inbox = join(root, 'default', '2000', 'INBOX');
  mkdirSync(inbox, { recursive: true });
  writeFileSync(join(inbox, 'msg0000.wav'), toneWav(TONE_HZ, 2));
  const message: StoredMessage = {
    context: 'default', box: '2000', folder: 'INBOX', index: 0, basePath: join(inbox, 'msg0000'), formats: ['wav'], bytes: 32044,
    info: { origmailbox: '2000', context: 'default', macrocontext: '', exten: '2000', rdnis: '', priority: '1', callerchan: 'SIP/2001-1', callerid: '"Bob" <2001>', origdate: '', origtime: '1796652184', category: '', msg_id: 'x', flag: '', duration: '2' },
  };
  return { mail, log, box, message, queueDir: join(root, '.mailqueue') };
}

test('the mail reaches a real SMTP server with the substituted subject/body and the tone as msg0000.wav', { skip: SKIP_NO_AIOSMTPD }, async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.stop());
  const { mail, box, message } = setup(t, { host: '127.0.0.1', port: sink.port, security: 'starttls' });
  mail.messageLeft(box, message);
  const [got] = await sink.waitForMails(1);
  assert.equal(got.from, 'Office PBX <vm@pbx.test>');
  assert.equal(got.to, 'Alice Smith <alice@example.com>');
  assert.equal(got.subject, 'New message 1 from "Bob" <2001> for Alice Smith');
  assert.match(got.text, /Dear Alice Smith:\n\n\tjust wanted to let you know you were just left a 0:02 long message \(number 1\)\nin mailbox 2000 from "Bob" <2001>, on today,/);
  assert.equal(got.attachments.length, 1);
  const [att] = got.attachments;
  assert.equal(att.filename, 'msg0000.wav');
  assert.equal(att.content_type, 'audio/x-wav');
  const wav = readWav(new Uint8Array(Buffer.from(att.base64, 'base64')));
  assert.equal(wav.format, 'slin');
  assert.equal(Math.abs(dominantFrequency(wav.data as Int16Array).hz - TONE_HZ) <= 2, true);
});

test('server down: the job waits on disk with warnings; once the server is up the mail arrives once', { skip: SKIP_NO_AIOSMTPD }, async (t) => {
  const port = await freePort();
  const { mail, log, box, message, queueDir } = setup(t, { host: '127.0.0.1', port, security: 'none' });
  mail.messageLeft(box, message);
  for (let i = 0; !log.lines.some((l) => l.startsWith('WARNING')); i++) {
    assert.ok(i < 200, 'no failed attempt was logged');
    await sleep(50);
  }
  assert.match(log.lines.find((l) => l.startsWith('WARNING'))!, /not sent \(attempt 1\).*ECONNREFUSED/);
  assert.equal(readdirSync(queueDir).filter((n) => n.endsWith('.mail')).length, 1, 'the job is kept while the server is down');
  assert.equal(mail.queue.list()[0].attempts >= 1, true);
  const sink = await startSmtpSink(port);
  t.after(() => sink.stop());
  const [got] = await sink.waitForMails(1);
  assert.equal(got.attachments[0].filename, 'msg0000.wav');
  for (let i = 0; mail.queue.list().length > 0; i++) {
    assert.ok(i < 200);
    await sleep(50);
  }
  // Two more retry periods: a job sent is never sent again.
  await sleep(1500);
  assert.equal(sink.mails().length, 1);
  assert.deepEqual(readdirSync(queueDir).filter((n) => n.endsWith('.mail')), []);
});

test('a 550 from the server is an error and the job is kept in failed/', { skip: SKIP_NO_AIOSMTPD }, async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.stop());
  const { mail, log, box, message, queueDir } = setup(t, { host: '127.0.0.1', port: sink.port, security: 'none' }, { email: 'reject-me@example.com' });
  mail.messageLeft(box, message);
  for (let i = 0; !log.lines.some((l) => l.startsWith('ERROR')); i++) {
    assert.ok(i < 200, 'no rejection was logged');
    await sleep(50);
  }
  assert.match(log.lines.find((l) => l.startsWith('ERROR'))!, /rejected, kept in \.mailqueue\/failed\/.*550/);
  assert.equal(readdirSync(join(queueDir, 'failed')).length, 1);
  assert.equal(mail.queue.list().length, 0);
  assert.equal(sink.mails().length, 0);
});
