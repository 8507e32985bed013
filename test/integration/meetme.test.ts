/**
 * MeetMe on the bundle with three raw SIP phones (calls-phone.ts: real SIP dialogs and RTP from
 * their own sockets): conference 1234 of meetme.conf with PIN 4321, MeetMe(1234,Mp).
 *  - each caller dials 800 and types the PIN as RFC 4733 digits;
 *  - the first hears the music on hold class (a 2 kHz file) while alone;
 *  - A sends 700 Hz, B 1400 Hz, C is silent: C hears both tones, A hears B and never itself;
 *  - `meetme list` / `meetme list 1234` show the conference and its three users;
 *  - `#` (p) takes A out: the dialplan goes on to Hangup, A gets a BYE, two users remain;
 *  - a wrong PIN three times: conf-invalidpin each time, then the dialplan goes on (BYE), and
 *    nobody joined;
 *  - a SIPp caller types the PIN of room 55 with SIPp's own RFC 4733 captures, is listed, and
 *    `meetme kick 55 all` sends it on in the dialplan (BYE);
 *  - three SIPp callers (meetme-sipp-tone.xml) type 4321# as RFC 4733 digits and play 700, 1400
 *    and 1000 Hz (A-law pcaps): the test binds the media port each one puts in its SDP, so it
 *    records what the PBX sends each SIPp caller: the first gets music while alone, then every
 *    caller gets packets holding both other tones at once (the sum) and never its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ALAW_DECODE, ULAW_DECODE } from '../../src/media/g711.ts';
import { rms, toneRatio } from '../../src/media/goertzel.ts';
import { hdr, Inbox, mediaPort, sdp, type Call, type Msg, type Phone } from './calls-phone.ts';
import { ALICE_BOB_CAROL, PhoneRig, typeDigits } from './transfer-phone.ts';
import { freePort, mohTone, pbxCheck, runSipp, sleep, type SippResult } from './harness.ts';
import { rtpPcap, tone } from './rtp-pcap.ts';

const MOH_HZ = 2000;
const A_HZ = 700;
const B_HZ = 1400;
const C_HZ = 1000;

/** A µ-law (PT 0) or A-law (PT 8) packet in which `hz` holds a good share of a loud signal (a sum of two tones gives each about half). */
function contains(hz: number, pt: 0 | 8 = 0): (pkt: Buffer) => boolean {
  const decode = pt === 0 ? ULAW_DECODE : ALAW_DECODE;
  return (pkt) => {
    if ((pkt[1]! & 0x7f) !== pt || pkt.length < 172) return false;
    const s = new Int16Array(pkt.length - 12);
    for (let i = 0; i < s.length; i++) s[i] = decode[pkt[12 + i]!]!;
    return rms(s) > 400 && toneRatio(s, hz) > 0.25;
  };
}

/**
 * A SIPp media port (-mp; SIPp binds it and -mp+2) and a socket on -mp+4, the port
 * meetme-sipp-tone.xml puts in its SDP: the PBX's RTP to that SIPp caller arrives here.
 */
async function sippMediaTap(): Promise<{ mp: number; tap: Inbox }> {
  for (let i = 0; ; i++) {
    const mp = await freePort();
    const tap = new Inbox();
    const bound = await new Promise<boolean>((res) => {
      tap.sock.once('error', () => res(false));
      tap.sock.bind(mp + 4, '127.0.0.1', () => res(true));
    });
    if (bound) {
      tap.port = mp + 4;
      return { mp, tap };
    }
    try {
      tap.close();
    } catch {
      // The failed bind already closed it.
    }
    if (i >= 10) throw new Error('no free port pair for a SIPp media tap');
  }
}

/**
 * SIPp as caller `user` of meetme-sipp-tone.xml (dialling 800), run in its own directory holding
 * the `hz` tone it plays: the scenario names the pcap relatively, so concurrent runs never share
 * one. Bounded by -m 1 and -timeout; the promise settles when SIPp exits.
 */
async function sippToneCaller(pbxPort: number, user: string, hz: number, mp: number): Promise<SippResult> {
  return runSipp(
    'meetme-sipp-tone.xml',
    pbxPort,
    ['-s', '800', '-au', user, '-ap', `Secr3t-${user}`, '-set', 'caller', user, '-mp', String(mp), '-auth_uri', `800@127.0.0.1:${pbxPort}`],
    { timeoutS: 90, files: { 'meetme-tone.pcap': rtpPcap(tone(40, hz)) } },
  );
}

/** Forget what arrived so far. */
async function drain(inbox: Inbox): Promise<void> {
  while ((await inbox.take(() => true, 0)) !== undefined);
}

interface InConf {
  phone: Phone;
  c: Call;
  ok: Msg;
  port: number;
}

describe('MeetMe conference', () => {
  let rig: PhoneRig;
  let mohDir: string;
  const tones: (() => void)[] = [];

  before(async () => {
    const moh = mohTone(MOH_HZ);
    mohDir = moh.dir;
    rig = await PhoneRig.start({
      phones: ALICE_BOB_CAROL,
      files: {
        'musiconhold.conf': moh.conf,
        'meetme.conf': '[general]\naudiobuffers = 32\n\n[rooms]\nconf => 1234,4321,9999\nconf => 55,1234\n',
        'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 800,1,MeetMe(1234,Mp)\n same => n,Hangup()\nexten => 801,1,MeetMe(55,q)\n same => n,Hangup()\n',
      },
    });
  });
  after(async () => {
    for (const t of tones) t();
    await rig?.close();
    rmSync(mohDir, { recursive: true, force: true });
  });

  /** `user` calls 800 (answered by MeetMe) and types `pin#`. */
  async function enter(user: string, pin: string): Promise<InConf> {
    const phone = rig.phone(user);
    const c = await phone.invite('800', sdp(phone.media.port, [0, 101]));
    const ok = await phone.response('INVITE', 200, 5000, c.callId);
    phone.ack(c, ok);
    const port = mediaPort(ok.body);
    await sleep(300);
    await typeDigits(phone, port, `${pin}#`);
    return { phone, c, ok, port };
  }

  const users = (): number => Number(/(\d+) users in that conference/.exec(rig.pbx.rx('meetme list 1234'))?.[1] ?? 0);
  async function waitUsers(n: number): Promise<void> {
    for (let i = 0; i < 50 && users() !== n; i++) await sleep(200);
    assert.equal(users(), n, rig.pbx.rx('meetme list 1234'));
  }

  test('three callers with the PIN: music while alone, each hears the others, # leaves', async () => {
    const a = await enter('2000', '4321');
    await waitUsers(1);
    assert.ok(await a.phone.media.take(contains(MOH_HZ), 5000), 'the first caller hears music on hold while alone');

    const b = await enter('2001', '4321');
    await waitUsers(2);
    const c = await enter('2002', '4321');
    await waitUsers(3);

    const list = rig.pbx.rx('meetme list 1234');
    for (const [n, user, name] of [['01', '2000', 'Alice'], ['02', '2001', 'Bob'], ['03', '2002', 'Carol']] as const) {
      assert.match(list, new RegExp(`User #: ${n} +${user} ${name} +Channel: SIP/${user}-`), list);
    }
    assert.match(rig.pbx.rx('meetme list'), /^1234 +0003\s+N\/A +\d\d:\d\d:\d\d +Static +No/m);
    assert.match(rig.pbx.rx('meetme list'), /\* Total number of MeetMe users: 3/);

    // Music stopped once B came in; the enter beeps are over after a moment.
    await sleep(800);
    tones.push(rig.tone(a.phone, a.port, A_HZ), rig.tone(b.phone, b.port, B_HZ));
    await sleep(500);
    for (const p of [a, b, c]) await drain(p.phone.media);
    assert.ok(await c.phone.media.take(contains(A_HZ), 4000), 'C hears A');
    assert.ok(await c.phone.media.take(contains(B_HZ), 4000), 'C hears B');
    assert.ok(await a.phone.media.take(contains(B_HZ), 4000), 'A hears B');
    assert.ok(await b.phone.media.take(contains(A_HZ), 4000), 'B hears A');
    await drain(a.phone.media);
    await sleep(1500);
    assert.equal(await a.phone.media.take(contains(A_HZ), 0), undefined, 'A never hears itself');
    assert.equal(await a.phone.media.take(contains(MOH_HZ), 0), undefined, 'no music once others are in');
    rig.stopTones();

    // # with p: A leaves, the dialplan goes on to Hangup (BYE), two users remain.
    await typeDigits(a.phone, a.port, '#');
    await rig.byeOf(a.phone, a.c.callId);
    await waitUsers(2);
    assert.doesNotMatch(rig.pbx.rx('meetme list 1234'), /SIP\/2000-/);

    // The console kicks C: it hears conf-kicked and goes on in the dialplan (Hangup: BYE).
    const kicked = rig.pbx.rx('meetme kick 1234 3');
    assert.equal(kicked.trim(), '');
    await rig.byeOf(c.phone, c.c.callId, 10000);
    await waitUsers(1);

    b.phone.bye(b.c, hdr(b.ok, 'Contact'));
    await b.phone.response('BYE', 200);
    await rig.idle();
    assert.equal(rig.pbx.rx('meetme list').trim(), 'No active MeetMe conferences.');
  });

  test('a wrong PIN is refused three times, then the caller is out', async () => {
    const phone = rig.phone('2001');
    const c = await phone.invite('800', sdp(phone.media.port, [0, 101]));
    const ok = await phone.response('INVITE', 200, 5000, c.callId);
    phone.ack(c, ok);
    const port = mediaPort(ok.body);
    await sleep(300);
    // Each try: the digits cut conf-getpin; conf-invalidpin (about 2.7 s) follows.
    for (let i = 0; i < 3; i++) {
      await typeDigits(phone, port, '1111#');
      assert.equal(rig.pbx.rx('meetme list').trim(), 'No active MeetMe conferences.');
      if (i < 2) await sleep(3500);
    }
    await rig.byeOf(phone, c.callId, 30000);
    assert.equal(rig.pbx.rx('meetme list').trim(), 'No active MeetMe conferences.');
    await rig.idle();
  });

  test('a SIPp caller enters with its RFC 4733 PIN; the console kicks it out', async () => {
    const mediaPort = await freePort();
    const sippRun = runSipp('dp-dtmf-1234.xml', rig.pbx.port, ['-s', '801', '-au', '2002', '-ap', 'Secr3t-2002', '-set', 'caller', '2002', '-mp', String(mediaPort), '-auth_uri', `801@127.0.0.1:${rig.pbx.port}`], { timeoutS: 40 });
    let list = '';
    for (let i = 0; i < 100 && !/1 users in that conference/.test(list); i++) {
      await sleep(200);
      list = rig.pbx.rx('meetme list 55');
    }
    assert.match(list, /^User #: 01 +2002 .*Channel: SIP\/2002-/m, list);
    assert.equal(rig.pbx.rx('meetme kick 55 all').trim(), '');
    const r = await sippRun;
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
    assert.equal(rig.pbx.rx('meetme list').trim(), 'No active MeetMe conferences.');
  });

  test('three SIPp callers with the PIN: music while alone, each receives the sum of the other two', async () => {
    const callers = [
      { user: '2000', hz: A_HZ },
      { user: '2001', hz: B_HZ },
      { user: '2002', hz: C_HZ },
    ];
    const taps: Inbox[] = [];
    const runs: Promise<SippResult>[] = [];
    try {
      for (const [i, { user, hz }] of callers.entries()) {
        const { mp, tap } = await sippMediaTap();
        taps.push(tap);
        runs.push(sippToneCaller(rig.pbx.port, user, hz, mp));
        await waitUsers(i + 1);
        if (i === 0) assert.ok(await tap.take(contains(MOH_HZ, 8), 5000), 'the first SIPp caller hears music on hold while alone');
      }
      const list = rig.pbx.rx('meetme list 1234');
      for (const [i, { user }] of callers.entries()) assert.match(list, new RegExp(`^User #: 0${i + 1} +${user} .*Channel: SIP/${user}-`, 'm'), list);

      // The enter beeps are over after a moment; then each caller gets both other tones in the same packets.
      await sleep(800);
      for (const tap of taps) await drain(tap);
      for (const [i, { hz }] of callers.entries()) {
        const others = callers.filter((_, j) => j !== i).map((c) => c.hz);
        const sum = (pkt: Buffer): boolean => others.every((f) => contains(f, 8)(pkt));
        assert.ok(await taps[i]!.take(sum, 4000), `SIPp caller ${i + 1} (${hz} Hz) receives ${others.join(' + ')} Hz`);
      }
      for (const tap of taps) await drain(tap);
      await sleep(1500);
      for (const [i, { hz }] of callers.entries()) {
        assert.equal(await taps[i]!.take(contains(hz, 8), 0), undefined, `SIPp caller ${i + 1} never hears its own ${hz} Hz`);
        assert.equal(await taps[i]!.take(contains(MOH_HZ, 8), 0), undefined, `no music for SIPp caller ${i + 1} once others are in`);
      }
    } finally {
      // Every SIPp caller goes on in the dialplan (Hangup: BYE) and its scenario ends.
      rig.pbx.rx('meetme kick 1234 all');
      const results = await Promise.all(runs);
      for (const tap of taps) tap.close();
      for (const r of results) assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
    }
    await rig.idle();
    assert.equal(rig.pbx.rx('meetme list').trim(), 'No active MeetMe conferences.');
  });

  test('pbx check: a meetme.conf typo is an error with file:line; MeetMe is no longer refused', () => {
    const pbxConf = '[system]\nsip = 127.0.0.1:5999\n\n[phones]\n2000 = Secr3t-2000, Alice\n';
    const good = pbxCheck({ 'pbx.conf': pbxConf, 'meetme.conf': '[rooms]\nconf => 1234,4321\n', 'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 800,1,MeetMe(1234,Mp)\n' });
    assert.equal(good.status, 0, good.out);
    const bad = pbxCheck({ 'pbx.conf': pbxConf, 'meetme.conf': '[rooms]\nconf => 1234,4321\nconff => 600\n' });
    assert.equal(bad.status, 1);
    assert.match(bad.out, /meetme\.conf:3: unknown meetme\.conf \[rooms\] key 'conff'/);
  });
});
