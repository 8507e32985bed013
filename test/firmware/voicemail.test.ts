/**
 * Voicemail on the real image (issue 12's firmware must-hold): a message left before a reboot is
 * still there after it, on the data partition.
 *
 * A private copy of the image gets the optional data partition (4, ext4, as `--data-mib` lays it
 * out; no second image build) and, as a PC would write it, a pbx.conf with two phones and a
 * `[voicemail]` PIN for 2001, which sets voicemail up: the generated dialplan sends a call 2001
 * does not answer to its mailbox. It boots without snapshot mode so the guest's writes reach the
 * card. SIPp calls 2001 as 2000 through the forwarded SIP port; 2001 is not registered, so the
 * caller hears the greeting and leaves a tone (sent by this test to the PBX's forwarded RTP port,
 * as the echo test does). Then the guest reboots for real (`reboot`: init's shutdown, rcK, the
 * data partition unmounted), the recording is read back from the card on the host, and after the
 * next boot the message, `voicemail show users` and the menu's status screen say it is kept.
 *
 * Runs only with PBX_FIRMWARE_TEST=1 (see boot.test.ts).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard, buildPaths, packageVersion, REPO } from '../../firmware/lib/board.mjs';
import { QemuGuest, addDataPartition, bootWithSip, echoCall, ensureImage, freePort, freeUdpRange, readDataFile, writeCfFile } from './qemu-guest.ts';
import { decodeAlaw, decodeUlaw, encodeUlaw } from '../../src/media/g711.ts';
import { dominantFrequency } from '../../src/media/goertzel.ts';
import { readWav } from '../../src/media/wav.ts';

const enabled = process.env.PBX_FIRMWARE_TEST === '1';
const boardName = process.env.PBX_FIRMWARE_BOARD ?? 'apu';
const skip = enabled ? false : 'set PBX_FIRMWARE_TEST=1 to boot the image in QEMU TCG, leave a voicemail and reboot (~6 min)';

const CALLER = { ext: '2000', secret: 'Fw-Secr3t-2000' };
/** The mailbox owner: a phone in pbx.conf that never registers, so its calls go to voicemail. */
const OWNER = { ext: '2001', secret: 'Fw-Secr3t-2001', pin: '739184' };
const INBOX = `/data/voicemail/default/${OWNER.ext}/INBOX`;
const TONE_HZ = 1400;
/**
 * 20 ms packets of tone the caller sends once answered: the greeting ("the person at extension
 * 2 0 0 1 is unavailable", vm-intro, beep) takes about 13 s, the rest is recorded.
 */
const TONE_PACKETS = 1250;
const DATA_MIB = 16;
/** One call at a time: two RTP port pairs, forwarded port for port. */
const RTP_PORTS = 4;
const MENU_PROMPT = /Enter a number \(1-10\): /;

/** Packet `i` of a continuous tone as μ-law (the PCMU the scenario offers). */
function toneFrame(i: number): Buffer {
  const s = new Int16Array(160);
  for (let n = 0; n < 160; n++) s[n] = Math.round(8000 * Math.sin((2 * Math.PI * TONE_HZ * (i * 160 + n)) / 8000));
  return Buffer.from(encodeUlaw(s));
}

describe(`voicemail on the data partition of the ${boardName} image survives a reboot`, { skip }, () => {
  const board = loadBoard(boardName);
  const paths = buildPaths(boardName, packageVersion());
  let dir = '';
  let card = '';
  let guest: QemuGuest | undefined;
  let sipReady: Promise<string | undefined>;
  let sipPort = 0;
  let rtp = { start: 0, end: 0 };
  let stopProbe = new AbortController();
  /** md5sum of the message's files before the reboot. */
  let sums = '';
  let duration = 0;
  const figures: Record<string, number | string> = {};

  const boot = async (label: string): Promise<void> => {
    stopProbe = new AbortController();
    const f: Record<string, number | string> = {};
    ({ guest, sipReady } = await bootWithSip(board, {
      image: card,
      kernel: paths.kernel,
      initrd: paths.initrd,
      sipPort,
      rtp,
      probeMs: 300_000,
      signal: stopProbe.signal,
      figures: f,
      snapshot: false,
    }));
    const status = await sipReady;
    const log = status === undefined ? await guest!.sh('logread | grep " pbx" | tail -n 10') : '';
    assert.match(status ?? `no answer to OPTIONS within 300 s of starting QEMU. Guest log: ${log}`, /^SIP\/2\.0 200 /);
    figures[`${label}SecondsToSipReady`] = f.secondsToSipReady ?? '?';
  };

  /** `voicemail show users` in the guest (`pbx -rx`: a node start under TCG, ~10 s). */
  const showUsers = async (): Promise<string> => guest!.sh('pbx -rx "voicemail show users"', 90_000);

  before(async () => {
    const built = ensureImage(boardName, paths.image, REPO);
    if (built !== undefined) figures.buildSeconds = built;
    dir = mkdtempSync(join(tmpdir(), 'pbx-fw-vm-'));
    card = join(dir, 'card.img');
    copyFileSync(paths.image, card);
    addDataPartition(card, DATA_MIB);
    sipPort = await freePort('udp');
    rtp = await freeUdpRange(RTP_PORTS);
    const defaults = readFileSync(join(REPO, 'overlay/usr/share/pbx/pbx.conf.default'), 'utf8');
    // An RTP range small enough to forward port for port from 127.0.0.1 (a real box keeps 10000-20000).
    const system = defaults.replace(/^\[system\]$/m, `[system]\nrtp = ${rtp.start}-${rtp.end}`);
    writeCfFile(
      card,
      'pbx.conf',
      `${system}${CALLER.ext} = ${CALLER.secret}, Caller\n${OWNER.ext} = ${OWNER.secret}, Mailbox owner\n\n[voicemail]\n; a PIN for 2001's mailbox: voicemail is set up, an unanswered call to 2001 goes there\n${OWNER.ext} = ${OWNER.pin}\n`,
    );
    await boot('firstBoot');
  });

  after(async () => {
    stopProbe.abort();
    await guest?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`# firmware voicemail figures (${boardName}, TCG): ${JSON.stringify(figures)}`);
  });

  test('the data partition is mounted read-write at /data (ext4), not RAM', async () => {
    const out = await guest!.sh('grep " /data " /proc/mounts; cat /run/pbx/data-in-ram 2>/dev/null || echo NO-RAM-NOTE');
    assert.match(out, /^\/dev\/\S+4 \/data ext4 rw[,\s]/m, out);
    assert.match(out, /^NO-RAM-NOTE$/m, out);
  });

  test('2000 calls 2001, which does not answer: the caller leaves a message; msg0000.txt/.wav are in INBOX and voicemail show users says NewMsg 1', async () => {
    const call = await echoCall(REPO, sipPort, CALLER, { exten: OWNER.ext, packets: TONE_PACKETS, payload: toneFrame, timeoutS: 120 });
    assert.equal(call.status, 0, `SIPp call to ${OWNER.ext} failed (not answered by VoiceMail, or the BYE was not answered):\n${call.output}`);
    assert.ok(call.pbxRtpPort !== undefined, 'no media port in the 200 OK');
    // The greeting reached the caller: voicemail answered with audio, not silence.
    assert.ok(call.received.length > 0, 'no RTP from the PBX (the greeting)');
    figures.call = `${call.sent} tone packets sent, ${call.received.length} greeting packets received`;
    // The message is saved when the caller hangs up: wait for both files.
    const waitFiles = `for i in ${Array.from({ length: 30 }, (_, i) => i).join(' ')}; do [ -f ${INBOX}/msg0000.txt ] && [ -f ${INBOX}/msg0000.wav ] && break; sleep 1; done`;
    const files = await guest!.sh(`${waitFiles}; ls -1 ${INBOX}`, 60_000);
    assert.deepEqual(files.split('\n'), ['msg0000.txt', 'msg0000.wav'], files);
    const txt = await guest!.sh(`cat ${INBOX}/msg0000.txt`);
    assert.match(txt, /^origmailbox=2001$/m, txt);
    assert.match(txt, /^callerid=("[^"]*" <2000>|2000)$/m, txt);
    duration = Number(/^duration=(\d+)$/m.exec(txt)?.[1]);
    assert.ok(duration >= 3, `duration ${duration} s: the tone after the beep until the hang-up`);
    figures.messageSeconds = duration;
    sums = await guest!.sh(`cd ${INBOX} && md5sum msg0000.txt msg0000.wav`);
    const users = await showUsers();
    assert.match(users, /^default\s+2001\s.*\s1$/m, users);
    assert.doesNotMatch(users, /RAM/, users);
  });

  test('the guest reboots (init shutdown, data partition unmounted); the recording on the card holds the tone', async () => {
    const g = guest!;
    stopProbe.abort();
    const t = Date.now();
    // QEMU runs with -no-reboot: the guest's reboot ends it, and the test starts it again below.
    await g.type('reboot\r');
    await g.waitExit(180_000);
    figures.shutdownSeconds = Number(((Date.now() - t) / 1000).toFixed(1));
    // Read back from the card on the host, as a PC would: what is on the medium, not a cache.
    const wav = readWav(new Uint8Array(readDataFile(card, `/voicemail/default/${OWNER.ext}/INBOX/msg0000.wav`)));
    assert.equal(wav.sampleRate, 8000);
    const samples = wav.format === 'slin' ? wav.data : wav.format === 'ulaw' ? decodeUlaw(wav.data) : decodeAlaw(wav.data);
    assert.ok(Math.abs(samples.length / 8000 - duration) < 1.5, `${samples.length / 8000} s of audio for duration=${duration}`);
    const f = dominantFrequency(samples.subarray(8000, 16000));
    figures.recordedHz = f.hz;
    assert.ok(Math.abs(f.hz - TONE_HZ) <= 10, `dominant frequency ${f.hz} Hz, the caller sent ${TONE_HZ} Hz`);
  });

  test('after the reboot the message is still in INBOX, unchanged, and voicemail show users still says NewMsg 1', async () => {
    await boot('afterReboot');
    const g = guest!;
    const uptime = Number((await g.sh('cut -d" " -f1 /proc/uptime')).trim());
    assert.ok(uptime < 600, `a fresh boot (uptime ${uptime} s)`);
    assert.equal(await g.sh(`ls -1 ${INBOX}`), 'msg0000.txt\nmsg0000.wav');
    assert.equal(await g.sh(`cd ${INBOX} && md5sum msg0000.txt msg0000.wav`), sums);
    const users = await showUsers();
    assert.match(users, /^default\s+2001\s.*\s1$/m, users);
    assert.doesNotMatch(users, /RAM/, users);
    assert.equal(await g.sh('logread | grep -c "voicemail is in RAM"; true'), '0');
  });

  test('the menu status screen says data is on the data partition, not that voicemail is in RAM', async () => {
    const g = guest!;
    // The rescue shell stands in for the console's menu: run it in the foreground as init would.
    await g.type('node /usr/lib/pbx/pbx.mjs menu\r');
    await g.waitFor(MENU_PROMPT, 120_000);
    await g.type('5\r');
    const status = (await g.waitFor(/Version[\s\S]*?Last log lines:/, 120_000))[0];
    assert.match(status, /Storage +data on \/dev\/\S+4 \(ext4\)/, status);
    // ("Syslog  not set (logs stay in RAM)" is another line, about the log.)
    assert.doesNotMatch(status, /Voicemail: in RAM|data in RAM/, status);
  });
});
