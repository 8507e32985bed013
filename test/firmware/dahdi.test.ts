/**
 * The DAHDI backend exercised for real: the firmware image booted in QEMU (TCG) with Debian's 6.1
 * kernel and the dahdi-dkms modules, no card, but two cross-connected `dahdi_dynamic_loc` spans
 * standing in for one: channels 1-4 signal fxoks (the PBX's FXS ports, towards phones), 5-8
 * fxsks (its FXO ports, towards the exchange), channel N wired to channel N+4. So the PBX's FXO
 * port 5 is plugged into its own FXS port 1 and one PBX drives both sides of an analog line
 * through the real DAHDI kernel code: seize, dial tone, DTMF, ringing with caller ID (Bell 202 for
 * country us, V.23 for uk: one boot each, PBX_FIRMWARE_DAHDI_COUNTRIES=us,uk), busy tone, loop drop.
 *
 * The card is a private copy of the image whose config partition gets, before the first boot
 * and as a PC would write them, pbx.conf ([analog] backend = dahdi, FXS 1 = 2100, FXO 5 in line
 * group 1 into context from-pstn, two phones), DAHDI's own system.conf (the loc spans and tone
 * zones) and an extensions.conf (9 + number goes out on the line group; the line rings phone
 * 2001). So the boot path is the real one: rcS runs dahdi-apply, which loads the dynamic span
 * drivers and runs dahdi_cfg, then init starts the PBX.
 *
 * Runs only with PBX_FIRMWARE_TEST=1 (see boot.test.ts); builds the image when missing or stale.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard, buildPaths, packageVersion, REPO } from '../../firmware/lib/board.mjs';
import { encodeUlaw, decodeUlaw } from '../../src/media/g711.ts';
import { rms, toneRatio } from '../../src/media/goertzel.ts';
import { QemuGuest, bootWithSip, echoCall, ensureImage, freePort, freeUdpRange, writeCfFile } from './qemu-guest.ts';

const enabled = process.env.PBX_FIRMWARE_TEST === '1';
const boardName = process.env.PBX_FIRMWARE_BOARD ?? 'apu';
const skip = enabled ? false : 'set PBX_FIRMWARE_TEST=1 to boot the image in QEMU TCG with two looped DAHDI spans and call through them (~10 min)';

const CALLER = { ext: '2000', secret: 'Fw-Dahdi-2000', name: 'Alice Analog' };
const CALLEE = { ext: '2001', secret: 'Fw-Dahdi-2001', name: 'Bob Desk' };
const RTP_PORTS = 20;
/**
 * One boot per country (pbx.conf `country`): its tones, ring cadence and caller-ID standard. us:
 * Bell 202 caller ID in the first ring pause; uk: V.23 caller ID before the first ring.
 */
const COUNTRIES = (process.env.PBX_FIRMWARE_DAHDI_COUNTRIES ?? 'us,uk').split(',').map((c) => c.trim()).filter(Boolean);
/** The image build of this run (ensureImage), shared by the suites. */
let imageBuild: { seconds: number | undefined } | undefined;
const CALLER_ID: Readonly<Record<string, string>> = { us: 'Bell 202 caller ID', uk: 'V.23 caller ID (before the first ring)' };
/** The test tone: 1004 Hz, the usual telephone test frequency (not a harmonic of any call-progress tone). */
const TONE_HZ = 1004;

/** DAHDI's system.conf: two local spans wired to each other (key 1, ids 0 and 1), 4 channels each. */
const SYSTEM_CONF = `# Two dahdi_dynamic_loc spans cross-connected: channel N is wired to channel N+4.
dynamic=loc,1:0,4,0
dynamic=loc,1:1,4,0
# span 1: FXO signalling = the PBX's FXS ports (phones)
fxoks=1-4
# span 2: FXS signalling = the PBX's FXO ports (lines from the exchange)
fxsks=5-8
loadzone=us
loadzone=uk
defaultzone=us
`;

const EXTENSIONS_CONF = `; Phones dial 9 + number to go out on the analog line (FXO port 5, line group 1), which is
; looped back into FXS port 1: the number is dialled again there, in this same context.
[phones]
include => pbx-phones
exten => _9X.,1,Dial(DAHDI/g1/\${EXTEN:1})
 same => n,Hangup()
; reached through the loop: a busy number (answered first: the busy tone then plays until the
; line side gives up, which only busy detection on FXO port 5 can do), and one that answers and
; hangs up after 3 s (a loop drop on FXS port 1)
exten => 2999,1,Answer()
 same => n,Busy()
exten => 2998,1,Answer()
 same => n,Wait(3)
 same => n,Hangup()

; A call ringing in on the analog line (FXO port 5) rings phone 2001.
[from-pstn]
exten => s,1,Dial(SIP/${CALLEE.ext},30)
 same => n,Hangup()
`;

/** Packet `i` (20 ms, 160 μ-law bytes) of a continuous 1004 Hz sine at about -10 dBm0. */
function tonePayload(i: number): Buffer {
  const samples = new Int16Array(160);
  for (let k = 0; k < 160; k++) samples[k] = Math.round(8000 * Math.sin((2 * Math.PI * TONE_HZ * (i * 160 + k)) / 8000));
  return Buffer.from(encodeUlaw(samples));
}

/** Payloads (160 samples each) that carry the test tone: most of their energy at TONE_HZ, and audible. */
function tonePackets(received: readonly Buffer[]): number {
  let n = 0;
  for (const p of received) {
    const s = decodeUlaw(new Uint8Array(p));
    if (rms(s) > 300 && toneRatio(s, TONE_HZ) > 0.7) n += 1;
  }
  return n;
}

interface SippRun {
  status: number | null;
  output: string;
  /** Files the scenario wrote into its working directory. */
  files: Record<string, string>;
  /** Milliseconds from start until the file `answered` appeared (fw-dahdi-wait-bye.xml). */
  answeredMs?: number;
  ms: number;
}

/**
 * Runs one SIPp scenario from a chosen local port (a phone must register from the port it then
 * answers on) and returns what it wrote. SIPp ends by itself (-timeout); the test never kills it.
 */
async function runSipp(scenario: string, sipPort: number, localPort: number, args: string[], timeoutS: number): Promise<SippRun> {
  const work = mkdtempSync(join(tmpdir(), 'pbx-fw-dahdi-sipp-'));
  const t0 = Date.now();
  try {
    const child = spawn(
      'sipp',
      ['-sf', join(REPO, 'test/scenarios', scenario), '-i', '127.0.0.1', '-p', String(localPort), '-t', 'u1', '-m', '1',
        '-timeout', `${timeoutS}s`, '-timeout_error', '-nostdin', '-trace_err', '-error_file', join(work, 'errors.log'), ...args, `127.0.0.1:${sipPort}`],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    let answeredMs: number | undefined;
    const watch = setInterval(() => {
      if (answeredMs === undefined && existsSync(join(work, 'answered'))) answeredMs = Date.now() - t0;
    }, 50);
    const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearInterval(watch);
    const files: Record<string, string> = {};
    for (const f of ['answered', 'errors.log']) if (existsSync(join(work, f))) files[f] = readFileSync(join(work, f), 'utf8');
    if (answeredMs === undefined && files.answered !== undefined) answeredMs = Date.now() - t0;
    return { status, output: (output + (files['errors.log'] ?? '')).slice(-3000), files, ms: Date.now() - t0, ...(answeredMs !== undefined ? { answeredMs } : {}) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Phone 2001 as the PBX sees it once registered from `port`: answers OPTIONS (the PBX qualifies
 * its phones), answers an INVITE (180, then 200 with a PCMU SDP, repeated until the ACK) and a
 * BYE (200), and keeps the INVITE's From header. A few lines of UDP rather than a SIPp UAS,
 * because SIPp in server mode treats each qualify OPTIONS as a call of its own.
 */
class SipCallee {
  private readonly sock: Socket;
  from: string | undefined;
  invitedAt: number | undefined;
  byeAt: number | undefined;
  options = 0;
  private retransmit: ReturnType<typeof setInterval> | undefined;
  private lastResponse: { text: string; to: RemoteInfo } | undefined;
  private readonly tag = `callee${Math.floor(Math.random() * 1e9)}`;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.onMessage(msg.toString('utf8'), rinfo));
  }

  static async listen(port: number): Promise<SipCallee> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
    return new SipCallee(sock);
  }

  private onMessage(text: string, rinfo: RemoteInfo): void {
    const [head = ''] = text.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const method = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '')?.[1];
    if (!method) return;
    const headers = (name: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const toHeader = headers('To')[0] ?? 'To: <sip:2001@127.0.0.1>';
    const respond = (status: string, body = ''): string => {
      const to = /;tag=/.test(toHeader) ? toHeader : `${toHeader};tag=${this.tag}`;
      const extra = body ? ['Content-Type: application/sdp', `Contact: <sip:${CALLEE.ext}@127.0.0.1:${this.sock.address().port}>`] : [];
      const out = [`SIP/2.0 ${status}`, ...headers('Via'), ...headers('From'), to, ...headers('Call-ID'), ...headers('CSeq'), ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
      this.sock.send(out, rinfo.port, rinfo.address);
      return out;
    };
    switch (method) {
      case 'OPTIONS':
        this.options += 1;
        respond('200 OK');
        break;
      case 'INVITE': {
        if (this.lastResponse) {
          this.sock.send(this.lastResponse.text, this.lastResponse.to.port, this.lastResponse.to.address);
          break;
        }
        this.from = headers('From')[0]?.replace(/^From:\s*/i, '');
        this.invitedAt = Date.now();
        respond('180 Ringing');
        const sdp = ['v=0', 'o=callee 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
        // Half a second of ringing, as a person picking up.
        setTimeout(() => {
          const ok = respond('200 OK', sdp);
          this.lastResponse = { text: ok, to: rinfo };
          let n = 0;
          this.retransmit = setInterval(() => {
            if (++n > 8) clearInterval(this.retransmit);
            else this.sock.send(ok, rinfo.port, rinfo.address);
          }, 500);
        }, 500);
        break;
      }
      case 'ACK':
        clearInterval(this.retransmit);
        break;
      case 'BYE':
        clearInterval(this.retransmit);
        this.byeAt ??= Date.now();
        respond('200 OK');
        break;
      default:
        respond('405 Method Not Allowed');
    }
  }

  close(): void {
    clearInterval(this.retransmit);
    this.sock.close();
  }
}

for (const country of COUNTRIES) describe(`DAHDI backend on two looped dahdi_dynamic_loc spans, ${boardName} image in QEMU, country = ${country}`, { skip }, () => {
  const board = loadBoard(boardName);
  const paths = buildPaths(boardName, packageVersion());
  let dir = '';
  let guest: QemuGuest;
  let sipPort = 0;
  let calleePort = 0;
  let rtp = { start: 0, end: 0 };
  let sipReady: Promise<string | undefined>;
  const stopProbe = new AbortController();
  const figures: Record<string, number | string> = {};

  before(async () => {
    // One build for all the countries' suites (PBX_FIRMWARE_REBUILD=1 would otherwise build per suite).
    if (imageBuild === undefined) {
      imageBuild = { seconds: ensureImage(boardName, paths.image, REPO) };
      if (imageBuild.seconds !== undefined) figures.buildSeconds = imageBuild.seconds;
    }
    sipPort = await freePort('udp');
    calleePort = await freePort('udp');
    rtp = await freeUdpRange(RTP_PORTS);
    dir = mkdtempSync(join(tmpdir(), 'pbx-fw-dahdi-'));
    const card = join(dir, 'card.img');
    copyFileSync(paths.image, card);
    const defaults = readFileSync(join(REPO, 'overlay/usr/share/pbx/pbx.conf.default'), 'utf8');
    // An RTP range small enough to forward port for port from 127.0.0.1 (a real box keeps 10000-20000).
    assert.match(defaults, /^country = us$/m);
    const system = defaults.replace(/^\[system\]$/m, `[system]\nrtp = ${rtp.start}-${rtp.end}`).replace(/^country = us$/m, `country = ${country}`);
    const pbxConf = `${system}${CALLER.ext} = ${CALLER.secret}, ${CALLER.name}
${CALLEE.ext} = ${CALLEE.secret}, ${CALLEE.name}

[analog]
; DAHDI channel numbers: 1 signals fxoks (an FXS port, a phone), 5 fxsks (an FXO port, a line)
backend = dahdi
fxs = 1
fxo = 5
1 = 2100
context = from-pstn
group = 1
`;
    writeCfFile(card, 'pbx.conf', pbxConf);
    writeCfFile(card, 'system.conf', SYSTEM_CONF);
    writeCfFile(card, 'extensions.conf', EXTENSIONS_CONF);
    ({ guest, sipReady } = await bootWithSip(board, {
      image: card,
      kernel: paths.kernel,
      initrd: paths.initrd,
      sipPort,
      rtp,
      probeMs: 300_000,
      signal: stopProbe.signal,
      figures,
    }));
  });

  after(async () => {
    stopProbe.abort();
    if (guest) {
      // What the PBX logged about the analog ports, for the report when something failed.
      const log = await guest.sh('logread | grep -i -e dahdi -e analog -e "line engine" -e Executing | tail -n 60', 60_000).catch(() => '(no log)');
      console.log(`# guest log (analog):\n${log}`);
      await guest.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`# firmware DAHDI figures (${boardName}, country ${country}, TCG): ${JSON.stringify(figures)}`);
  });

  test('rcS loads DAHDI and the dynamic span drivers and dahdi_cfg configures channels 1-4 fxoks and 5-8 fxsks', async () => {
    const applied = await guest.sh('cat /run/pbx/dahdi-apply.log; cat /run/pbx/dahdi_cfg.log');
    assert.match(applied, /^dahdi: loaded, 0 card driver\(s\) for the hardware found, applied \/cf\/system\.conf; spans: 2$/m, applied);
    const modules = await guest.sh('cut -d" " -f1 /proc/modules');
    for (const m of ['dahdi', 'dahdi_dynamic', 'dahdi_dynamic_loc']) assert.match(modules, new RegExp(`^${m}$`, 'm'), modules);
    const spans = await guest.sh('cat /proc/dahdi/1 /proc/dahdi/2');
    for (let ch = 1; ch <= 8; ch++) {
      const sig = ch <= 4 ? 'FXOKS' : 'FXSKS';
      assert.match(spans, new RegExp(`^\\s*${ch} \\S+ ${sig}\\b`, 'm'), `channel ${ch} is not ${sig}:\n${spans}`);
    }
    const shm = await guest.sh('grep " /dev/shm " /proc/mounts');
    assert.match(shm, /^tmpfs \/dev\/shm tmpfs /, shm);
  });

  test('the PBX starts with backend = dahdi and lists FXS channel 1 and FXO channel 5', async () => {
    const status = await sipReady;
    assert.match(status ?? 'no answer to OPTIONS within 300 s of starting QEMU', /^SIP\/2\.0 200 /);
    const started = await guest.sh('dmesg | grep "pbx-run: starting node" | head -n 1');
    const m = started.match(/starting node at ([\d.]+) s/);
    if (m) figures.guestUptimeAtNodeStart = Number(m[1]);
    const channels = await guest.sh('pbx -rx "dahdi show channels" 2>&1', 90_000);
    assert.match(channels, /^\s+1 2100\s+phones\b/m, channels);
    assert.match(channels, /^\s+5\s+from-pstn\b/m, channels);
    const status1 = await guest.sh('pbx -rx "dahdi show status" 2>&1', 90_000);
    assert.match(status1, /Line engine: running/, status1);
  });

  /** `dahdi show channel 1` and `5` (owner and port state of both ends of the loop). */
  const channelStates = async (): Promise<{ out: string; owners: (string | undefined)[] }> => {
    const out = await guest.sh('pbx -rx "dahdi show channel 1" 2>&1; pbx -rx "dahdi show channel 5" 2>&1', 120_000);
    const owners = [...out.matchAll(/^Owner: (.*)$/gm)].map((x) => (x[1] === '<None>' ? undefined : x[1]));
    return { out, owners };
  };

  const waitIdle = async (): Promise<string> => {
    const end = Date.now() + 90_000;
    let last = '';
    while (Date.now() < end) {
      const s = await channelStates();
      last = s.out;
      if (s.owners.length === 2 && s.owners.every((o) => o === undefined) && !/^Port state: (?!idle)/m.test(s.out)) return last;
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.fail(`channels 1 and 5 are not idle again within 90 s:\n${last}`);
  };

  test('2000 dials 9600: FXO 5 seizes, dials 600 into FXS 1, the echo test answers there, and a 1004 Hz tone comes back through both analog ports', async () => {
    await waitIdle();
    // While the call is up both ends of the loop carry it: a sampler in the guest lists the
    // channels every few seconds (one `pbx -rx` at a time; each starts node, seconds under TCG).
    await guest.sh('rm -f /tmp/during; (end=$(( $(cut -d. -f1 /proc/uptime) + 70 )); while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do pbx -rx "core show channels" >> /tmp/during 2>&1; sleep 1; done) >/dev/null 2>&1 & true');
    const t0 = Date.now();
    const result = await echoCall(REPO, sipPort, CALLER, { exten: '9600', packets: 1200, holdMs: 30_000, timeoutS: 120, payload: tonePayload });
    assert.equal(result.status, 0, `SIPp call to 9600 failed:\n${result.output}`);
    if (result.answerMs !== undefined) figures.answerMs9600 = result.answerMs;
    figures.callMs9600 = Date.now() - t0;
    const during = await guest.sh('cat /tmp/during');
    // One `core show channels` listing both DAHDI/1-n (the FXS side) and DAHDI/5-n (the FXO side).
    const samples = during.split(/^(?=Channel\s)/m);
    const both = samples.find((x) => /^DAHDI\/1-\d+/m.test(x) && /^DAHDI\/5-\d+/m.test(x));
    assert.ok(both, `no \`core show channels\` during the call listed both DAHDI/1 and DAHDI/5:\n${during.slice(-3000)}`);
    const tone = tonePackets(result.received);
    figures.tone9600 = `${tone} of ${result.received.length} packets back carry ${TONE_HZ} Hz (${result.sent} sent)`;
    // The audio crossed two analog ports, the kernel's loop and two G.711 conversions: what
    // counts is that the tone is there for a good part of the call (at least 2 s of it).
    assert.ok(tone >= 100, `only ${tone} of ${result.received.length} RTP packets back carry the ${TONE_HZ} Hz tone`);
    figures.idleAfter9600 = (await waitIdle()).includes('Port state: idle') ? 'idle' : 'unknown';
  });

  test(`2000 dials 2100: FXS 1 rings with ${CALLER_ID[country] ?? `${country} caller ID`}, FXO 5 decodes it and from-pstn rings 2001 with 2000's number and name`, async () => {
    await waitIdle();
    // Phone 2001 registers from the port it then answers on (the guest reaches it as 10.0.2.2).
    const reg = await runSipp('register-auth.xml', sipPort, calleePort, ['-s', CALLEE.ext, '-au', CALLEE.ext, '-ap', CALLEE.secret, '-set', 'expires', '600'], 60);
    assert.equal(reg.status, 0, `2001 could not register:\n${reg.output}`);
    const callee = await SipCallee.listen(calleePort);
    try {
      const t0 = Date.now();
      const call = await echoCall(REPO, sipPort, CALLER, { exten: '2100', packets: 100, holdMs: 6000, timeoutS: 120 });
      // 2000 hung up: FXS 1 drops the loop, FXO 5 sees it and the PBX hangs up on 2001.
      const end = Date.now() + 60_000;
      while (callee.byeAt === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
      figures.from2001 = callee.from ?? '(no INVITE)';
      if (callee.invitedAt !== undefined) figures.msToInvite2001 = callee.invitedAt - t0;
      assert.equal(call.status, 0, `2000's call to 2100 failed (2001 ${callee.from ? 'was' : 'was not'} called):\n${call.output}`);
      if (call.answerMs !== undefined) figures.answerMs2100 = call.answerMs;
      figures.callMs2100 = Date.now() - t0;
      const from = callee.from ?? '';
      assert.match(from, new RegExp(`sip:${CALLER.ext}@`), `the INVITE to 2001 does not carry 2000's number: ${from}`);
      assert.match(from, new RegExp(`^"?${CALLER.name}"?\\s*<`), `the INVITE to 2001 does not carry 2000's name: ${from}`);
      assert.ok(callee.byeAt !== undefined, '2001 got no BYE after 2000 hung up (FXS 1 drops the loop, FXO 5 must see it)');
    } finally {
      callee.close();
    }
    await waitIdle();
  });

  const callOut = async (number: string): Promise<SippRun> => {
    const media = await freePort('udp');
    return runSipp('fw-dahdi-wait-bye.xml', sipPort, await freePort('udp'), [
      '-s', number, '-au', CALLER.ext, '-ap', CALLER.secret, '-auth_uri', `${number}@127.0.0.1:${sipPort}`,
      '-set', 'caller', CALLER.ext, '-set', 'rtpport', String(media),
    ], 150);
  };

  test('busy: 2000 dials 92999, FXS 1 plays busy tone, FXO 5 detects it and hangs up, 2000 gets BYE', async () => {
    await waitIdle();
    const run = await callOut('92999');
    assert.equal(run.status, 0, `no BYE after the line went busy:\n${run.output}`);
    if (run.answeredMs !== undefined) figures.busyHangupMsAfterAnswer = run.ms - run.answeredMs;
    await waitIdle();
  });

  test('loop drop: 2000 dials 92998, the far side answers and hangs up, FXS 1 drops the loop, FXO 5 sees it, 2000 gets BYE', async () => {
    await waitIdle();
    const run = await callOut('92998');
    assert.equal(run.status, 0, `no BYE after the far side hung up:\n${run.output}`);
    if (run.answeredMs !== undefined) figures.loopDropHangupMsAfterAnswer = run.ms - run.answeredMs;
    await waitIdle();
  });
});
