/**
 * Voicemail deposit under load: CALLERS SIPp callers (vm-deposit-uac.xml, a 1400 Hz tone) leave a
 * MESSAGE_MS message at once, each in its own box (extension 8000 runs
 * `VoiceMail(${CALLERID(num)}@default,s)`), every box with an email address, the mail going to a
 * real SMTP server on 127.0.0.1 (python3-aiosmtpd with test/integration/smtp_sink.py).
 *
 * Figures:
 *  - CPU per recording second: the PBX's utime+stime from SIPp's start until the last msg0000.txt
 *    is in its INBOX, minus the idle rate measured just before over the same time, divided by the
 *    seconds of audio in the stored messages (WAV data / 8000 samples/s). Also the whole cost per
 *    message until its mail was received (recording, commit, mail composition and SMTP).
 *  - Bytes written per message second: /proc/PID/io write_bytes (what the PBX caused to be written
 *    to storage: spool, mail queue job with its copy of the recording) and wchar (everything passed
 *    to write(), also the SMTP socket and the log), from SIPp's start until the last mail arrived;
 *    and the size of the stored .wav + .txt.
 *  - Mail queue latency per message: the .eml's ctime (the sink renames it into place once the
 *    DATA is accepted) minus msg0000.txt's ctime (the spool's commit renames the .txt last).
 * One warm-up message (its own box, not counted) first. The PBX runs on CPU 0, SIPp, the SMTP
 * server and this driver on CPU 1 (prioritiseSelf, as the call benches).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from '../run.ts';
import { sleep } from '../../test/integration/harness.ts';
import { aiosmtpdAvailable, startSmtpSink, type SmtpSink } from '../../test/integration/smtp-sink.ts';
import { readWav } from '../../src/media/wav.ts';
import { dominantFrequency } from '../../src/media/goertzel.ts';
import { makeUsers, startBundlePbx, type BundlePbx, type LoadUser } from '../lib/pbx.ts';
import { canPin, cpuMicros } from '../lib/proc.ts';
import { runSippLoad } from '../lib/sipp.ts';
import { PEER_CPU, SERVER_CPU, callSystemSection, int, loadAverage, median, prioritiseSelf, waitNoChannels } from '../calls/common.ts';
import { CALLER_SCENARIO, TONE_HZ, callerArgs, ioCounters, writeTonePcap } from './caller.ts';

const CALLERS = 50;
const MESSAGE_MS = 10_000;
const WARM_MS = 3000;
const IDLE_S = 5;
/** Bounds: all messages committed, all mails received. */
const COMMIT_WAIT_MS = 60_000;
const MAIL_WAIT_MS = 180_000;
const SERVICE = '8000';

function pbxConf(users: readonly LoadUser[], smtpPort: number): string {
  return [
    callSystemSection(),
    '[phones]',
    ...users.map((u) => `${u.user} = ${u.password}, Load ${u.user}, vm${u.user}@example.com`),
    '',
    '[voicemail]',
    `smtp = 127.0.0.1:${smtpPort}`,
    'smtpsecurity = none',
    'serveremail = pbx@example.net',
    '',
  ].join('\n');
}

const EXTENSIONS = ['[phones]', 'include => pbx-phones', `exten => ${SERVICE},1,VoiceMail(\${CALLERID(num)}@default,s)`, ' same => n,Hangup()', ''].join('\n');

function inboxFile(pbx: BundlePbx, box: string, name: string): string {
  return join(pbx.dir, 'data/voicemail/default', box, 'INBOX', name);
}

/** The received mails: file, mailbox from the subject (`... in mailbox BOX`), ctime in ns. */
function mails(sink: SmtpSink): { box: string; ctimeNs: bigint }[] {
  return readdirSync(sink.dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => {
      const p = join(sink.dir, f);
      const box = /^Subject: .*mailbox (\d+)/m.exec(readFileSync(p, 'latin1'))?.[1] ?? '';
      return { box, ctimeNs: statSync(p, { bigint: true }).ctimeNs };
    });
}

async function until(what: string, ms: number, ok: () => boolean): Promise<number> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
  return performance.now();
}

function pctile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export default async function depositLoad(): Promise<LoadResult[]> {
  if (!aiosmtpdAvailable()) throw new Error('python3-aiosmtpd is not installed (node scripts/ensure-system.mjs test)');
  const started = Date.now();
  const prio = prioritiseSelf(PEER_CPU);
  let sink: SmtpSink | undefined;
  let pbx: BundlePbx | undefined;
  try {
    writeTonePcap();
    sink = await startSmtpSink();
    const all = makeUsers(CALLERS + 1);
    const warmUser = all[CALLERS] as LoadUser;
    const callers = all.slice(0, CALLERS);
    pbx = await startBundlePbx({ conf: pbxConf(all, sink.port), files: { 'extensions.conf': EXTENSIONS }, cpu: SERVER_CPU });
    const p = pbx;
    const s = sink;
    const loadBefore = loadAverage();

    // Warm-up: one message and its mail, so V8 has compiled the paths and the mail client is loaded.
    const warm = await runSippLoad({ scenario: CALLER_SCENARIO, port: p.port, users: [warmUser], calls: 1, rate: 1, limit: 1, timeoutS: 30, cpu: PEER_CPU, args: await callerArgs(SERVICE, p.port, WARM_MS) });
    if (warm.successful !== 1) throw new Error(`warm-up call failed:\n${warm.stderr}\n${p.tail()}`);
    await until('the warm-up mail', 30_000, () => mails(s).length >= 1);
    await waitNoChannels(p, 5000);

    const idle0 = cpuMicros(p.pid);
    const idleT0 = performance.now();
    await sleep(IDLE_S * 1000);
    const idleUsPerS = (cpuMicros(p.pid) - idle0) / ((performance.now() - idleT0) / 1000);

    const io0 = ioCounters(p.pid);
    const cpu0 = cpuMicros(p.pid);
    const t0 = performance.now();
    const sipp = runSippLoad({
      scenario: CALLER_SCENARIO,
      port: p.port,
      users: callers,
      calls: CALLERS,
      // All callers within a quarter of a second: "at once".
      rate: CALLERS * 4,
      limit: CALLERS,
      timeoutS: Math.ceil(MESSAGE_MS / 1000) + 40,
      cpu: PEER_CPU,
      args: await callerArgs(SERVICE, p.port, MESSAGE_MS),
    });
    let sippDone = false;
    void sipp.finally(() => (sippDone = true));
    const committed = (): boolean => callers.every((u) => existsSync(inboxFile(p, u.user, 'msg0000.txt')));
    const t1 = await until(`${CALLERS} committed messages (SIPp ${sippDone ? 'done' : 'running'})`, COMMIT_WAIT_MS, committed);
    const cpu1 = cpuMicros(p.pid);
    const t2 = await until(`${CALLERS} mails`, MAIL_WAIT_MS, () => mails(s).length >= CALLERS + 1);
    const cpu2 = cpuMicros(p.pid);
    const io2 = ioCounters(p.pid);
    const run = await sipp;
    await waitNoChannels(p, 10_000);

    // What was stored.
    let audioS = 0;
    let spoolBytes = 0;
    const commitNs = new Map<string, bigint>();
    for (const u of callers) {
      const wav = readFileSync(inboxFile(p, u.user, 'msg0000.wav'));
      const txt = inboxFile(p, u.user, 'msg0000.txt');
      audioS += readWav(wav).data.length / 8000;
      spoolBytes += wav.length + statSync(txt).size;
      commitNs.set(u.user, statSync(txt, { bigint: true }).ctimeNs);
    }
    const sample = readWav(readFileSync(inboxFile(p, callers[0]!.user, 'msg0000.wav')));
    const hz = dominantFrequency(sample.data.subarray(8000, 24000)).hz;
    const latencies = mails(s)
      .filter((m) => commitNs.has(m.box))
      .map((m) => Number(m.ctimeNs - (commitNs.get(m.box) as bigint)) / 1e6);
    if (latencies.length !== CALLERS) throw new Error(`${latencies.length} mails matched a message of the ${CALLERS} boxes`);

    const callS = (t1 - t0) / 1000;
    const allS = (t2 - t0) / 1000;
    const callCpu = cpu1 - cpu0 - idleUsPerS * callS;
    const allCpu = cpu2 - cpu0 - idleUsPerS * allS;
    const perAudioS = callCpu / audioS;
    const wb = io2.writeBytes - io0.writeBytes;
    const wc = io2.wchar - io0.wchar;
    const cancelled = io2.cancelled - io0.cancelled;
    const setup = `${CALLERS} SIPp callers (digest auth, A-law, ${TONE_HZ} Hz tone from a pcap) started within 0.25 s, each leaving a ${MESSAGE_MS / 1000} s message in its own box through VoiceMail(box@default,s); every box with an email address, mail to python3-aiosmtpd on 127.0.0.1 (smtpsecurity none, WAV attached); ${
      canPin() ? `PBX on CPU ${SERVER_CPU}, SIPp, SMTP server and driver on CPU ${PEER_CPU}` : 'not pinned'
    }; ${prio.what}; 1 warm-up message first`;
    return [
      {
        name: 'setup',
        figure: setup,
        note: `SIPp ${run.successful} ok / ${run.failed} failed; load average ${loadBefore} before, ${loadAverage()} after; ${((Date.now() - started) / 1000).toFixed(0)} s`,
      },
      {
        name: `${CALLERS} callers leaving messages at once: PBX CPU per recording second`,
        figure: `${int(perAudioS)} µs per second of message (${((perAudioS / 1e6) * 100).toFixed(2)}% of a core per caller recording)`,
        note: `PBX ${int(callCpu / 1000)} ms of CPU above idle from SIPp's start until the last of the ${CALLERS} messages was committed (${callS.toFixed(1)} s, ${(((cpu1 - cpu0) / 1e6 / callS) * 100).toFixed(0)}% of a core; idle ${((idleUsPerS / 1e6) * 100).toFixed(2)}%) for ${audioS.toFixed(1)} s of stored audio (${(audioS / CALLERS).toFixed(2)} s per message); includes call setup, the beep, receiving 50 RTP packets/s per caller and the commits; recording 1 has ${hz} Hz dominant (tone ${TONE_HZ} Hz)`,
      },
      {
        name: `${CALLERS} messages: PBX CPU per message including its mail`,
        figure: `${int(allCpu / CALLERS / 1000)} ms per message (${int(allCpu / audioS)} µs per second of message)`,
        note: `from SIPp's start until the SMTP server had all ${CALLERS} mails (${allS.toFixed(1)} s), idle subtracted: call, recording, commit, mail composition (WAV attachment, base64) and SMTP`,
      },
      {
        name: `${CALLERS} messages: bytes written per message second`,
        figure: `${int(wb / audioS)} B/s to storage (write_bytes), ${int((wb - cancelled) / audioS)} B/s net of deleted files, ${int(spoolBytes / audioS)} B/s stored in the box`,
        note: `from SIPp's start until the last mail: write_bytes ${int(wb)} B (spool, mail queue job with its copy of the recording, temp files), of which ${int(cancelled)} B never reached the disk (cancelled_write_bytes: files removed before writeback), wchar ${int(wc)} B (${int(wc / audioS)} B/s: every write(), also SMTP and the log); the box holds ${int(spoolBytes)} B of .wav + .txt for ${audioS.toFixed(1)} s (16-bit WAV is 16,000 B/s)`,
      },
      {
        name: `${CALLERS} messages: mail queue latency (commit to the SMTP server having the mail)`,
        figure: `median ${int(median(latencies))} ms, p90 ${int(pctile(latencies, 90))} ms, max ${int(Math.max(...latencies))} ms`,
        note: `min ${int(Math.min(...latencies))} ms; msg0000.txt ctime (the commit's last rename) to the received .eml's ctime (renamed into place when the DATA was accepted), per message; all ${CALLERS} messages committed within ${int(Number(pctile([...commitNs.values()].map(Number), 100) - Math.min(...[...commitNs.values()].map(Number))) / 1e6)} ms of each other`,
      },
    ];
  } finally {
    await pbx?.stop();
    await sink?.stop();
    prio.restore();
  }
}
