/** The voicemail spool: Asterisk's layout and .txt, numbering, caps, counts, recovery, kill -9. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { PbxError } from '../../../src/core/errors.ts';
import { FileVoicemailSpool, formatMessageInfo, parseMessageInfo } from '../../../src/store/voicemail-spool.ts';
import type { VoicemailSpoolOptions } from '../../../src/store/voicemail-spool.ts';
import type { MessageInfo, StoredMessage, VoicemailSpool } from '../../../src/store/voicemail-types.ts';
import { filesystemKind } from '../../../src/platform/spool-fs.ts';
import { wavHeader } from './voicemail-wav.ts';

function tempRoot(t: TestContext, base = tmpdir()): string {
  const dir = mkdtempSync(join(base, 'vmspool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'voicemail');
}

function open(root: string, opts: Partial<VoicemailSpoolOptions> = {}): FileVoicemailSpool {
  return new FileVoicemailSpool({ root, ...opts });
}

function info(n: number | string, extra: Partial<MessageInfo> = {}): MessageInfo {
  return {
    origmailbox: '2000',
    context: 'macro-stdexten',
    macrocontext: 'default',
    exten: 's-NOANSWER',
    rdnis: '2000',
    priority: '2',
    callerchan: 'SIP/1000-00000001',
    callerid: `"Caller ${n}" <100${n}>`,
    origdate: 'Mon Dec  7 02:03:04 PM UTC 2026',
    origtime: '1796652184',
    category: '',
    msg_id: `1796652184-0000000${n}`,
    flag: '',
    duration: '2',
    ...extra,
  };
}


interface LeaveOptions {
  box?: string;
  folder?: 'INBOX' | 'Old';
  bytes?: number;
  extra?: Partial<MessageInfo>;
}

/** Record and commit one message of `bytes` audio bytes (default 2 s), as VoiceMail() does. */
function leave(spool: VoicemailSpool, n: number | string, opts: LeaveOptions = {}): StoredMessage {
  const rec = spool.startMessage('default', opts.box ?? '2000', opts.folder ?? 'INBOX', ['wav'], { callerid: `"Caller ${n}" <100${n}>` });
  const bytes = opts.bytes ?? 32000;
  rec.append('wav', wavHeader(bytes));
  rec.append('wav', Buffer.alloc(bytes, 7));
  return rec.commit(info(n, opts.extra));
}

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function callers(spool: VoicemailSpool, folder: 'INBOX' | 'Old' = 'INBOX', box = '2000'): string[] {
  return spool.list('default', box, folder).map((m) => m.info.callerid);
}

const ASTERISK_TXT = `;
; Message Information file
;
[message]
origmailbox=1234
context=default
macrocontext=
exten=1234
rdnis=unknown
priority=2
callerchan=SIP/6001-00000003
callerid="Bob Smith" <6001>
origdate=Sat Dec  7 02:03:04 PM UTC 2024
origtime=1733580184
category=
msg_id=1733580184-00000000
flag=
duration=7
`;

describe('msgNNNN.txt (app_voicemail format)', () => {
  test('is written byte for byte as Asterisk writes it', () => {
    const text = formatMessageInfo(parseMessageInfo(ASTERISK_TXT));
    assert.equal(text, ASTERISK_TXT);
  });

  test('round-trips every key and keeps a value on one line', () => {
    const i = info(1, { callerid: '"Evil\nflag=Urgent" <1>', flag: 'Urgent' });
    const back = parseMessageInfo(formatMessageInfo(i));
    assert.equal(back.flag, 'Urgent');
    assert.equal(back.callerid, '"Evil flag=Urgent" <1>');
    assert.equal(back.origtime, '1796652184');
  });

  test('parses a hand-edited or older Asterisk file tolerantly (CRLF, =>, spaces, unknown and missing keys)', () => {
    const text = '; old box\r\n[message]\r\norigmailbox => 1234\r\ncallerid = "Bob" <6001>\r\nduration=12\r\nunknownkey=x\r\n[other]\r\nflag=Urgent\r\n';
    const i = parseMessageInfo(text);
    assert.equal(i.origmailbox, '1234');
    assert.equal(i.callerid, '"Bob" <6001>');
    assert.equal(i.duration, '12');
    assert.equal(i.flag, '', 'a key of another section is not the message flag');
    assert.equal(i.msg_id, '');
  });
});

describe('FileVoicemailSpool layout and numbering', () => {
  test('a committed message appears as INBOX/msg0000.wav + .txt; the next one is msg0001', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    const changes: string[] = [];
    spool.onChange((c) => changes.push(`${c.box}@${c.context}`));
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav'], { callerid: '"A" <1>' });
    rec.append('wav', wavHeader(16000));
    rec.append('wav', Buffer.alloc(16000, 1));
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), [], 'nothing visible before commit');
    assert.deepEqual(changes, []);
    const m = rec.commit(info(0));
    assert.equal(m.index, 0);
    assert.equal(m.basePath, join(root, 'default/2000/INBOX/msg0000'));
    assert.deepEqual(m.formats, ['wav']);
    assert.equal(m.bytes, 16044);
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), ['msg0000.txt', 'msg0000.wav']);
    assert.equal(readFileSync(join(root, 'default/2000/INBOX/msg0000.txt'), 'utf8'), formatMessageInfo(info(0)));
    assert.deepEqual(files(join(root, 'default/2000/tmp')), [], 'no temp file left');
    assert.deepEqual(changes, ['2000@default']);
    assert.equal(leave(spool, 1).index, 1);
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav']);
    assert.ok(!existsSync(join(root, 'default/2000/Old')), 'folders are created when first used');
  });

  test('discard leaves nothing and does not notify', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    let changes = 0;
    spool.onChange(() => changes++);
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav', 'ulaw']);
    rec.append('wav', wavHeader());
    rec.append('ulaw', Buffer.alloc(100));
    rec.discard();
    assert.deepEqual(files(join(root, 'default/2000/tmp')), []);
    assert.deepEqual(spool.list('default', '2000', 'INBOX'), []);
    assert.equal(changes, 0);
  });

  test('several formats are stored side by side', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav', 'ulaw']);
    rec.append('wav', wavHeader(800));
    rec.append('wav', Buffer.alloc(800));
    rec.append('ulaw', Buffer.alloc(400, 0xff));
    const m = rec.commit(info(0));
    assert.deepEqual(m.formats, ['wav', 'ulaw']);
    assert.equal(m.bytes, 844 + 400);
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), ['msg0000.txt', 'msg0000.ulaw', 'msg0000.wav']);
    assert.deepEqual(open(root).list('default', '2000', 'INBOX')[0]!.formats.sort(), ['ulaw', 'wav']);
  });

  test('remove renumbers the rest of the folder gap-free, on disk and after reopening', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    for (let n = 0; n < 4; n++) leave(spool, n);
    let changes = 0;
    spool.onChange(() => changes++);
    spool.remove(spool.list('default', '2000', 'INBOX')[1]!);
    assert.equal(changes, 1);
    assert.deepEqual(callers(spool), ['"Caller 0" <1000>', '"Caller 2" <1002>', '"Caller 3" <1003>']);
    assert.deepEqual(
      spool.list('default', '2000', 'INBOX').map((m) => [m.index, m.basePath.slice(-7)]),
      [[0, 'msg0000'], [1, 'msg0001'], [2, 'msg0002']],
    );
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav', 'msg0002.txt', 'msg0002.wav']);
    assert.equal(parseMessageInfo(readFileSync(join(root, 'default/2000/INBOX/msg0001.txt'), 'utf8')).callerid, '"Caller 2" <1002>');
    assert.deepEqual(callers(open(root)), callers(spool));
    // A StoredMessage taken before the renumber still names the right message (by msg_id).
    const stale = spool.list('default', '2000', 'INBOX')[2]!;
    spool.remove(spool.list('default', '2000', 'INBOX')[0]!);
    spool.remove(stale);
    assert.deepEqual(callers(spool), ['"Caller 2" <1002>']);
    assert.equal(leave(spool, 9).index, 1, 'the next message takes the next number');
  });

  test('move takes the next number of the target folder and renumbers the source; counts follow', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    for (let n = 0; n < 3; n++) leave(spool, n);
    leave(spool, 5, { folder: 'Old' });
    const changes: string[] = [];
    spool.onChange((c) => changes.push(c.box));
    const moved = spool.move(spool.list('default', '2000', 'INBOX')[0]!, 'Old');
    assert.equal(moved.folder, 'Old');
    assert.equal(moved.index, 1);
    assert.equal(moved.info.msg_id, info(0).msg_id, 'a move keeps the message id');
    assert.deepEqual(callers(spool), ['"Caller 1" <1001>', '"Caller 2" <1002>']);
    assert.deepEqual(callers(spool, 'Old'), ['"Caller 5" <1005>', '"Caller 0" <1000>']);
    assert.deepEqual(files(join(root, 'default/2000/Old')), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav']);
    assert.deepEqual(files(join(root, 'default/2000/tmp')), []);
    assert.deepEqual(spool.counts('default', '2000'), { newMessages: 2, oldMessages: 2, urgentNew: 0, urgentOld: 0 });
    assert.deepEqual(changes, ['2000']);
    assert.deepEqual(callers(open(root), 'Old'), callers(spool, 'Old'));
  });

  test('copy puts the message at the next number of another box INBOX with its own msg_id', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    leave(spool, 0);
    leave(spool, 1, { box: '2001' });
    const changes: string[] = [];
    spool.onChange((c) => changes.push(c.box));
    const source = spool.list('default', '2000', 'INBOX')[0]!;
    const c = spool.copy(source, 'default', '2001');
    assert.equal(c.box, '2001');
    assert.equal(c.index, 1);
    assert.notEqual(c.info.msg_id, source.info.msg_id);
    assert.equal(c.info.callerid, source.info.callerid);
    assert.deepEqual(readFileSync(`${c.basePath}.wav`), readFileSync(`${source.basePath}.wav`));
    assert.equal(spool.list('default', '2000', 'INBOX').length, 1, 'the original stays');
    assert.deepEqual(changes, ['2001']);
    assert.equal(spool.usage('default', '2001'), 2 * (32044));
    assert.equal(spool.usage(), 3 * 32044);
  });

  test('counts: INBOX is new, Old is old, flag=Urgent counted apart, kept across reopen', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    leave(spool, 0);
    leave(spool, 1, { extra: { flag: 'Urgent' } });
    leave(spool, 2, { folder: 'Old', extra: { flag: 'Urgent' } });
    leave(spool, 3, { folder: 'Old' });
    leave(spool, 4, { folder: 'Old' });
    const expected = { newMessages: 2, oldMessages: 3, urgentNew: 1, urgentOld: 1 };
    assert.deepEqual(spool.counts('default', '2000'), expected);
    assert.deepEqual(open(root).counts('default', '2000'), expected);
    assert.deepEqual(spool.counts('default', '9999'), { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 });
  });

  test('a write error during commit undoes it: no half message, the number stays free', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    leave(spool, 0);
    // Something in the way of msg0001.txt (a directory) makes the .txt rename fail.
    mkdirSync(join(root, 'default/2000/INBOX/msg0001.txt'));
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav']);
    rec.append('wav', wavHeader(100));
    rec.append('wav', Buffer.alloc(100));
    assert.throws(() => rec.commit(info(1)), (e: unknown) => e instanceof PbxError && e.code === 'STORE_WRITE');
    assert.deepEqual(files(join(root, 'default/2000/INBOX')), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt']);
    assert.deepEqual(files(join(root, 'default/2000/tmp')), []);
    assert.equal(spool.list('default', '2000', 'INBOX').length, 1);
    rmSync(join(root, 'default/2000/INBOX/msg0001.txt'), { recursive: true });
    assert.equal(leave(spool, 2).index, 1);
  });

  test('names that are not a directory name are refused (no path traversal)', (t) => {
    const spool = open(tempRoot(t));
    assert.throws(() => spool.counts('..', '2000'), (e: unknown) => e instanceof PbxError && e.code === 'VM_INVALID');
    assert.throws(() => spool.startMessage('default', '../x', 'INBOX', ['wav']), (e: unknown) => e instanceof PbxError && e.code === 'VM_INVALID');
    assert.throws(() => spool.startMessage('default', '2000', 'INBOX', ['../wav']), (e: unknown) => e instanceof PbxError && e.code === 'VM_INVALID');
  });
});

describe('FileVoicemailSpool caps', () => {
  const full = (e: unknown) => e instanceof PbxError && e.code === 'VM_FULL';

  test('maxmsg per folder (per box): isFull and commit throws VM_FULL; other folders and boxes unaffected', (t) => {
    const root = tempRoot(t);
    const spool = open(root, { maxMsg: (_c, box) => (box === '2000' ? 2 : 100) });
    leave(spool, 0);
    assert.equal(spool.isFull('default', '2000', 'INBOX'), false);
    leave(spool, 1);
    assert.equal(spool.isFull('default', '2000', 'INBOX'), true);
    assert.equal(spool.isFull('default', '2000', 'Old'), false);
    assert.equal(spool.isFull('default', '2001', 'INBOX'), false);
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav']);
    rec.append('wav', wavHeader(16000));
    assert.throws(() => rec.commit(info(2)), full);
    assert.equal(spool.list('default', '2000', 'INBOX').length, 2);
    assert.deepEqual(files(join(root, 'default/2000/tmp')), []);
    // Deleting one makes room again.
    spool.remove(spool.list('default', '2000', 'INBOX')[0]!);
    assert.equal(spool.isFull('default', '2000', 'INBOX'), false);
    assert.equal(leave(spool, 3).index, 1);
    // A full Old refuses a move.
    leave(spool, 4, { folder: 'Old' });
    leave(spool, 5, { folder: 'Old' });
    assert.throws(() => spool.move(spool.list('default', '2000', 'INBOX')[0]!, 'Old'), full);
    assert.equal(spool.list('default', '2000', 'INBOX').length, 2);
  });

  test('maxBoxBytes caps one box, maxSpoolBytes all of them (also counted after reopening)', (t) => {
    const root = tempRoot(t);
    const opts = { maxBoxBytes: 70_000, maxSpoolBytes: 150_000 };
    const spool = open(root, opts);
    leave(spool, 0, { bytes: 32000 });
    assert.equal(spool.isFull('default', '2000', 'INBOX'), false);
    leave(spool, 1, { bytes: 40000 });
    assert.equal(spool.usage('default', '2000'), 32044 + 40044);
    assert.equal(spool.isFull('default', '2000', 'INBOX'), true, 'box over its byte cap');
    assert.equal(spool.isFull('default', '2000', 'Old'), true);
    assert.equal(spool.isFull('default', '2001', 'INBOX'), false);
    assert.throws(() => leave(spool, 2), full);
    leave(spool, 3, { box: '2001', bytes: 60000 });
    assert.equal(spool.isFull('default', '2002', 'INBOX'), false);
    leave(spool, 4, { box: '2002', bytes: 20000 });
    assert.equal(spool.usage(), 32044 + 40044 + 60044 + 20044);
    assert.equal(spool.isFull('default', '2003', 'INBOX'), true, 'the whole spool over its cap');
    assert.throws(() => spool.copy(spool.list('default', '2002', 'INBOX')[0]!, 'default', '2003'), full);
    const again = open(root, opts);
    assert.equal(again.usage(), spool.usage());
    assert.equal(again.isFull('default', '2003', 'INBOX'), true);
    again.remove(again.list('default', '2001', 'INBOX')[0]!);
    assert.equal(again.isFull('default', '2003', 'INBOX'), false);
  });
});

describe('FileVoicemailSpool greetings and PIN', () => {
  test('a greeting replaces the old one whole; removeGreeting deletes it', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    assert.equal(spool.greeting('default', '2000', 'unavail'), undefined);
    const g = spool.startGreeting('default', '2000', 'unavail', ['wav']);
    g.append('wav', Buffer.from('first'));
    assert.equal(spool.greeting('default', '2000', 'unavail'), undefined, 'not before commit');
    g.commit();
    assert.deepEqual(spool.greeting('default', '2000', 'unavail'), { basePath: join(root, 'default/2000/unavail'), formats: ['wav'] });
    const g2 = spool.startGreeting('default', '2000', 'unavail', ['wav']);
    g2.append('wav', Buffer.from('second'));
    g2.discard();
    assert.equal(readFileSync(join(root, 'default/2000/unavail.wav'), 'utf8'), 'first');
    const g3 = spool.startGreeting('default', '2000', 'unavail', ['wav']);
    g3.append('wav', Buffer.from('third'));
    g3.commit();
    assert.equal(readFileSync(join(root, 'default/2000/unavail.wav'), 'utf8'), 'third');
    assert.equal(spool.greeting('default', '2000', 'busy'), undefined);
    spool.removeGreeting('default', '2000', 'unavail');
    assert.equal(spool.greeting('default', '2000', 'unavail'), undefined);
    assert.deepEqual(files(join(root, 'default/2000')), []);
  });

  test('a PIN set from the phone is BOX/secret.conf as Asterisk passwordlocation=spooldir writes it', (t) => {
    const root = tempRoot(t);
    const spool = open(root);
    assert.equal(spool.storedPin('default', '2000'), undefined);
    spool.setStoredPin('default', '2000', '4711');
    assert.equal(readFileSync(join(root, 'default/2000/secret.conf'), 'utf8'), '[general]\npassword=4711\n');
    assert.equal(open(root).storedPin('default', '2000'), '4711');
    writeFileSync(join(root, 'default/2000/secret.conf'), '; from Asterisk\r\n[general]\r\npassword = 0815\r\n');
    assert.equal(spool.storedPin('default', '2000'), '0815');
    assert.throws(() => spool.setStoredPin('default', '2000', '12\n[x]'), (e: unknown) => e instanceof PbxError && e.code === 'VM_INVALID');
  });
});

describe('FileVoicemailSpool recovery when opened (states a crash leaves)', () => {
  function box(root: string): string {
    const dir = join(root, 'default/2000');
    mkdirSync(join(dir, 'INBOX'), { recursive: true });
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    return dir;
  }
  function put(dir: string, folder: string, n: number, parts: { txt?: MessageInfo | false; wav?: boolean }): void {
    const base = join(dir, folder, `msg${String(n).padStart(4, '0')}`);
    mkdirSync(join(dir, folder), { recursive: true });
    if (parts.wav !== false) writeFileSync(`${base}.wav`, Buffer.concat([wavHeader(1600), Buffer.alloc(1600, n)]));
    if (parts.txt !== false) writeFileSync(`${base}.txt`, formatMessageInfo(parts.txt ?? info(n)));
  }

  test('an Asterisk spool copied in is read as is', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    writeFileSync(join(dir, 'INBOX/msg0000.txt'), ASTERISK_TXT);
    writeFileSync(join(dir, 'INBOX/msg0000.wav'), wavHeader(0));
    writeFileSync(join(dir, 'INBOX/msg0000.WAV'), Buffer.alloc(65));
    const [m] = open(root).list('default', '2000', 'INBOX');
    assert.equal(m!.info.callerid, '"Bob Smith" <6001>');
    assert.equal(m!.info.duration, '7');
    assert.deepEqual(m!.formats.sort(), ['WAV', 'wav']);
  });

  test('audio without .txt or .txt without audio is removed, and gaps are closed', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    put(dir, 'INBOX', 1, { wav: false });
    put(dir, 'INBOX', 3, {});
    put(dir, 'INBOX', 6, {});
    put(dir, 'INBOX', 7, { txt: false });
    writeFileSync(join(dir, 'INBOX/.msg0007.txt.123.tmp'), 'half');
    const spool = open(root);
    assert.deepEqual(callers(spool), ['"Caller 0" <1000>', '"Caller 3" <1003>', '"Caller 6" <1006>']);
    assert.deepEqual(files(join(dir, 'INBOX')), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav', 'msg0002.txt', 'msg0002.wav']);
    assert.equal(readFileSync(join(dir, 'INBOX/msg0002.wav'))[44], 6, 'audio and .txt stay together');
    assert.equal(leave(spool, 8).index, 3);
  });

  test('a rename one down cut between audio and .txt is completed (remove renumbering interrupted)', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    // msg0001 was removed; msg0002 was being renamed to msg0001: audio moved, .txt not yet.
    put(dir, 'INBOX', 1, { txt: false });
    put(dir, 'INBOX', 2, { wav: false });
    put(dir, 'INBOX', 3, {});
    assert.deepEqual(callers(open(root)), ['"Caller 0" <1000>', '"Caller 2" <1002>', '"Caller 3" <1003>']);
    assert.equal(readFileSync(join(dir, 'INBOX/msg0001.wav'))[44], 1, 'the moved audio is kept');
  });

  test('a removed message whose audio was not yet deleted does not come back', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    put(dir, 'INBOX', 1, { txt: false }); // .txt deleted first: the message is gone
    put(dir, 'INBOX', 2, {});
    const spool = open(root);
    assert.deepEqual(callers(spool), ['"Caller 0" <1000>', '"Caller 2" <1002>']);
    assert.equal(readFileSync(join(dir, 'INBOX/msg0001.wav'))[44], 2, 'the stale audio was replaced by the next message');
  });

  test('a commit cut after its intent is completed from the sidecar', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    const sidecar = `${formatMessageInfo(info(5))}[spool]\nfolder=INBOX\nformats=wav\ntarget=msg0001\n`;
    writeFileSync(join(dir, 'tmp/abc.txt'), sidecar);
    writeFileSync(join(dir, 'tmp/abc.wav'), Buffer.concat([wavHeader(3200), Buffer.alloc(3200, 5)]));
    const spool = open(root);
    assert.deepEqual(callers(spool), ['"Caller 0" <1000>', '"Caller 5" <1005>']);
    assert.deepEqual(files(join(dir, 'tmp')), []);
    assert.equal(readFileSync(join(dir, 'INBOX/msg0001.txt'), 'utf8'), formatMessageInfo(info(5)));
  });

  test('a recording cut by the crash is kept as a message: caller from the sidecar, duration from the size, WAV header repaired', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    const draft = `${formatMessageInfo({ ...info(7), duration: '' })}[spool]\nfolder=INBOX\nformats=wav\n`;
    writeFileSync(join(dir, 'tmp/rec1.txt'), draft);
    writeFileSync(join(dir, 'tmp/rec1.wav'), Buffer.concat([wavHeader(0), Buffer.alloc(3 * 16000 + 500, 3)]));
    // Too short to keep (under minRecoverSecs), and audio of a discard with no sidecar.
    writeFileSync(join(dir, 'tmp/rec2.txt'), draft);
    writeFileSync(join(dir, 'tmp/rec2.wav'), Buffer.concat([wavHeader(0), Buffer.alloc(4000)]));
    writeFileSync(join(dir, 'tmp/rec3.wav'), Buffer.alloc(9));
    writeFileSync(join(dir, '.unavail.wav.77.1.rec'), Buffer.alloc(9));
    const logs: string[] = [];
    const spool = open(root, { log: (_l, m) => logs.push(m) });
    const list = spool.list('default', '2000', 'INBOX');
    assert.equal(list.length, 2);
    assert.equal(list[1]!.info.callerid, '"Caller 7" <1007>');
    assert.equal(list[1]!.info.duration, '3');
    const wav = readFileSync(`${list[1]!.basePath}.wav`);
    assert.equal(wav.readUInt32LE(4), wav.length - 8);
    assert.equal(wav.readUInt32LE(40), wav.length - 44);
    assert.deepEqual(files(join(dir, 'tmp')), []);
    assert.deepEqual(files(dir), ['INBOX', 'tmp']);
    assert.ok(logs.some((l) => /kept INBOX\/msg0001/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /dropped a recording/.test(l)), logs.join('\n'));
    assert.equal(leave(spool, 8).index, 2);
  });

  test('a move cut after the target was written removes the source (the message is in one place)', (t) => {
    const root = tempRoot(t);
    const dir = box(root);
    put(dir, 'INBOX', 0, {});
    put(dir, 'INBOX', 1, {});
    put(dir, 'Old', 0, { txt: info(1) });
    writeFileSync(join(dir, 'tmp/mv.txt'), `${formatMessageInfo(info(1))}[spool]\nfolder=Old\nformats=wav\ntarget=msg0000\nsource=INBOX/msg0001\n`);
    const spool = open(root);
    assert.deepEqual(callers(spool), ['"Caller 0" <1000>']);
    assert.deepEqual(callers(spool, 'Old'), ['"Caller 1" <1001>']);
    assert.deepEqual(files(join(dir, 'tmp')), []);
  });
});

describe('volatile: the data directory in RAM', () => {
  const shmIsTmpfs = existsSync('/proc/mounts') && /^\S+ \/dev\/shm tmpfs /m.test(readFileSync('/proc/mounts', 'utf8'));

  test('filesystemKind tells tmpfs from a disk (proc is not RAM storage)', { skip: !shmIsTmpfs && 'no tmpfs /dev/shm' }, () => {
    assert.equal(filesystemKind('/dev/shm'), 'tmpfs');
    assert.equal(filesystemKind('/dev/shm/not/yet/created'), 'tmpfs', 'the nearest existing parent decides');
    assert.equal(filesystemKind('/proc'), 'disk');
  });

  test('a spool under a tmpfs is volatile', { skip: !shmIsTmpfs && 'no tmpfs /dev/shm' }, (t) => {
    const spool = open(tempRoot(t, '/dev/shm'));
    assert.equal(spool.volatile, true);
  });

  test('the volatile flag follows the filesystem of the data directory', (t) => {
    const root = tempRoot(t);
    const kind = filesystemKind(root);
    assert.equal(open(root).volatile, kind === 'tmpfs' || kind === 'ramfs');
    assert.equal(open(root, { volatile: true }).volatile, true);
  });
});

describe('kill -9 during recording, commit, remove and move', () => {
  test('after a SIGKILL at a random point the box is consistent and the next message takes the next number', async (t) => {
    const root = tempRoot(t);
    const child = fileURLToPath(new URL('./voicemail-spool-child.ts', import.meta.url));
    const inbox = join(root, 'default/2000/INBOX');
    let expected = new Set<string>();
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const iterations = 30;
    let recovered = 0;
    const recoveries: string[] = [];
    for (let it = 0; it < iterations; it++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, root, String(it + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<void>((r) => proc.on('exit', () => r()));
      const waitFor = 1 + rand(12);
      let seen = 0;
      let buffered = '';
      const apply = (line: string): void => {
        const [op, id] = line.split(' ');
        if (op === 'C') expected.add(id!);
        else if (op === 'R') expected.delete(id!);
      };
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const l of lines) {
            if (l === 'ready') continue;
            apply(l);
            seen++;
          }
          if (seen >= waitFor && !proc.killed) {
            // 0-80 ms later (an operation with its fsyncs takes tens of ms): lands anywhere in one.
            setTimeout(() => {
              proc.kill('SIGKILL');
              resolve();
            }, rand(80));
          }
        });
        proc.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`child exited early with ${code}`));
        });
      });
      await exited;
      for (const l of buffered.split('\n')) if (/^[CRM] /.test(l)) apply(l);

      const spool = open(root, { maxMsg: () => 9999, log: (_l, m) => recoveries.push(m.replace(/ of .*/, '')) });
      const found = [...spool.list('default', '2000', 'INBOX'), ...spool.list('default', '2000', 'Old')].map((m) => m.info.msg_id);
      assert.equal(new Set(found).size, found.length, `a message is in one place only: ${found.join(' ')}`);
      const missing = [...expected].filter((id) => !found.includes(id));
      const extra = found.filter((id) => !expected.has(id));
      assert.ok(missing.length + extra.length <= 1, `iteration ${it}: only the operation in flight may differ (missing ${missing}, extra ${extra})`);
      if (extra.length) recovered++;
      for (const folder of ['INBOX', 'Old']) {
        const dir = join(root, 'default/2000', folder);
        const names = files(dir);
        const count = names.length / 2;
        const want: string[] = [];
        for (let n = 0; n < count; n++) want.push(`msg${String(n).padStart(4, '0')}.txt`, `msg${String(n).padStart(4, '0')}.wav`);
        assert.deepEqual(names, want, `iteration ${it}: ${folder} is msg0000..msg${count - 1} each with .wav and .txt`);
        for (let n = 0; n < count; n++) {
          const wav = join(dir, `msg${String(n).padStart(4, '0')}.wav`);
          const head = readFileSync(wav).subarray(0, 44);
          assert.equal(head.readUInt32LE(4), statSync(wav).size - 8, `iteration ${it}: ${wav} has a whole WAV header`);
        }
      }
      assert.deepEqual(files(join(root, 'default/2000/tmp')), [], `iteration ${it}: no temp files left`);
      assert.deepEqual(files(join(root, 'default/2000')).filter((n) => n.startsWith('.')), []);
      expected = new Set(found);
    }
    // After all that, the next message takes the next number.
    const spool = open(root, { maxMsg: () => 9999 });
    const before = files(inbox).length / 2;
    assert.equal(leave(spool, 'x').index, before);
    assert.ok(expected.size > 0, 'the child did leave messages');
    const kinds = new Map<string, number>();
    for (const r of recoveries) {
      const kind = r.replace(/^voicemail: /, '').replace(/ [/A-Za-z]*\/.*$| INBOX.*| Old.*/, '');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    t.diagnostic(`${iterations} kills, ${recovered} operations in flight appeared; recovery: ${[...kinds].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  });
});
