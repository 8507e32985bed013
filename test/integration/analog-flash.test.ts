/**
 * The analog phone's flash on the bundle with the sim backend: three sim phones on FXS 1-3
 * (2100, 2101, 2102), each able to send a steady test tone (`sim phone N tone HZ`) and reporting
 * the frequencies it hears (`sim show`: "tones 600+1000 Hz").
 *  - 2100 calls 2101, flashes (2101 is held), dials 2102, talks, hangs up: 2101 and 2102 are
 *    connected and hear each other's tones.
 *  - 2100 calls 2101, flashes, dials 2102: flash again -> a three-way call, each phone hears the
 *    other two frequencies and not its own; flash again -> 2102 is dropped, 2100 and 2101 talk;
 *    2101 hanging up in the three-way call leaves 2100 and 2102 talking.
 *  - Hanging up while 2102 still rings: 2101 and 2102 are connected once 2102 answers.
 *  - The held party hanging up leaves the call with the third party; hanging up with a held call
 *    rings the phone again for it.
 *  - 2100 talks to 2101, 2102 calls 2100: the phone hears the call-waiting alert (acknowledged,
 *    caller ID 2102 displayed), 2101 does not; flash answers 2102 (2101 held), flash switches back;
 *    hanging up rings the phone again for the held 2102.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, type PbxProcess } from './harness.ts';
import { simRow, until } from './analog-phone.ts';

// Above most of what music on hold puts out (the held party hears music, not silence).
const HZ = { 1: 1050, 2: 1650, 3: 2250 } as const;

function startFlashPbx(): Promise<PbxProcess> {
  return startPbx({
    phones: { '2000': 'Secr3t-2000, Alice' },
    // The harness writes [system] and [phones]; the [analog] section rides after the last key.
    system: { country: 'us\n\n[analog]\nbackend = sim\nfxs = 1,2,3\n1 = 2100\n2 = 2101\n3 = 2102' },
  });
}

/** The frequencies sim phone `port` hears now (sorted numbers), [] when none. */
function heard(pbx: PbxProcess, port: number): number[] {
  const m = /tones ([\d+]+) Hz/.exec(simRow(pbx, port, 'phone'));
  return m ? m[1]!.split('+').map(Number) : [];
}

const near = (got: number[], f: number): boolean => got.some((g) => Math.abs(g - f) <= 50);

/** Waits until phone `port` hears the frequencies `want` (each within 50 Hz: one analysis step) and none of `not`. */
async function hears(pbx: PbxProcess, port: number, want: number[], ms = 10_000, not: number[] = []): Promise<void> {
  const ok = (got: number[]): boolean => want.every((f) => near(got, f)) && !not.some((f) => near(got, f));
  try {
    await until(`phone ${port} to hear ${want.join('+') || 'nothing'}`, () => (ok(heard(pbx, port)) ? true : undefined), ms);
  } catch (e) {
    // What every phone hears and which calls exist, for the failure report.
    throw new Error(`${(e as Error).message}\n${pbx.rx('sim show')}\n${pbx.rx('core show channels')}\n${pbx.rx(`dahdi show channel ${port}`)}`);
  }
}

async function idle(pbx: PbxProcess): Promise<void> {
  for (const p of [1, 2, 3]) pbx.rx(`sim phone ${p} onhook`);
  await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined), 8000);
}

type Port = keyof typeof HZ;

/** Waits until sim phone `port`'s row matches `state` (`ringing`, `dial tone`, ...). */
async function phoneIs(pbx: PbxProcess, port: Port, state: RegExp, what: string, ms?: number): Promise<void> {
  await until(what, () => (state.test(simRow(pbx, port, 'phone')) ? true : undefined), ms);
}

function rings(pbx: PbxProcess, port: Port): Promise<void> {
  return phoneIs(pbx, port, new RegExp(`^${port}\\s+phone\\s+ringing`), `phone ${port} to ring`, 10_000);
}

/** Phone 1 flashes and gets dial tone (its call held). */
async function flashToDialTone(pbx: PbxProcess): Promise<void> {
  pbx.rx('sim phone 1 flash');
  await phoneIs(pbx, 1, /dial tone/, 'dial tone after the flash');
}

/** Phones `a` and `b` hear each other's tones (`a` first), and none of `not`. */
async function hearEachOther(pbx: PbxProcess, a: Port, b: Port, ms?: number, not: number[] = []): Promise<void> {
  await hears(pbx, a, [HZ[b]], ms, not);
  await hears(pbx, b, [HZ[a]], ms, not);
}

/** 2100 calls 2101 and 2101 answers; each phone then sends its own tone. */
async function call2100to2101(pbx: PbxProcess): Promise<void> {
  pbx.rx('sim phone 1 offhook');
  pbx.rx('sim phone 1 dial 2101');
  await rings(pbx, 2);
  pbx.rx('sim phone 2 offhook');
  for (const p of [1, 2] as const) pbx.rx(`sim phone ${p} tone ${HZ[p]}`);
  await hearEachOther(pbx, 1, 2);
}

/** Phone 1 flashes (2101 held) and dials 2102, which answers and sends its tone. */
async function flashAndCall2102(pbx: PbxProcess): Promise<void> {
  pbx.rx('sim phone 1 tone off');
  await flashToDialTone(pbx);
  assert.match(pbx.rx('dahdi show channel 1'), /three-way: DAHDI\/1-\d+ on hold/);
  pbx.rx('sim phone 1 dial 2102');
  await rings(pbx, 3);
  pbx.rx('sim phone 3 offhook');
  pbx.rx(`sim phone 3 tone ${HZ[3]}`);
  pbx.rx(`sim phone 1 tone ${HZ[1]}`);
  await hearEachOther(pbx, 1, 3, 8000, [HZ[2]]);
  await hears(pbx, 2, [], 8000, [HZ[1], HZ[3]]); // held: music, not the call going on
}

/** Phone 1 hangs up with 2102 held: it rings again for it, is picked up and talks to 2102. */
async function hangUpAndAnswerRingBack(pbx: PbxProcess): Promise<void> {
  pbx.rx('sim phone 1 onhook');
  await phoneIs(pbx, 1, /^1\s+phone\s+ringing/, 'phone 1 to ring again');
  pbx.rx('sim phone 1 offhook');
  pbx.rx(`sim phone 1 tone ${HZ[1]}`);
  await hearEachOther(pbx, 1, 3);
}

describe('analog flash: transfer, three-way calling, call waiting (sim)', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startFlashPbx();
  });
  after(async () => {
    await pbx.stop();
  });

  /** A test that starts with 2100 talking to 2101 and ends with every phone on hook and no channels. */
  function callTest(name: string, body: () => Promise<void>): void {
    test(name, async () => {
      try {
        await call2100to2101(pbx);
        await body();
      } finally {
        await idle(pbx);
      }
    });
  }

  callTest('flash, dial, hang up: the held party and the third party are connected', async () => {
    await flashAndCall2102(pbx);
    pbx.rx('sim phone 1 onhook');
    await hearEachOther(pbx, 2, 3);
    const channels = pbx.rx('core show channels');
    assert.doesNotMatch(channels, /DAHDI\/1-/, 'the transferring phone has no call left');
    assert.match(channels, /2 active channels/);
    pbx.rx('sim phone 2 onhook');
    await phoneIs(pbx, 3, /congestion/, 'phone 3 to hear the call end');
  });

  callTest('flash in a call with the third party: three-way, each hears the other two; flash again drops the third', async () => {
    await flashAndCall2102(pbx);
    pbx.rx('sim phone 1 flash');
    await hears(pbx, 1, [HZ[2], HZ[3]], 8000, [HZ[1]]);
    await hears(pbx, 2, [HZ[1], HZ[3]], 8000, [HZ[2]]);
    await hears(pbx, 3, [HZ[1], HZ[2]], 8000, [HZ[3]]);
    assert.match(pbx.rx('dahdi show channel 1'), /three-way: DAHDI\/1-\d+ \+ DAHDI\/1-\d+/);
    pbx.rx('sim phone 1 flash');
    await phoneIs(pbx, 3, /congestion/, 'phone 3 to be dropped');
    await hearEachOther(pbx, 1, 2, 8000, [HZ[3]]);
  });

  callTest('a party leaving the three-way call leaves the other two talking', async () => {
    await flashAndCall2102(pbx);
    pbx.rx('sim phone 1 flash');
    await hears(pbx, 2, [HZ[1], HZ[3]]);
    pbx.rx('sim phone 2 onhook');
    await until('the three-way call to end', () => (!/three-way/.test(pbx.rx('dahdi show channel 1')) ? true : undefined));
    await hearEachOther(pbx, 1, 3, 10_000, [HZ[2]]);
  });

  callTest('hanging up while the third party still rings: it is connected with the held party once it answers', async () => {
    pbx.rx('sim phone 1 tone off');
    await flashToDialTone(pbx);
    pbx.rx('sim phone 1 dial 2102');
    await rings(pbx, 3);
    pbx.rx('sim phone 1 onhook');
    await phoneIs(pbx, 1, /^1\s+phone\s+onhook/, 'phone 1 to be free');
    pbx.rx('sim phone 3 offhook');
    pbx.rx(`sim phone 3 tone ${HZ[3]}`);
    await hearEachOther(pbx, 2, 3);
  });

  callTest('the held party hanging up while the phone talks to the third party leaves that call; hanging up with a held call rings the phone again', async () => {
    await flashAndCall2102(pbx);
    pbx.rx('sim phone 2 onhook');
    await until('the held call to end', () => (!/three-way/.test(pbx.rx('dahdi show channel 1')) ? true : undefined));
    await hearEachOther(pbx, 1, 3);
    // Now hold 2102 and hang up without dialing: the phone rings again for it.
    await flashToDialTone(pbx);
    await hangUpAndAnswerRingBack(pbx);
  });

  callTest('call waiting: the alert and caller ID reach the phone, not its party; flash switches calls', async () => {
    const alertsBefore = Number(/call waiting alerts (\d+)/.exec(simRow(pbx, 1, 'phone'))?.[1] ?? 0);
    pbx.rx('sim phone 3 offhook');
    pbx.rx('sim phone 3 dial 2100');
    await phoneIs(pbx, 1, new RegExp(`call waiting alerts ${alertsBefore + 1}\\b`), 'the call-waiting alert on phone 1', 10_000);
    await phoneIs(pbx, 1, /CID 2102/, 'caller ID 2102 on phone 1', 10_000);
    assert.doesNotMatch(simRow(pbx, 2, 'phone'), /call waiting alerts/, 'the party in the call hears no alert');
    assert.match(pbx.rx('dahdi show channel 1'), /call waiting: DAHDI\/1-\d+/);
    // Flash: 2102 answered, 2101 on hold.
    pbx.rx(`sim phone 3 tone ${HZ[3]}`);
    pbx.rx('sim phone 1 flash');
    await hearEachOther(pbx, 1, 3, 8000, [HZ[2]]);
    await hears(pbx, 2, [], 8000, [HZ[1], HZ[3]]);
    // Flash again: back to 2101, 2102 on hold.
    pbx.rx('sim phone 1 flash');
    await hearEachOther(pbx, 1, 2, 8000, [HZ[3]]);
    await hears(pbx, 3, [], 8000, [HZ[1], HZ[2]]);
    // Hanging up ends the call with 2101; the phone rings again for 2102, still held.
    await hangUpAndAnswerRingBack(pbx);
  });
});
