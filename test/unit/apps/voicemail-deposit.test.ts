/**
 * VoiceMail() leaving messages, driven tick by tick against the real file spool in a temp
 * directory: option parsing (including the 1.2 `u2000` spelling), which greeting is played,
 * minsecs and all-silence discards, a full box, VMSTATUS, several boxes, the `.txt` fields, the
 * exit keys during the greeting, and the review menu of `review=yes` (record-review.ts).
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callerIdText, chooseGreeting, origDate, parseVoiceMailArgs } from '../../../src/apps/voicemail/deposit.ts';
import type { VoicemailRuntime } from '../../../src/apps/voicemail/runtime.ts';
import { defaultVoicemailGeneral } from '../../../src/config/voicemail-conf.ts';
import type { Mailbox, VoicemailConfig, VoicemailGeneral } from '../../../src/config/voicemail-model.ts';
import { voicemailApplications } from '../../../src/dialplan/apps/voicemail.ts';
import type { ApplicationDeps } from '../../../src/dialplan/apps/deps.ts';
import type { DialplanApplication, DialplanLookup } from '../../../src/dialplan/types.ts';
import type { AudioFrame } from '../../../src/media/frame.ts';
import { readWav } from '../../../src/media/wav.ts';
import { FileVoicemailSpool } from '../../../src/store/voicemail-spool.ts';
import type { StoredMessage } from '../../../src/store/voicemail-types.ts';
import { fakeLookup, FakeSounds, find, finish, harness, settle } from '../dialplan/apps-media-fixtures.ts';
import type { Harness } from '../dialplan/apps-media-fixtures.ts';

const PROMPTS = {
  'vm-intro': 2, 'vm-theperson': 1, 'vm-isunavail': 1, 'vm-isonphone': 1, beep: 1, 'vm-goodbye': 1, 'vm-mailboxfull': 1, 'digits/2': 1, 'digits/0': 1, 'digits/1': 1,
  // the review menu (review=yes)
  'vm-review': 1, 'vm-review-urgent': 1, 'vm-review-nonurgent': 1, 'vm-msgsaved': 1, 'vm-marked-urgent': 1, 'vm-marked-nonurgent': 1,
  'vm-reachoper': 1, 'vm-tooshort': 1, 'vm-torerecord': 1, 'vm-sorry': 1,
};

function mailbox(box: string, extra: Partial<Mailbox> = {}): Mailbox {
  return { context: 'default', box, pinLocked: false, fullName: `Owner ${box}`, options: { other: {} }, fromPbxConf: true, origin: { file: 'pbx.conf', line: 1 }, ...extra };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-vm-deposit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Rig {
  h: Harness;
  app: DialplanApplication;
  spool: FileVoicemailSpool;
  left: { mailbox: string; message: StoredMessage }[];
  config: VoicemailConfig;
}

function rig(general: Partial<VoicemailGeneral> = {}, opts: { boxes?: Mailbox[]; lookup?: DialplanLookup; maxMsg?: number } = {}): Rig {
  const h = harness({ sounds: new FakeSounds(PROMPTS), ...(opts.lookup ? { lookup: opts.lookup } : {}) });
  h.media.format = 'slin';
  h.channel.callerId = { name: 'Alice', number: '2000' };
  h.channel.context = 'macro-stdexten';
  h.channel.exten = 's-NOANSWER';
  h.channel.variables.set('MACRO_CONTEXT', 'phones');
  h.channel.variables.set('MACRO_EXTEN', '2001');
  const boxes = opts.boxes ?? [mailbox('2001'), mailbox('2002')];
  const config: VoicemailConfig = {
    general: { ...defaultVoicemailGeneral(), formats: ['wav'], ...general },
    zones: new Map(),
    contexts: new Map([['default', new Map(boxes.map((b) => [b.box, b]))]]),
  };
  const spool = new FileVoicemailSpool({ root: join(dir, 'voicemail'), volatile: false, maxMsg: () => opts.maxMsg ?? config.general.maxMsg });
  const left: Rig['left'] = [];
  const runtime: VoicemailRuntime = {
    config: () => config,
    spool,
    messageLeft: (m, message) => left.push({ mailbox: `${m.box}@${m.context}`, message }),
    logins: { allowed: () => true, failed: () => {}, succeeded: () => {} },
  };
  const deps = { voicemail: () => runtime } as unknown as ApplicationDeps;
  const app = find(voicemailApplications(deps, { clock: h.clock }), 'VoiceMail');
  return { h, app, spool, left, config };
}

function frame(level: number): AudioFrame {
  return { format: 'slin', timestamp: 0, data: new Int16Array(160).fill(level) };
}

/** Ticks while prompts play (no audio from the caller), until the recording listens for frames. */
async function untilRecording(h: Harness, max = 500): Promise<void> {
  for (let i = 0; i < max && h.media.frameListeners.size === 0; i++) {
    h.clock.tick();
    await settle();
  }
  assert.ok(h.media.frameListeners.size > 0, 'the recording started');
}

/** The caller sends `n` frames at `level`, one per tick. */
async function talk(h: Harness, n: number, level: number): Promise<void> {
  for (let i = 0; i < n && h.media.frameListeners.size > 0; i++) {
    h.media.receive(frame(level));
    h.clock.tick();
    await settle();
  }
}

function inbox(box: string): string[] {
  try {
    return readdirSync(join(dir, 'voicemail', 'default', box, 'INBOX')).sort();
  } catch {
    return [];
  }
}

describe('VoiceMail arguments', () => {
  test('boxes, contexts and options; the 1.2 leading u/b/s on the box', () => {
    assert.deepEqual(parseVoiceMailArgs(['2000@office&2001', 'uU']), {
      boxes: [
        { box: '2000', context: 'office' },
        { box: '2001', context: 'default' },
      ],
      options: { skipIntro: false, urgent: true, gainDb: 0, greeting: 'unavail' },
    });
    assert.deepEqual(parseVoiceMailArgs(['u2000']).boxes, [{ box: '2000', context: 'default' }]);
    assert.equal(parseVoiceMailArgs(['u2000']).options.greeting, 'unavail');
    assert.equal(parseVoiceMailArgs(['b2000']).options.greeting, 'busy');
    const su = parseVoiceMailArgs(['su2000']);
    assert.equal(su.options.skipIntro, true);
    assert.equal(su.options.greeting, 'unavail');
    // With an options argument the box is taken as written (a box may start with a letter then).
    assert.deepEqual(parseVoiceMailArgs(['sales', 'b']).boxes, [{ box: 'sales', context: 'default' }]);
    const g = parseVoiceMailArgs(['2000', 'sg(6)d(other)']).options;
    assert.equal(g.gainDb, 6);
    assert.equal(g.dialContext, 'other');
    assert.equal(g.skipIntro, true);
    assert.equal(parseVoiceMailArgs(['2000', 'd']).options.dialContext, '');
    const j = parseVoiceMailArgs(['ju2000']);
    assert.deepEqual(j.boxes, [{ box: '2000', context: 'default' }]);
    assert.equal(j.options.priorityJump, true);
  });

  test('greeting: temp first, then the kind asked for, else the name or "the person at extension" with its digits', () => {
    const have = new Set<string>();
    const spool = { greeting: (_c: string, _b: string, kind: string) => (have.has(kind) ? { basePath: `/vm/${kind}`, formats: ['wav'] } : undefined) };
    const box = mailbox('201');
    assert.deepEqual(chooseGreeting(spool, box, 'unavail'), { kind: 'prompts', prompts: ['vm-theperson', 'digits/2', 'digits/0', 'digits/1', 'vm-isunavail'] });
    assert.deepEqual(chooseGreeting(spool, box, 'busy'), { kind: 'prompts', prompts: ['vm-theperson', 'digits/2', 'digits/0', 'digits/1', 'vm-isonphone'] });
    assert.deepEqual(chooseGreeting(spool, box, undefined), { kind: 'none' });
    have.add('greet');
    assert.deepEqual(chooseGreeting(spool, box, 'busy'), { kind: 'prompts', prompts: ['/vm/greet', 'vm-isonphone'] });
    have.add('busy');
    assert.deepEqual(chooseGreeting(spool, box, 'busy'), { kind: 'recorded', basePath: '/vm/busy', greeting: 'busy' });
    have.add('temp');
    assert.deepEqual(chooseGreeting(spool, box, 'busy'), { kind: 'recorded', basePath: '/vm/temp', greeting: 'temp' });
    assert.deepEqual(chooseGreeting(spool, box, undefined), { kind: 'recorded', basePath: '/vm/temp', greeting: 'temp' });
  });

  test('caller ID and date as app_voicemail writes them', () => {
    assert.equal(callerIdText('Alice', '2000'), '"Alice" <2000>');
    assert.equal(callerIdText(undefined, '2000'), '2000');
    assert.equal(callerIdText('', ''), 'Unknown');
    assert.equal(origDate(Date.UTC(2026, 11, 7, 14, 3, 4)), 'Mon Dec  7 02:03:04 PM UTC 2026');
  });
});

describe('VoiceMail()', () => {
  test('u: the made-up unavailable greeting, intro, beep; # ends; the message and its .txt are in INBOX', async () => {
    const r = rig();
    const run = r.h.start(r.app, '2001,u');
    await untilRecording(r.h);
    assert.deepEqual((r.h.ctx('').sounds as FakeSounds).played, ['vm-theperson', 'digits/2', 'digits/0', 'digits/0', 'digits/1', 'vm-isunavail', 'vm-intro', 'beep']);
    assert.equal(r.h.channel.state, 'Up', 'VoiceMail answers');
    await talk(r.h, 150, 3000); // 3 s of speech
    r.h.media.press('#');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
    const txt = readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.txt'), 'utf8');
    assert.match(txt, /^callerid="Alice" <2000>$/m);
    assert.match(txt, /^callerchan=SIP\/alice-00000001$/m);
    assert.match(txt, /^macrocontext=phones$/m);
    assert.match(txt, /^exten=2001$/m);
    assert.match(txt, /^origdate=\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d [AP]M \S+ \d{4}$/m);
    assert.match(txt, /^origtime=0$/m);
    assert.match(txt, /^msg_id=0-[0-9a-f]{8}$/m);
    assert.match(txt, /^duration=2$/m, '3 s minus the key tone is 2.75 s: whole seconds');
    const wav = readWav(new Uint8Array(readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.wav'))));
    assert.equal(wav.data.length, 150 * 160 - 250 * 8, 'the key tone (250 ms) is cut');
    assert.equal(wav.data[0], 3000);
    assert.equal(r.left.length, 1);
    assert.equal(r.left[0]!.mailbox, '2001@default');
    assert.equal(r.h.clock.listenerCount, 0);
    assert.equal(r.h.media.frameListeners.size, 0);
  });

  test('s skips vm-intro; b says "is on the phone"; a hangup keeps the message', async () => {
    const r = rig();
    const run = r.h.start(r.app, '2001,bs');
    await untilRecording(r.h);
    assert.deepEqual((r.h.ctx('').sounds as FakeSounds).played, ['vm-theperson', 'digits/2', 'digits/0', 'digits/0', 'digits/1', 'vm-isonphone', 'beep']);
    await talk(r.h, 100, 2500);
    r.h.channel.farHangup();
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
    assert.match(readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.txt'), 'utf8'), /^duration=2$/m);
  });

  test('shorter than minsecs is discarded: VMSTATUS FAILED and no file', async () => {
    const r = rig({ minSecs: 3 });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000); // 2 s
    r.h.channel.farHangup();
    await finish(r.h, run);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'FAILED');
    assert.deepEqual(inbox('2001'), []);
    assert.equal(r.left.length, 0);
    assert.deepEqual(readdirSync(join(dir, 'voicemail/default/2001/tmp')), [], 'no temp file left');
  });

  test('only silence is discarded even without minsecs; maxsilence ends the recording', async () => {
    const r = rig({ maxSilence: 2, silenceThreshold: 128 });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 200, 5);
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'FAILED');
    assert.deepEqual(inbox('2001'), []);
  });

  test('speech then silence: maxsilence trims the trailing silence', async () => {
    const r = rig({ maxSilence: 2, silenceThreshold: 128 });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    await talk(r.h, 200, 5);
    await finish(r.h, run);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    const wav = readWav(new Uint8Array(readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.wav'))));
    assert.equal(wav.data.length, (100 + 10) * 160, '2 s of speech and 200 ms of the silence');
  });

  test('maxsecs ends it; several boxes each get the message', async () => {
    const r = rig({ maxSecs: 2 });
    const run = r.h.start(r.app, '2001&2002,s');
    await untilRecording(r.h);
    await talk(r.h, 300, 2000);
    await finish(r.h, run);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
    assert.deepEqual(inbox('2002'), ['msg0000.txt', 'msg0000.wav']);
    assert.deepEqual(r.left.map((l) => l.mailbox), ['2001@default', '2002@default']);
    assert.ok((r.h.ctx('').sounds as FakeSounds).played.includes('vm-goodbye'));
  });

  test('a box that does not exist: FAILED with a warning, the dialplan goes on, nothing played', async () => {
    const r = rig();
    const run = r.h.start(r.app, '9999,u');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'FAILED');
    assert.ok(r.h.logs.some((l) => l.level === 'warning' && l.message.includes("'9999@default'")));
    assert.deepEqual((r.h.ctx('').sounds as FakeSounds).played, []);
  });

  test('a full box: vm-mailboxfull, FAILED, nothing recorded', async () => {
    const r = rig({}, { maxMsg: 1 });
    const first = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await finish(r.h, first);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    const again = r.h.start(r.app, '2001,s');
    await finish(r.h, again);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'FAILED');
    assert.ok((r.h.ctx('').sounds as FakeSounds).played.includes('vm-mailboxfull'));
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
  });

  test('* during the greeting goes to a, 0 to o only with operator=yes; USEREXIT', async () => {
    const lookup = fakeLookup({ phones: { a: 1, o: 1 } });
    const r = rig({ operator: false }, { lookup });
    const run = r.h.start(r.app, '2001,u');
    r.h.clock.tick();
    await settle();
    r.h.media.press('0'); // no operator: ignored
    r.h.media.press('*');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'phones', exten: 'a', priority: 1 });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'USEREXIT');

    const r2 = rig({ operator: true }, { lookup });
    const run2 = r2.h.start(r2.app, '2001,u');
    r2.h.clock.tick();
    await settle();
    r2.h.media.press('0');
    await finish(r2.h, run2);
    assert.deepEqual(run2.result, { kind: 'goto', context: 'phones', exten: 'o', priority: 1 });
    assert.deepEqual(inbox('2001'), []);
  });

  test('# during the greeting skips it and the instructions', async () => {
    const r = rig();
    const run = r.h.start(r.app, '2001,u');
    r.h.clock.tick();
    await settle();
    r.h.media.press('#');
    await untilRecording(r.h);
    const played = (r.h.ctx('').sounds as FakeSounds).played;
    assert.equal(played[played.length - 1], 'beep');
    assert.ok(r.h.media.sent.length <= 3, `the greeting (7 frames) and the intro (2) were cut short: ${r.h.media.sent.length} frames sent`);
    r.h.channel.farHangup();
    await finish(r.h, run);
  });

  test('U: the message goes to Urgent with flag=Urgent', async () => {
    const r = rig();
    const run = r.h.start(r.app, '2001,sU');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await finish(r.h, run);
    const urgent = readdirSync(join(dir, 'voicemail/default/2001/Urgent')).sort();
    assert.deepEqual(urgent, ['msg0000.txt', 'msg0000.wav']);
    assert.match(readFileSync(join(dir, 'voicemail/default/2001/Urgent/msg0000.txt'), 'utf8'), /^flag=Urgent$/m);
    assert.equal(r.spool.counts('default', '2001').urgentNew, 1);
  });

  test('d(c): a digit during the greeting dials that extension of c; g(6) doubles the level', async () => {
    const lookup = fakeLookup({ other: { '12': 1 } });
    const r = rig({}, { lookup });
    const run = r.h.start(r.app, '2001,ud(other)');
    r.h.clock.tick();
    await settle();
    r.h.media.press('1');
    r.h.media.press('2');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'other', exten: '12', priority: 1 });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'USEREXIT');

    const g = rig();
    const loud = g.h.start(g.app, '2001,sg(6)');
    await untilRecording(g.h);
    await talk(g.h, 100, 1000);
    g.h.media.press('#');
    await finish(g.h, loud);
    const wav = readWav(new Uint8Array(readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.wav'))));
    assert.ok(Math.abs(wav.data[0]! - 1995) <= 1, `+6 dB: ${wav.data[0]}`);
  });

  test('0 during the recording with operator=yes keeps the message and goes to o', async () => {
    const r = rig({ operator: true }, { lookup: fakeLookup({ 'macro-stdexten': { o: 1 } }) });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('0');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'macro-stdexten', exten: 'o', priority: 1 });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'USEREXIT');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
  });
});

/** Ticks until `name` has been played `count` times (the review menu's prompts). */
async function untilPlayed(h: Harness, name: string, count = 1, max = 2000): Promise<void> {
  const played = (): number => (h.ctx('').sounds as FakeSounds).played.filter((p) => p === name).length;
  for (let i = 0; i < max && played() < count; i++) {
    h.clock.tick();
    await settle();
  }
  assert.equal(played(), count, `${name} played ${count} time(s)`);
}

function savedWav(box: string, folder = 'INBOX'): Int16Array {
  return readWav(new Uint8Array(readFileSync(join(dir, 'voicemail/default', box, folder, 'msg0000.wav')))).data as Int16Array;
}

describe('VoiceMail() with review=yes', () => {
  test('review off: # saves at once, no review menu', async () => {
    const r = rig({ review: false });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await finish(r.h, run);
    const played = (r.h.ctx('').sounds as FakeSounds).played;
    assert.ok(!played.includes('vm-review'), played.join(' '));
    assert.deepEqual(played.slice(-2), ['beep', 'vm-goodbye']);
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
  });

  test('1 saves: vm-review (and press 4 for urgent), vm-msgsaved, goodbye', async () => {
    const r = rig({ review: true });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review-urgent');
    assert.deepEqual(inbox('2001'), [], 'nothing is saved while the caller reviews');
    r.h.media.press('1');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual((r.h.ctx('').sounds as FakeSounds).played.slice(-4), ['vm-review', 'vm-review-urgent', 'vm-msgsaved', 'vm-goodbye']);
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
    assert.equal(savedWav('2001').length, 100 * 160 - 250 * 8);
    assert.equal(r.left.length, 1);
  });

  test('a per-box review=yes works without [general] review; 2 plays the recording back, then 1 saves', async () => {
    const r = rig({ review: false }, { boxes: [mailbox('2001', { options: { review: true, other: {} } })] });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review');
    const before = r.h.media.sent.length;
    r.h.media.press('2');
    await untilPlayed(r.h, 'vm-review', 2);
    const replayed = r.h.media.sent.slice(before).filter((f) => f.data[0] === 3000).length;
    assert.equal(replayed, Math.ceil((100 * 160 - 250 * 8) / 160), 'the whole take was played back to the caller');
    r.h.media.press('1');
    await finish(r.h, run);
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
  });

  test('3 re-records after vm-intro and the beep: the saved message is the second take', async () => {
    const r = rig({ review: true });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review');
    r.h.media.press('3');
    await untilPlayed(r.h, 'beep', 2);
    await untilRecording(r.h);
    await talk(r.h, 150, 1000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review', 2);
    r.h.media.press('1');
    await finish(r.h, run);
    const played = (r.h.ctx('').sounds as FakeSounds).played;
    assert.equal(played.filter((p) => p === 'vm-intro').length, 1, 's: no intro before the first take; Asterisk plays it before a re-record');
    const wav = savedWav('2001');
    assert.equal(wav.length, 150 * 160 - 250 * 8, 'only the second take, with one WAV header');
    assert.equal(wav[0], 1000);
    assert.match(readFileSync(join(dir, 'voicemail/default/2001/INBOX/msg0000.txt'), 'utf8'), /^duration=2$/m);
  });

  test('a hangup during the review keeps the message', async () => {
    const r = rig({ review: true });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review');
    r.h.channel.farHangup();
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
    assert.equal(r.left.length, 1);
  });

  test('4 marks it Urgent (folder Urgent, flag=Urgent); no key for four rounds saves it', async () => {
    const r = rig({ review: true });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-review');
    r.h.media.press('4');
    await untilPlayed(r.h, 'vm-marked-urgent');
    await finish(r.h, run, 20_000);
    const played = (r.h.ctx('').sounds as FakeSounds).played;
    assert.equal(played.filter((p) => p === 'vm-review-nonurgent').length, 4, 'the menu now offers to remove the mark; one round and three repeats');
    assert.ok(!played.includes('vm-msgsaved'));
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'SUCCESS');
    assert.deepEqual(inbox('2001'), []);
    assert.deepEqual(readdirSync(join(dir, 'voicemail/default/2001/Urgent')).sort(), ['msg0000.txt', 'msg0000.wav']);
    assert.match(readFileSync(join(dir, 'voicemail/default/2001/Urgent/msg0000.txt'), 'utf8'), /^flag=Urgent$/m);
    assert.equal(r.left[0]!.message.folder, 'Urgent');
  });

  test('0 in the review menu with operator=yes keeps the message and goes to o', async () => {
    const r = rig({ review: true, operator: true }, { lookup: fakeLookup({ 'macro-stdexten': { o: 1 } }) });
    const run = r.h.start(r.app, '2001,s');
    await untilRecording(r.h);
    await talk(r.h, 100, 3000);
    r.h.media.press('#');
    await untilPlayed(r.h, 'vm-reachoper');
    r.h.media.press('0');
    await finish(r.h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'macro-stdexten', exten: 'o', priority: 1 });
    assert.equal(r.h.channel.variables.get('VMSTATUS'), 'USEREXIT');
    assert.deepEqual(inbox('2001'), ['msg0000.txt', 'msg0000.wav']);
  });
});
