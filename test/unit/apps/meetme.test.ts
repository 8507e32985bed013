/**
 * MeetMe's conference logic with fake channels on the manual media clock: who hears whom (the
 * sum of the others, never oneself; listen-only and muted users heard by nobody), music while
 * alone with M, `#` with p, the `*` menu, kick, `x` with marked users, the conference forgotten
 * when empty (nothing left on the clock); the MeetMe application's PIN handling (three wrong
 * tries, the admin PIN, the pin argument, a locked conference, dynamic conferences, MEETMESECS);
 * meetme.conf errors with file:line; the console's layouts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMediaClock, settle } from '../../../src/media/manual-clock.ts';
import { SAMPLES_PER_FRAME, type AudioFrame } from '../../../src/media/frame.ts';
import { MeetmeRegistry } from '../../../src/apps/meetme/registry.ts';
import { DEFAULT_FLAGS, type ConfUser, type UserFlags } from '../../../src/apps/meetme/conference.ts';
import type { MeetmeRoomConfig } from '../../../src/config/meetme-conf.ts';
import { readMeetmeConf } from '../../../src/config/meetme-conf.ts';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { formatMeetmeList, formatMeetmeUsers } from '../../../src/cli/commands/meetme.ts';
import { meetmeApplications } from '../../../src/dialplan/apps/meetme.ts';
import { FakeChannel, FakeMedia, FakeSounds, harness, finish, find } from '../dialplan/apps-media-fixtures.ts';
import type { ApplicationDeps } from '../../../src/dialplan/apps/deps.ts';

const level = (v: number): AudioFrame => ({ format: 'slin', timestamp: 0, data: new Int16Array(SAMPLES_PER_FRAME).fill(v) });
const MUSIC = 1234;

class Rig {
  readonly clock = new ManualMediaClock();
  readonly played: string[] = [];
  readonly log: string[] = [];
  now = 1_000_000;
  musicOn = 0;
  readonly reg: MeetmeRegistry;

  constructor(rooms: Record<string, [string, string]> = { '1234': ['', ''] }) {
    const map = new Map<string, MeetmeRoomConfig>(Object.entries(rooms).map(([confno, [pin, adminpin]]) => [confno, { confno, pin, adminpin, origin: { file: 'meetme.conf', line: 1 } }]));
    this.reg = new MeetmeRegistry({
      clock: this.clock,
      now: () => this.now,
      rooms: () => map,
      prompt: (name, _lang, format) => {
        this.played.push(name);
        // Two silent frames, in the format asked for.
        return [0, 1].map((k) => (format === 'slin' ? { format, timestamp: k * 160, data: new Int16Array(SAMPLES_PER_FRAME) } : { format, timestamp: k * 160, data: new Uint8Array(SAMPLES_PER_FRAME).fill(0xff) }));
      },
      music: (_ch, _format, send) => {
        this.musicOn++;
        const off = this.clock.onTick(() => send(level(MUSIC)));
        return () => {
          this.musicOn--;
          off();
        };
      },
      log: (m) => this.log.push(m),
    });
  }

  channel(name: string): { ch: FakeChannel; media: FakeMedia } {
    const media = new FakeMedia();
    media.format = 'slin';
    const ch = new FakeChannel(media);
    Object.defineProperty(ch, 'name', { value: name });
    return { ch, media };
  }

  join(name: string, flags: Partial<UserFlags> = {}): { ch: FakeChannel; media: FakeMedia; user: ConfUser } {
    const { ch, media } = this.channel(name);
    const conf = this.reg.open('1234')!;
    const user = conf.join(ch, { ...DEFAULT_FLAGS, quiet: true, ...flags })!;
    this.reg.release(conf);
    return { ch, media, user };
  }

  /** `n` ticks, each after every talker sent one frame. */
  run(n: number, talkers: [FakeMedia, number][]): void {
    for (let i = 0; i < n; i++) {
      for (const [m, v] of talkers) m.receive(level(v));
      this.clock.tick();
    }
  }
}

const lastLevel = (m: FakeMedia): number | undefined => (m.sent.at(-1)?.data as Int16Array | undefined)?.[0];

describe('MeetMe conference (apps/meetme)', () => {
  test('each user hears the sum of the others, never itself; listen-only and muted users are not heard', async () => {
    const r = new Rig();
    const a = r.join('SIP/a-1');
    const b = r.join('SIP/b-2');
    const c = r.join('SIP/c-3', { listenOnly: true });
    r.run(5, [[a.media, 1000], [b.media, 2000], [c.media, 4000]]);
    assert.equal(lastLevel(c.media), 3000, 'C hears A + B');
    assert.equal(lastLevel(a.media), 2000, 'A hears B, not itself, not the listen-only C');
    assert.equal(lastLevel(b.media), 1000);
    const conf = r.reg.find('1234')!;
    assert.ok(conf.mute(a.user.userNo, true));
    r.run(5, [[a.media, 1000], [b.media, 2000]]);
    assert.equal(lastLevel(c.media), 2000, 'the admin-muted A is not heard');
    assert.match(formatMeetmeUsers(r.reg, '1234', r.now), /^User #: 01 +201 Alice +Channel: SIP\/a-1   \(Admin Muted\)/m);
    assert.match(formatMeetmeUsers(r.reg, '1234', r.now), /^User #: 03 .*Channel: SIP\/c-3  \(Listen only\) /m);
    for (const u of [a, b, c]) u.ch.farHangup();
    await settle();
    assert.equal(r.reg.list().length, 0);
    assert.equal(r.clock.listenerCount, 0, 'nothing left on the media clock');
  });

  test('M: music while alone, stopped when the second user joins, back when alone again', async () => {
    const r = new Rig();
    const a = r.join('SIP/a-1', { music: true });
    r.clock.tick(3);
    assert.equal(lastLevel(a.media), MUSIC);
    assert.equal(r.musicOn, 1);
    const b = r.join('SIP/b-2', { music: true });
    assert.equal(r.musicOn, 0);
    r.run(4, [[b.media, 500]]);
    assert.equal(lastLevel(a.media), 500, 'A hears B instead of music');
    b.ch.farHangup();
    await settle();
    assert.equal(r.musicOn, 1, 'alone again: music');
    a.ch.farHangup();
    await settle();
    assert.equal(r.musicOn, 0);
    assert.equal(r.clock.listenerCount, 0);
  });

  test('conf-onlyperson for the first user unless q, 1 or M; the enter sound is heard by the others', async () => {
    const r = new Rig();
    const a = r.join('SIP/a-1', { quiet: false });
    assert.deepEqual(r.played, ['conf-onlyperson']);
    r.clock.tick(5);
    r.join('SIP/b-2', { quiet: false });
    assert.deepEqual(r.played, ['conf-onlyperson'], 'not for the second');
    let heardBeep = false;
    for (let i = 0; i < 30; i++) {
      r.clock.tick();
      await settle();
      heardBeep ||= ((a.media.sent.at(-1)?.data ?? new Int16Array(0)) as Int16Array).some((v) => Math.abs(v) > 1000);
    }
    assert.ok(heardBeep, 'A hears the enter beep of B');
    const r2 = new Rig();
    r2.join('SIP/x-1', { quiet: false, noOnlyPerson: true });
    r2.join('SIP/y-1', { quiet: false, music: true });
    assert.deepEqual(r2.played, []);
  });

  test('# leaves with p only; the * menu mutes and unmutes; an admin locks and ejects the last user', async () => {
    const r = new Rig();
    const a = r.join('SIP/a-1', { menu: true, poundExit: true, admin: true });
    const b = r.join('SIP/b-2', { menu: true });
    const c = r.join('SIP/c-3');
    let bLeft: string | undefined;
    void b.user.left.then((why) => (bLeft = why));
    b.user.press('#');
    await settle();
    assert.equal(bLeft, undefined, 'no p: # does nothing');
    b.user.press('*');
    b.user.press('1');
    assert.ok(b.user.selfMuted);
    r.run(5, [[b.media, 700]]);
    assert.equal(lastLevel(c.media), 0, 'B muted itself');
    b.user.press('*');
    b.user.press('1');
    assert.ok(!b.user.selfMuted);
    a.user.press('*');
    a.user.press('2');
    assert.ok(r.reg.find('1234')!.locked);
    a.user.press('*');
    a.user.press('3');
    assert.deepEqual(r.played.filter((p) => p.startsWith('conf-')), ['conf-usermenu', 'conf-muted', 'conf-usermenu', 'conf-unmuted', 'conf-adminmenu', 'conf-lockednow', 'conf-adminmenu', 'conf-kicked']);
    r.clock.tick(5);
    await settle();
    assert.equal(await c.user.left, 'kicked', 'the last one who joined is ejected');
    a.user.press('#');
    assert.equal(await a.user.left, 'pound');
    b.ch.farHangup();
    await settle();
    assert.equal(r.reg.list().length, 0);
    assert.equal(r.clock.listenerCount, 0);
  });

  test('i/I: the recorded name is played to everyone when the user joins and leaves', async () => {
    const r = new Rig();
    const a = r.join('SIP/a-1');
    r.clock.tick(3);
    const name = [level(3000), level(3000), level(3000)];
    const b = r.join('SIP/b-2', { name });
    const heard: number[] = [];
    for (let i = 0; i < 8; i++) {
      r.clock.tick();
      await settle();
      heard.push(lastLevel(a.media) ?? 0);
    }
    assert.equal(heard.filter((v) => v === 3000).length, 3, `A hears B's name once (${heard.join(' ')})`);
    assert.ok(r.played.includes('conf-hasjoin'));
    b.ch.farHangup();
    await settle();
    assert.ok(r.played.includes('conf-hasleft'));
    a.ch.farHangup();
    await settle();
    assert.equal(r.clock.listenerCount, 0);
  });

  test('x: users leave when the last marked user has left', async () => {
    const r = new Rig();
    const lead = r.join('SIP/lead-1', { marked: true });
    const x = r.join('SIP/x-2', { closeOnMarkedExit: true });
    const y = r.join('SIP/y-3');
    assert.match(formatMeetmeList(r.reg, r.now + 61_000), /^1234 +0003\t +0001 +00:01:01  Static    No/m);
    lead.ch.farHangup();
    await settle();
    assert.equal(await x.user.left, 'closed');
    assert.equal(r.reg.find('1234')!.count, 1);
    y.ch.farHangup();
    await settle();
    assert.equal(formatMeetmeList(r.reg, r.now), 'No active MeetMe conferences.');
  });
});

describe('MeetMe application (dialplan/apps/meetme.ts)', () => {
  const sounds = new FakeSounds({ 'vm-rec-name': 3, beep: 2, 'conf-getpin': 3, 'conf-invalidpin': 3, 'conf-getconfno': 3, 'conf-invalid': 2, 'conf-locked': 2, 'conf-onlyperson': 2, 'conf-kicked': 2 });

  function setup(rooms: Record<string, [string, string]>): { rig: Rig; h: ReturnType<typeof harness>; app: ReturnType<typeof find> } {
    const rig = new Rig(rooms);
    const h = harness({ sounds });
    (h as { clock: ManualMediaClock }).clock = rig.clock;
    const deps = { meetme: () => rig.reg } as unknown as ApplicationDeps;
    const apps = meetmeApplications(deps, { clock: rig.clock });
    return { rig, h, app: find(apps, 'MeetMe') };
  }

  test('three wrong PINs: conf-invalidpin each time, then the dialplan goes on; nobody joined', async () => {
    const { rig, h, app } = setup({ '1234': ['4321', '9999'] });
    sounds.played.length = 0;
    const run = h.start(app, '1234,p');
    for (let i = 0; i < 3; i++) {
      await rig.clock.runUntil(() => h.media.digitListeners.size > 0, 1000);
      h.media.press('11#');
      await rig.clock.runUntil(() => sounds.played.filter((p) => p === 'conf-invalidpin').length > i, 1000);
    }
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.deepEqual(sounds.played, ['conf-getpin', 'conf-invalidpin', 'conf-getpin', 'conf-invalidpin', 'conf-getpin', 'conf-invalidpin']);
    assert.equal(rig.reg.list().length, 0);
    assert.equal(rig.clock.listenerCount, 0);
  });

  test('the admin PIN makes an admin; # leaves with p and sets MEETMESECS', async () => {
    const { rig, h, app } = setup({ '1234': ['4321', '9999'] });
    const run = h.start(app, '1234,qp');
    await rig.clock.runUntil(() => h.media.digitListeners.size > 0, 1000);
    h.media.press('9999#');
    await rig.clock.runUntil(() => rig.reg.find('1234') !== undefined, 1000);
    const user = rig.reg.find('1234')!.list()[0]!;
    assert.ok(user.flags.admin);
    assert.equal(h.channel.state, 'Up');
    h.media.press('#');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('MEETMESECS'), '0');
    assert.equal(rig.reg.list().length, 0);
  });

  test('I: vm-rec-name, the beep, then the name is what the caller sends until #', async () => {
    const { rig, h, app } = setup({ '1234': ['', ''] });
    sounds.played.length = 0;
    const run = h.start(app, '1234,qI');
    await rig.clock.runUntil(() => sounds.played.includes('beep') && h.media.frameListeners.size > 0, 1000);
    for (let i = 0; i < 4; i++) h.media.receive({ format: 'ulaw', timestamp: i * 160, data: new Uint8Array(SAMPLES_PER_FRAME).fill(0x10) });
    h.media.press('#');
    await rig.clock.runUntil(() => rig.reg.find('1234') !== undefined, 1000);
    const user = rig.reg.find('1234')!.list()[0]!;
    assert.equal(user.flags.name?.length, 4);
    assert.deepEqual(sounds.played.slice(0, 2), ['vm-rec-name', 'beep']);
    h.channel.farHangup();
    await finish(h, run);
    assert.equal(rig.reg.list().length, 0);
  });

  test('a locked conference refuses a user (conf-locked); an unknown number without d is conf-invalid; d makes one', async () => {
    const { rig, h, app } = setup({ '1234': ['', ''] });
    const other = rig.join('SIP/b-2');
    rig.reg.find('1234')!.locked = true;
    sounds.played.length = 0;
    const run = h.start(app, '1234,q');
    await finish(h, run);
    assert.deepEqual(sounds.played, ['conf-locked']);
    other.ch.farHangup();
    await settle();

    sounds.played.length = 0;
    const unknown = h.start(app, '555,q');
    await finish(h, unknown);
    assert.deepEqual(sounds.played, ['conf-invalid']);
    assert.deepEqual(unknown.result, { kind: 'next' });

    const dyn = h.start(app, '555,qd');
    await rig.clock.runUntil(() => rig.reg.find('555') !== undefined, 100);
    assert.match(formatMeetmeList(rig.reg, rig.now), /^555 +0001\t +N\/A +00:00:00  Dynamic   No/m);
    h.channel.farHangup();
    await finish(h, dyn);
    assert.deepEqual(dyn.result, { kind: 'hangup' });
    assert.equal(rig.reg.list().length, 0);
  });
});

describe('meetme.conf', () => {
  test('rooms with PINs; typos and bad values are errors with file:line; real [general] keys accepted', () => {
    const text = '[general]\naudiobuffers = 16\nschedule = yes\nadiobuffers = 2\n\n[rooms]\nconf => 1234,4321,9999\nconf => 1234\nconf => 77,12a\ncnf => 5\nconf => 600\n';
    const diag = new Diagnostics();
    const cfg = readMeetmeConf(parseConfText('meetme.conf', text).conf, diag);
    assert.equal(cfg.audiobuffers, 16);
    assert.deepEqual([...cfg.rooms.keys()], ['1234', '600']);
    assert.equal(cfg.rooms.get('1234')!.adminpin, '9999');
    assert.deepEqual(
      diag.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`),
      [
        "meetme.conf:4: unknown meetme.conf [general] key 'adiobuffers' (did you mean 'audiobuffers'?)",
        'meetme.conf:8: conference 1234 is defined twice (first at meetme.conf:7)',
        "meetme.conf:9: conf 77: a PIN is digits only (got '12a')",
        "meetme.conf:10: unknown meetme.conf [rooms] key 'cnf' (a room is 'conf => confno[,pin[,adminpin]]') (did you mean 'conf'?)",
      ],
    );
    assert.deepEqual(diag.warnings.map((w) => w.line), [3]);
  });
});
