/**
 * Notification mail on the bundle: SIPp (as 2000, sending a 1400 Hz tone) leaves a message in
 * 2001's box through VoiceMail(); a real SMTP server on 127.0.0.1 (python3-aiosmtpd, started
 * here) receives Asterisk's subject and body with the variables substituted and msg0000.wav
 * decoding to the tone. With the server down the call goes as before, the message stays in
 * INBOX, the mail waits in the queue (`voicemail show mailqueue`), and arrives exactly once when
 * the server is back, also when the PBX was killed and restarted in between.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runSipp, sleep, startPbx, type PbxProcess, type SippResult } from './harness.ts';
import { rtpPcap, tone, writePcapAtomically } from './rtp-pcap.ts';
import { SKIP_NO_AIOSMTPD, startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { dominantFrequency } from '../../src/media/goertzel.ts';
import { readWav } from '../../src/media/wav.ts';

const TONE_HZ = 1400;
// The path test/scenarios/voicemail-tone.xml plays.
const TONE_PCAP = '/tmp/pbx-vm-tone-1400hz.pcap';

const EXTENSIONS = `
[phones]
; straight to 2001's box, no greeting and no instructions
exten => 8002,1,VoiceMail(2001@default,s)
 same => n,Hangup()
include => pbx-phones
`;

async function leaveMessage(pbx: PbxProcess): Promise<SippResult> {
  const media = await freePort();
  return runSipp(
    'voicemail-tone.xml',
    pbx.port,
    ['-s', '8002', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(media), '-auth_uri', `8002@127.0.0.1:${pbx.port}`, '-d', '5000'],
    { timeoutS: 30 },
  );
}

function inbox(pbx: PbxProcess): string[] {
  const dir = join(pbx.dir, 'data/voicemail/default/2001/INBOX');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function queued(pbx: PbxProcess): string[] {
  const dir = join(pbx.dir, 'data/voicemail/.mailqueue');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.mail')) : [];
}

const skip = !existsSync('/usr/bin/sipp') ? 'SIPp (sip-tester) is not installed' : SKIP_NO_AIOSMTPD;

describe('voicemail notification mail on the bundle', { skip }, () => {
  let pbx: PbxProcess;
  let smtpPort: number;
  let sink: SmtpSink | undefined;
  before(async () => {
    writePcapAtomically(TONE_PCAP, rtpPcap(tone(30, TONE_HZ)));
    smtpPort = await freePort();
    sink = await startSmtpSink(smtpPort);
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob Jones, bob@example.com' },
      files: { 'extensions.conf': EXTENSIONS },
      system: { rtp: '35600-35698' },
      extraConf: ['[voicemail]', `smtp = 127.0.0.1:${smtpPort}`, 'smtpsecurity = none', 'serveremail = pbx@example.net', 'fromstring = Office PBX'].join('\n'),
    });
  });
  after(async () => {
    if (process.env.VM_DEBUG) console.log(pbx?.output());
    await pbx?.stop();
    await sink?.stop();
  });

  test('a message left through VoiceMail() arrives as mail with the substituted text and the tone as msg0000.wav', async () => {
    const r = await leaveMessage(pbx);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    const [mail] = await sink!.waitForMails(1);
    assert.equal(mail.from, 'Office PBX <pbx@example.net>');
    assert.equal(mail.to, 'Bob Jones <bob@example.com>');
    assert.equal(mail.subject, '[PBX]: New message 1 in mailbox 2001');
    const txt = readFileSync(join(pbx.dir, 'data/voicemail/default/2001/INBOX/msg0000.txt'), 'utf8');
    const duration = Number(/^duration=(\d+)$/m.exec(txt)?.[1]);
    const dur = `${Math.floor(duration / 60)}:${String(duration % 60).padStart(2, '0')}`;
    assert.match(mail.text, new RegExp(`^Dear Bob Jones:\\n\\n\\tjust wanted to let you know you were just left a ${dur} long message \\(number 1\\)\\nin mailbox 2001 from (\\S.*<2000>|2000), on \\w+day, `));
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0].filename, 'msg0000.wav');
    assert.equal(mail.attachments[0].content_type, 'audio/x-wav');
    const attached = new Uint8Array(Buffer.from(mail.attachments[0].base64, 'base64'));
    assert.deepEqual(attached, new Uint8Array(readFileSync(join(pbx.dir, 'data/voicemail/default/2001/INBOX/msg0000.wav'))), 'the attachment is the recording');
    const wav = readWav(attached);
    const f = dominantFrequency(wav.data.subarray(0, Math.min(wav.data.length, 16000)));
    assert.ok(Math.abs(f.hz - TONE_HZ) <= 10, `dominant frequency ${f.hz} Hz`);
    assert.deepEqual(queued(pbx), [], 'the queue is empty once sent');
  });

  test('SMTP server down: the call goes as before, the message stays, the mail waits and arrives once the server is back', async () => {
    await sink!.stop();
    sink = undefined;
    const r = await leaveMessage(pbx);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    // The message is committed when the hangup ends the recording, just after SIPp's BYE.
    await pbx.waitFor(/Saving message as is: \S*2001\/INBOX\/msg0001/, 10_000);
    assert.deepEqual(inbox(pbx), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav']);
    // The failed attempt is logged as a warning with the SMTP error, and the job is on disk.
    await pbx.waitFor(/not sent \(attempt 1\), retry in 30 s: .*ECONNREFUSED/, 15_000);
    assert.equal(queued(pbx).length, 1);
    const show = pbx.rx('voicemail show mailqueue');
    assert.match(show, /2001@default +bob@example\.com +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.match(show, /ECONNREFUSED/);
    assert.match(show, /1 mail queued/);

    sink = await startSmtpSink(smtpPort);
    // Without this the next retry comes 30 s after the failure; flush asks for it now.
    assert.match(pbx.rx('voicemail mailqueue flush'), /Retrying 1 queued mail now/);
    const [mail] = await sink.waitForMails(1);
    assert.equal(mail.subject, '[PBX]: New message 2 in mailbox 2001');
    assert.equal(mail.attachments[0].filename, 'msg0001.wav');
    for (let i = 0; queued(pbx).length > 0; i++) {
      assert.ok(i < 100, 'the job leaves the queue once sent');
      await sleep(100);
    }
    await sleep(1000);
    assert.equal(sink.mails().length, 1, 'sent exactly once');
    assert.match(pbx.rx('voicemail show mailqueue'), /^0 mails queued$/m);
  });

  test('a mail still queued when the PBX is killed is sent after the restart', async () => {
    await sink!.stop();
    sink = undefined;
    const failures = (): number => pbx.output().match(/not sent \(attempt 1\)/g)?.length ?? 0;
    const before = failures();
    const r = await leaveMessage(pbx);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    for (let i = 0; failures() === before; i++) {
      assert.ok(i < 150, `no failed attempt logged\n${pbx.output().slice(-2000)}`);
      await sleep(100);
    }
    assert.equal(queued(pbx).length, 1);
    await pbx.kill9();
    sink = await startSmtpSink(smtpPort);
    await pbx.restart();
    const [mail] = await sink.waitForMails(1);
    assert.equal(mail.subject, '[PBX]: New message 3 in mailbox 2001');
    assert.equal(mail.attachments[0].filename, 'msg0002.wav');
    for (let i = 0; queued(pbx).length > 0; i++) {
      assert.ok(i < 100, 'the job leaves the queue once sent');
      await sleep(100);
    }
    assert.equal(sink.mails().length, 1);
  });
});
