import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaApplications } from '../../../src/dialplan/apps/media-index.ts';
import { expandPercentD } from '../../../src/dialplan/apps/media-record.ts';
import type { DialplanApplication } from '../../../src/dialplan/types.ts';
import type { AudioFrame } from '../../../src/media/frame.ts';
import { readWav } from '../../../src/media/wav.ts';
import { FakeSounds, find, finish, harness, settle } from './apps-media-fixtures.ts';
import type { Harness } from './apps-media-fixtures.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-record-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function record(h: Harness, extra: { recordingDir?: string } = {}): DialplanApplication {
  return find(mediaApplications({ clock: h.clock, ...extra }), 'Record');
}

/** A linear frame whose samples are all `level` (the value identifies it when read back). */
function frame(level: number): AudioFrame {
  return { format: 'slin', timestamp: 0, data: new Int16Array(160).fill(level) };
}

/** The caller talks for `loud` frames then is silent for `quiet`, one frame per tick. */
async function speak(h: Harness, loud: number, quiet: number, until: () => boolean): Promise<void> {
  for (let i = 0; i < loud + quiet && !until(); i++) {
    h.media.receive(frame(i < loud ? 4000 : 10));
    h.clock.tick();
    await settle();
  }
}

describe('Record', () => {
  test('stops after the silence seconds, keeps one second of it, writes a WAV that reads back', async () => {
    const h = harness({ sounds: new FakeSounds({ beep: 3 }) });
    h.media.format = 'slin';
    const run = h.start(record(h), `${dir}/msg%d.wav,2,30`);
    await finish(h, run, 3); // the beep: 3 frames
    await settle();
    assert.equal(h.media.sent.length, 3, 'the beep played first');
    await speak(h, 50, 200, () => run.result !== undefined);
    await settle();
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'SILENCE');
    assert.equal(h.channel.variables.get('RECORDED_FILE'), `${dir}/msg0`);
    const wav = readWav(new Uint8Array(readFileSync(`${dir}/msg0.wav`)));
    assert.equal(wav.format, 'slin');
    assert.equal(wav.sampleRate, 8000);
    // 50 frames of speech, then silence: it ends on the frame that makes more than 2 s (101
    // frames), and everything but the last second (50 frames) is cut away again.
    const frames = wav.data.length / 160;
    assert.equal(frames, 50 + 101 - 50);
    assert.equal(wav.data[0], 4000);
    assert.equal(wav.data[wav.data.length - 1], 10);
    assert.equal(h.clock.listenerCount, 0);
    assert.equal(h.media.frameListeners.size, 0);
    assert.deepEqual(readdirSync(dir), ['msg0.wav'], 'no temp file left');
  });

  test('%d takes the first free number', async () => {
    writeFileSync(`${dir}/msg0.wav`, 'x');
    writeFileSync(`${dir}/msg1.wav`, 'x');
    const h = harness();
    const run = h.start(record(h), `${dir}/msg%d.wav,0,1,q`);
    await finish(h, run);
    assert.equal(h.channel.variables.get('RECORDED_FILE'), `${dir}/msg2`);
    assert.ok(existsSync(`${dir}/msg2.wav`));
    assert.equal(expandPercentD('a%db%s%d', 7), 'a7b%s7');
  });

  test('maxduration ends it with TIMEOUT after that many seconds of clock', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/t.ulaw,0,1,q`);
    await settle();
    for (let i = 0; i < 60 && run.result === undefined; i++) {
      h.media.receive({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160).fill(0x10) });
      h.clock.tick();
      await settle();
    }
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'TIMEOUT');
    assert.equal(readFileSync(`${dir}/t.ulaw`).length, 50 * 160, 'one second of raw µ-law, nothing cut');
  });

  test('# ends it with DTMF and drops the last quarter second; the channel was answered', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/d.sln,,,q`);
    await speak(h, 30, 0, () => false);
    h.media.press('#');
    await settle();
    assert.equal(h.channel.state, 'Up');
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'DTMF');
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(readFileSync(`${dir}/d.sln`).length, (30 * 160 - 250 * 8) * 2);
  });

  test('option t makes * the terminator; y any key; x none', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/s.wav,,,qt`);
    await settle();
    h.media.press('#');
    await settle();
    assert.equal(run.result, undefined, '# does not end it with t');
    h.media.press('*');
    await settle();
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'DTMF');
  });

  test('hangup deletes the recording and returns hangup; k keeps it', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/h.wav,,,q`);
    await speak(h, 5, 0, () => false);
    h.channel.farHangup();
    await settle();
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'HANGUP');
    assert.deepEqual(readdirSync(dir), []);

    const h2 = harness();
    const run2 = h2.start(record(h2), `${dir}/k.wav,,,qk`);
    await speak(h2, 5, 0, () => false);
    h2.channel.farHangup();
    await settle();
    assert.deepEqual(run2.result, { kind: 'hangup' });
    assert.equal(readWav(new Uint8Array(readFileSync(`${dir}/k.wav`))).data.length, 5 * 160);
  });

  test('append adds to an existing recording', async () => {
    const h = harness();
    const first = h.start(record(h), `${dir}/a.wav,0,1,q`);
    await speak(h, 60, 0, () => first.result !== undefined);
    const second = h.start(record(h), `${dir}/a.wav,0,1,qa`);
    await speak(h, 60, 0, () => second.result !== undefined);
    assert.equal(readWav(new Uint8Array(readFileSync(`${dir}/a.wav`))).data.length, 2 * 50 * 160);
  });

  test('no extension, an unknown format, or a relative name without a directory: ERROR', async () => {
    const h = harness();
    const noExt = h.start(record(h), `${dir}/x`);
    await finish(h, noExt);
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'ERROR');
    assert.deepEqual(noExt.result, { kind: 'hangup' });
    const gsm = h.start(record(h), `${dir}/x.gsm`);
    await finish(h, gsm);
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'ERROR');
    assert.deepEqual(gsm.result, { kind: 'next' });
    const rel = h.start(record(h), 'x.wav');
    await finish(h, rel);
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'ERROR');
    const h2 = harness();
    const relOk = h2.start(record(h2, { recordingDir: dir }), 'sub/r.wav,0,1,q');
    await finish(h2, relOk);
    assert.ok(existsSync(`${dir}/sub/r.wav`));
    assert.equal(h2.channel.variables.get('RECORDED_FILE'), 'sub/r');
  });

  test('s skips on a channel that is not answered', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/s.wav,,,s`);
    await finish(h, run);
    assert.equal(h.channel.variables.get('RECORD_STATUS'), 'SKIP');
    assert.equal(h.channel.answers, 0);
  });

  test('without a beep prompt a generated beep plays', async () => {
    const h = harness();
    const run = h.start(record(h), `${dir}/b.wav,0,1`);
    await finish(h, run);
    assert.equal(h.media.sent.length, 13, '250 ms of 1 kHz, rounded up to whole frames');
  });
});
