/**
 * Call records on the bundle (issue 14's CDR must-hold): an answered call with a few seconds of
 * media, a busy call (the callee answers 486) and a call the caller cancels while it rings give
 * three Master.csv lines in Asterisk's column order (ANSWERED / BUSY / NO ANSWER, billsec
 * within 1 s of the media time, CDR(userfield) from the dialplan), three RFC 5424 structured
 * records at a syslog listener, and `cdr show status` shows the batch waiting until the stop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbxCheck, sleep, type PbxProcess } from './harness.ts';
import { hdr, mediaPort, rtpPacket, sdp, startAliceAndBob, statusOf, type AliceAndBob, type Phone } from './calls-phone.ts';

/** RFC 4180 fields of one line (cdr_csv quotes text and doubles inner quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else if (i >= line.length) throw new Error(`unterminated quote in ${line}`);
        else v += line[i++];
      }
      out.push(v);
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (line[i] === ',') i++;
    else break;
  }
  return out;
}

const COLUMNS = ['accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield'];

const EXTENSIONS = [
  '[phones]',
  'exten => 2001,1,Set(CDR(userfield)=hello)',
  ' same => n,Set(CDR(custom)=${CDR(userfield)}-${CDR(src)})',
  ' same => n,Dial(SIP/2001,20)',
  ' same => n,Hangup()',
  '',
].join('\n');

const CDR_CONF = ['[general]', 'enable = yes', 'unanswered = yes', 'batch = yes', 'size = 100', 'time = 300', '', '[csv]', 'loguniqueid = yes', 'loguserfield = yes', ''].join('\n');

describe('call detail records', () => {
  let rig: AliceAndBob;
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let sock: Socket;
  let dir: string;
  const syslog: string[] = [];
  before(async () => {
    sock = createSocket('udp4');
    sock.on('message', (m) => syslog.push(m.toString('utf8').replace(/^\uFEFF/, '')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    dir = mkdtempSync(join(tmpdir(), 'pbx-cdr-'));
    rig = await startAliceAndBob({
      dir,
      system: { syslog: `127.0.0.1:${sock.address().port}/udp`, hostname: 'pbx-cdr' },
      files: { 'extensions.conf': EXTENSIONS, 'cdr.conf': CDR_CONF },
    });
    ({ pbx, alice, bob } = rig);
  });
  after(async () => {
    await rig?.close();
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('answered, busy and cancelled calls give three CSV lines and three syslog records', async () => {
    // 1. Answered, with about 3 s of media both ways.
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 180, 'Ringing', { toTag: 'b1' });
    await alice.response('INVITE', 180);
    bob.reply(inv, 200, 'OK', { toTag: 'b1', body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    const answeredAt = Date.now();
    const toAlice = mediaPort(ok.body);
    const payload = Buffer.alloc(160, 0x55);
    for (let seq = 0; Date.now() - answeredAt < 3000; seq++) {
      alice.media.send(rtpPacket(seq, 0, payload), toAlice);
      await sleep(20);
    }
    assert.ok(await bob.media.take(() => true), 'media flowed through the PBX');
    alice.bye(call, hdr(ok, 'Contact'));
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await alice.response('BYE', 200);
    const mediaSeconds = (Date.now() - answeredAt) / 1000;

    // 2. Busy: the callee answers 486.
    const busy = await alice.invite('2001', sdp(alice.media.port));
    const inv2 = await bob.request('INVITE');
    bob.reply(inv2, 486, 'Busy Here', { toTag: 'b2' });
    await bob.request('ACK');
    alice.ack(busy, await alice.next((m) => m.first.startsWith('SIP/2.0') && hdr(m, 'CSeq').endsWith('INVITE') && statusOf(m) >= 400 && hdr(m, 'Call-ID') === busy.callId));

    // 3. Unanswered: the caller gives up while it rings.
    const ring = await alice.invite('2001', sdp(alice.media.port));
    const inv3 = await bob.request('INVITE');
    bob.reply(inv3, 180, 'Ringing', { toTag: 'b3' });
    await alice.response('INVITE', 180);
    alice.cancel(ring);
    await alice.response('CANCEL', 200);
    alice.ack(ring, await alice.response('INVITE', 487));
    const cancel = await bob.request('CANCEL');
    bob.reply(cancel, 200, 'OK');
    bob.reply(inv3, 487, 'Request Terminated', { toTag: 'b3' });
    await bob.request('ACK');

    // Syslog: one structured record per call, from the cdr module.
    const deadline = Date.now() + 5000;
    const cdrs = (): string[] => syslog.filter((r) => / cdr \[pbx@32473 /.test(r));
    while (Date.now() < deadline && cdrs().length < 3) await sleep(50);
    const records = cdrs();
    assert.equal(records.length, 3, `syslog CDR records:\n${records.join('\n')}`);
    assert.deepEqual(records.map((r) => /disposition="([^"]*)"/.exec(r)?.[1]), ['ANSWERED', 'BUSY', 'NO ANSWER']);
    for (const r of records) {
      assert.match(r, /src="2000" dst="2001" dcontext="phones"/);
      assert.match(r, /userfield="hello"/);
    }

    // Batched: nothing written yet, three records waiting.
    const status = pbx.rx('cdr show status');
    assert.match(status, /Logging:\s+Enabled/);
    assert.match(status, /Mode:\s+Batch/);
    assert.match(status, /Log unanswered calls:\s+Yes/);
    assert.match(status, /Current batch size:\s+3 records/);
    assert.match(status, /Maximum batch size:\s+100 records/);
    assert.match(status, /Maximum batch time:\s+300 seconds/);
    assert.match(status, /^\s+csv$/m);
    const master = join(dir, 'data', 'cdr-csv', 'Master.csv');
    assert.ok(!existsSync(master) || readFileSync(master, 'utf8') === '', 'records wait in RAM until the batch is due');

    // Stop: safeshutdown writes the batch.
    await pbx.stop();
    const lines = readFileSync(master, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 3, lines.join('\n'));
    const rows = lines.map((l) => {
      const f = csvFields(l);
      assert.equal(f.length, COLUMNS.length, `18 columns: ${l}`);
      return Object.fromEntries(COLUMNS.map((c, i) => [c, f[i]]));
    });
    assert.deepEqual(rows.map((r) => r.disposition), ['ANSWERED', 'BUSY', 'NO ANSWER']);
    const [answered, busyRow, noAnswer] = rows;
    for (const r of rows) {
      assert.equal(r.src, '2000');
      assert.equal(r.dst, '2001');
      assert.equal(r.dcontext, 'phones');
      assert.equal(r.clid, '"Alice" <2000>');
      assert.match(r.channel, /^SIP\/2000-[0-9a-f]{8}$/);
      assert.match(r.dstchannel, /^SIP\/2001-[0-9a-f]{8}$/);
      assert.equal(r.amaflags, 'DOCUMENTATION');
      assert.equal(r.userfield, 'hello');
      assert.match(r.uniqueid, /^\d+\.\d+$/);
      assert.match(r.start, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.match(r.end, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    assert.equal(answered.lastapp, 'Dial');
    assert.equal(answered.lastdata, 'SIP/2001,20');
    assert.match(answered.answer, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.ok(Math.abs(Number(answered.billsec) - mediaSeconds) <= 1, `billsec ${answered.billsec} vs media ${mediaSeconds.toFixed(2)} s`);
    assert.ok(Number(answered.duration) >= Number(answered.billsec));
    assert.equal(busyRow.answer, '');
    assert.equal(busyRow.billsec, '0');
    assert.equal(noAnswer.answer, '');
    assert.equal(noAnswer.billsec, '0');
    assert.equal(noAnswer.lastapp, 'Dial');
  });
});

describe('cdr.conf checked', () => {
  test('a misspelt key is reported by pbx check with file:line', () => {
    const r = pbxCheck({
      'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = Secr3t-2000, Alice\n',
      'cdr.conf': '[general]\nenable = yes\nunanswerd = yes\n\n[csv]\nloguserfield = maybe\n',
    });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /cdr\.conf:3: unknown cdr\.conf \[general\] key 'unanswerd' \(did you mean 'unanswered'\?\)/);
    assert.match(r.out, /cdr\.conf:6: loguserfield: /);
  });
});
