/**
 * Drives a QEMU guest through its serial console the way a person at a terminal would: wait for
 * text, type a line. Used by the firmware tests; all host forwards listen on 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { qemuArgs } from '../../firmware/lib/qemu.mjs';

export interface Forward {
  proto: 'udp' | 'tcp';
  host: number;
  guest: number;
}

export class QemuGuest {
  readonly startedAt = Date.now();
  private output = '';
  /** Position in `output` up to which waitFor() has consumed text. */
  private cursor = 0;
  private readonly child: ChildProcess;
  private exited: number | null | undefined = undefined;
  private readonly waiters = new Set<() => void>();

  constructor(board: Record<string, any>, opts: { image: string; kernel?: string; initrd?: string; forwards: Forward[]; snapshot: boolean; rescue?: boolean }) {
    const { binary, args } = qemuArgs(board, { ...opts, serial: 'stdio', noReboot: true });
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (b: Buffer) => {
      this.output += b.toString('latin1');
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.on('exit', (code) => {
      this.exited = code;
      for (const w of this.waiters) w();
    });
  }

  get transcript(): string {
    return this.output;
  }

  get secondsSinceStart(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /** Waits until `pattern` appears after the last match; returns the match. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const rest = this.output.slice(this.cursor);
        const m = rest.match(pattern);
        if (m && m.index !== undefined) {
          this.cursor += m.index + m[0].length;
          done();
          resolve(m);
        } else if (this.exited !== undefined) {
          done();
          reject(new Error(`QEMU exited (${this.exited}) before ${pattern}; last output:\n${this.output.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${pattern}; last output:\n${this.output.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types text as a person would (slowly enough for the 16-byte UART FIFO under TCG). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      this.child.stdin!.write(ch);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /**
   * Runs one command in the guest's shell and returns what it printed. The begin and end markers
   * are computed by the shell ($((6*7)), $?), so the echo of the typed line (which busybox ash
   * may wrap or redraw) never matches them.
   */
  async sh(command: string, timeoutMs = 30_000): Promise<string> {
    const tag = `M${Math.random().toString(36).slice(2, 8)}`;
    await this.type(`echo ${tag}B$((6*7)); ${command}; echo ${tag}E$?\r`);
    const m = await this.waitFor(new RegExp(`${tag}B42\\r?\\n([\\s\\S]*?)${tag}E(\\d+)`), timeoutMs);
    return m[1].replace(/\r/g, '').trimEnd();
  }

  /** Resolves when QEMU exits by itself (the guest rebooted or powered off; QEMU runs -no-reboot). */
  waitExit(timeoutMs: number): Promise<void> {
    if (this.exited !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`QEMU still running after ${timeoutMs} ms; last output:\n${this.output.slice(-1500)}`)), timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Pulls the plug: SIGKILL to QEMU, as a power cut would (nothing in the guest runs after it). */
  async powerCut(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

/** A free port on 127.0.0.1 for `proto` (bound then released). */
export async function freePort(proto: 'udp' | 'tcp'): Promise<number> {
  if (proto === 'tcp') {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Sends SIP OPTIONS over UDP to 127.0.0.1:port every second until a final response arrives or
 * `timeoutMs` passes. Returns the status line, or undefined on timeout.
 */
export async function sipOptions(port: number, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const local = sock.address().port;
  const callId = `fw-${Date.now()}`;
  let cseq = 0;
  const request = () => {
    cseq += 1;
    return [
      'OPTIONS sip:pbx@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${callId}-${cseq};rport`,
      'Max-Forwards: 70',
      'From: <sip:probe@127.0.0.1>;tag=fwtest',
      'To: <sip:pbx@127.0.0.1>',
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  };
  try {
    return await new Promise<string | undefined>((resolve) => {
      const giveUp = () => {
        clearTimeout(timer);
        clearInterval(tick);
        resolve(undefined);
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      const tick = setInterval(() => sock.send(request(), port, '127.0.0.1'), 1000);
      sock.send(request(), port, '127.0.0.1');
      sock.on('message', (msg) => {
        const line = msg.toString('utf8').split('\r\n')[0];
        if (/^SIP\/2\.0 [2-6]\d\d/.test(line)) {
          clearTimeout(timer);
          clearInterval(tick);
          resolve(line);
        }
      });
    });
  } finally {
    sock.close();
  }
}

/**
 * The image for `boardName`, built first when missing or older than the bundle (or when
 * PBX_FIRMWARE_REBUILD=1; PBX_FIRMWARE_REUSE=1 uses an existing image as it is). Returns the build
 * time in seconds when it built.
 */
export function ensureImage(boardName: string, image: string, repo: string): number | undefined {
  const bundle = `${repo}/dist/pbx.mjs`;
  const stale =
    !existsSync(image) ||
    (process.env.PBX_FIRMWARE_REUSE !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs > statSync(image).mtimeMs);
  if (!stale && process.env.PBX_FIRMWARE_REBUILD !== '1') return undefined;
  const t = Date.now();
  const r = spawnSync(process.execPath, ['scripts/image.mjs', '--board', boardName], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`image build for ${boardName} failed (exit ${r.status})`);
  return Math.round((Date.now() - t) / 1000);
}

/**
 * Boots to the rescue shell: the boot loader's prompt gets the `rescue` label (direct-kernel boards
 * are started with pbx.rescue already), which puts a root shell on the console instead of the menu.
 */
export async function waitRescueShell(guest: QemuGuest, board: Record<string, any>, timeoutMs = 180_000): Promise<void> {
  if (!board.qemu.directKernel) {
    await guest.waitFor(/boot: /, 60_000);
    await guest.type('rescue\r');
  }
  await guest.waitFor(/PBX rescue shell/, timeoutMs);
}

/** Runs one SIPp scenario from test/scenarios against 127.0.0.1:port; returns its exit status and errors. */
/**
 * Boots `image` with SIP (guest 5060 <- 127.0.0.1:sipPort) and an RTP range forwarded port for
 * port, probing SIP from the moment QEMU starts (the time to the first answer is "boot to SIP
 * ready", put in `figures.secondsToSipReady`), and waits for the rescue root shell (the rescue
 * label puts it on the console instead of the setup menu; everything else, the PBX included,
 * starts as usual; `figures.secondsToConsole`).
 */
export async function bootWithSip(
  board: Record<string, any>,
  o: {
    image: string;
    kernel: string;
    initrd: string;
    sipPort: number;
    rtp: { start: number; end: number };
    probeMs: number;
    signal: AbortSignal;
    figures: Record<string, number | string>;
    /** false: the guest's writes go to the image file (a card that must keep them across a reboot). */
    snapshot?: boolean;
  },
): Promise<{ guest: QemuGuest; sipReady: Promise<string | undefined> }> {
  const rtpForwards = Array.from({ length: o.rtp.end - o.rtp.start + 1 }, (_, i) => ({ proto: 'udp' as const, host: o.rtp.start + i, guest: o.rtp.start + i }));
  const guest = new QemuGuest(board, {
    image: o.image,
    kernel: o.kernel,
    initrd: o.initrd,
    snapshot: o.snapshot ?? true,
    rescue: true,
    forwards: [{ proto: 'udp', host: o.sipPort, guest: 5060 }, ...rtpForwards],
  });
  const sipReady = sipOptions(o.sipPort, o.probeMs, o.signal).then((status) => {
    if (status) o.figures.secondsToSipReady = Number(guest.secondsSinceStart.toFixed(1));
    return status;
  });
  await waitRescueShell(guest, board);
  o.figures.secondsToConsole = Number(guest.secondsSinceStart.toFixed(1));
  return { guest, sipReady };
}

export async function sipp(repo: string, scenario: string, port: number, args: string[], timeoutS = 20): Promise<{ status: number | null; output: string }> {
  const work = mkdtempSync(join(tmpdir(), 'pbx-fw-sipp-'));
  try {
    const local = await freePort('udp');
    const child = spawn(
      'sipp',
      ['-sf', join(repo, 'test/scenarios', scenario), '-i', '127.0.0.1', '-p', String(local), '-t', 'u1', '-m', '1',
        '-timeout', `${timeoutS}s`, '-timeout_error', '-nostdin', '-trace_err', '-error_file', join(work, 'errors.log'), ...args, `127.0.0.1:${port}`],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    if (existsSync(join(work, 'errors.log'))) output += readFileSync(join(work, 'errors.log'), 'utf8');
    return { status, output: output.slice(-3000) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `count` consecutive free UDP ports on 127.0.0.1 starting at an even port (RTP uses the even
 * port of each pair): the range the guest's pbx.conf `rtp =` gets, forwarded port for port.
 */
export async function freeUdpRange(count: number): Promise<{ start: number; end: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + 2 * Math.floor(Math.random() * 10000);
    const socks = [];
    let ok = true;
    for (let p = start; p < start + count && ok; p++) {
      const s = createSocket('udp4');
      ok = await new Promise<boolean>((r) => {
        s.once('error', () => r(false));
        s.bind(p, '127.0.0.1', () => r(true));
      });
      socks.push(s);
    }
    for (const s of socks) s.close();
    if (ok) return { start, end: start + count - 1 };
  }
  throw new Error(`no ${count} consecutive free UDP ports on 127.0.0.1`);
}

/** What one echo-test call through the forwards did. */
export interface EchoCall {
  /** SIPp's exit status (0: 200 OK to the INVITE, ACK, BYE answered) and its output on failure. */
  status: number | null;
  output: string;
  /** The PBX's media port from its 200 OK SDP (guest side; forwarded 1:1 from 127.0.0.1). */
  pbxRtpPort?: number;
  sent: number;
  /** Packets that came back carrying the payload of one we sent (byte for byte). */
  echoed: number;
  /** Packets that came back with a payload we never sent. */
  foreign: number;
  /** Every RTP payload that came back, in arrival order (for calls whose audio is measured, not matched). */
  received: Buffer[];
  /** Milliseconds from starting SIPp to the PBX's 200 OK (the media port file), when answered. */
  answerMs?: number;
}

const rtpHeader = (seq: number, ts: number, ssrc: number, pt: number): Buffer => {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt & 0x7f;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return h;
};

/**
 * A phone calls the echo test (600) with SIPp (test/scenarios/fw-echo-call.xml) through the SIP
 * forward; once the PBX has answered, this side sends `packets` PCMU packets (20 ms apart) from the
 * RTP port the INVITE offered to the PBX's RTP port (forwarded from 127.0.0.1) and counts what
 * comes back. Each payload is distinct (the packet number in every byte, kept inside
 * 0x10-0x6f so the μ-law round trip through the PBX's frames cannot alter it). `exten` calls another
 * extension with the same scenario (e.g. the echo test reached through analog ports), `payload`
 * sends other audio (a tone), and `received` keeps what came back for measuring.
 */
export async function echoCall(
  repo: string,
  sipPort: number,
  phone: { ext: string; secret: string },
  opts: { packets?: number; holdMs?: number; timeoutS?: number; exten?: string; payload?: (i: number) => Buffer } = {},
): Promise<EchoCall> {
  const packets = opts.packets ?? 100;
  const exten = opts.exten ?? '600';
  const holdMs = opts.holdMs ?? packets * 20 + 4000;
  const work = mkdtempSync(join(tmpdir(), 'pbx-fw-call-'));
  const media = createSocket('udp4');
  await new Promise<void>((r) => media.bind(0, '127.0.0.1', () => r()));
  const sentPayloads = new Set<string>();
  let echoed = 0;
  let foreign = 0;
  const received: Buffer[] = [];
  media.on('message', (msg) => {
    if (msg.length < 12 || (msg[0]! & 0xc0) !== 0x80) return;
    received.push(Buffer.from(msg.subarray(12)));
    const payload = msg.subarray(12).toString('hex');
    if (sentPayloads.has(payload)) echoed += 1;
    else foreign += 1;
  });
  try {
    const local = await freePort('udp');
    const child = spawn(
      'sipp',
      ['-sf', join(repo, 'test/scenarios/fw-echo-call.xml'), '-i', '127.0.0.1', '-p', String(local), '-t', 'u1', '-m', '1',
        '-s', exten, '-au', phone.ext, '-ap', phone.secret, '-auth_uri', `${exten}@127.0.0.1:${sipPort}`,
        '-set', 'caller', phone.ext, '-set', 'rtpport', String(media.address().port), '-d', String(holdMs),
        '-timeout', `${opts.timeoutS ?? 60}s`, '-timeout_error', '-nostdin', '-trace_err', '-error_file', join(work, 'errors.log'),
        `127.0.0.1:${sipPort}`],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    let done = false;
    void exited.then(() => (done = true));
    // The scenario writes the PBX's media port once the call is answered and ACKed.
    // (SIPp's exec runs a shell, which may not have finished writing when the file appears.)
    const portFile = join(work, 'pbx-rtp-port');
    const readPort = (): number | undefined => {
      const m = existsSync(portFile) ? /^(\d+)\n/.exec(readFileSync(portFile, 'utf8')) : null;
      return m ? Number(m[1]) : undefined;
    };
    const startedAt = Date.now();
    let pbxRtpPort = readPort();
    while (!done && pbxRtpPort === undefined) {
      await new Promise((r) => setTimeout(r, 50));
      pbxRtpPort = readPort();
    }
    const answerMs = pbxRtpPort !== undefined ? Date.now() - startedAt : undefined;
    let sent = 0;
    if (pbxRtpPort !== undefined) {
      const ssrc = Math.floor(Math.random() * 0xffffffff);
      const seq0 = Math.floor(Math.random() * 30000);
      for (let i = 0; i < packets && !done; i++) {
        const payload = opts.payload?.(i) ?? Buffer.alloc(160, 0x10 + (i % 0x60));
        if (!opts.payload) payload[0] = 0x10 + Math.floor(i / 0x60);
        sentPayloads.add(payload.toString('hex'));
        media.send(Buffer.concat([rtpHeader(seq0 + i, i * 160, ssrc, 0), payload]), pbxRtpPort, '127.0.0.1');
        sent += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const status = await exited;
    if (existsSync(join(work, 'errors.log'))) output += readFileSync(join(work, 'errors.log'), 'utf8');
    return { status, output: output.slice(-3000), ...(pbxRtpPort ? { pbxRtpPort } : {}), ...(answerMs !== undefined ? { answerMs } : {}), sent, echoed, foreign, received };
  } finally {
    media.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const run = (cmd: string, args: string[], input?: string): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
};

/** The partitions of a card image file (sfdisk's view): start and size in 512-byte sectors. */
export function partitions(card: string): { node: string; start: number; size: number; type: string }[] {
  const table = JSON.parse(run('sfdisk', ['-J', card])) as { partitiontable: { partitions: { node: string; start: number; size: number; type: string }[] } };
  return table.partitiontable.partitions;
}

/**
 * Gives a card image the optional data partition (4, ext4, label PBXDATA) the way
 * `npm run image -- --data-mib N` lays it out: the ext4 file system made as a file, placed with dd
 * at the next MiB after the last partition. No loop devices or mounts.
 */
export function addDataPartition(card: string, mib: number): void {
  const parts = partitions(card);
  if (parts.length !== 3) throw new Error(`${card} has ${parts.length} partitions; expected boot, root and cf`);
  const last = parts[parts.length - 1]!;
  const startMiB = Math.ceil(((last.start + last.size) * 512) / 1048576);
  const fsFile = `${card}.data.ext4`;
  run('mkfs.ext4', ['-q', '-F', '-L', 'PBXDATA', '-E', 'root_owner=0:0', fsFile, `${mib}M`]);
  run('truncate', ['-s', String((startMiB + mib) * 1048576), card]);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', '--append', card], `start=${startMiB * 2048}, size=${mib * 2048}, type=83\n`);
  run('dd', [`if=${fsFile}`, `of=${card}`, 'bs=1M', `seek=${startMiB}`, 'conv=notrunc', 'status=none']);
  rmSync(fsFile, { force: true });
}

/** Writes a file onto the card's config partition (3, FAT) as a PC would, with mtools. */
export function writeCfFile(card: string, name: string, text: string): void {
  const cf = partitions(card)[2]!;
  const dir = mkdtempSync(join(tmpdir(), 'pbx-fw-cf-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    run('mcopy', ['-o', '-i', `${card}@@${cf.start * 512}`, file, `::/${name}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads a file from the card's data partition (4, ext4) as a PC would, without mounting it: the
 * partition is copied out with dd and the file dumped with debugfs. QEMU must have stopped (the
 * guest's writes are on the card once it shut down).
 */
export function readDataFile(card: string, path: string): Buffer {
  const data = partitions(card)[3];
  if (!data) throw new Error(`${card} has no data partition`);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-fw-data-'));
  try {
    const fs = join(dir, 'data.ext4');
    run('dd', [`if=${card}`, `of=${fs}`, 'bs=1M', 'iflag=skip_bytes,count_bytes', `skip=${data.start * 512}`, `count=${data.size * 512}`, 'status=none']);
    const out = join(dir, 'file');
    // debugfs exits 0 even when the path is missing: the missing output file says so.
    const r = spawnSync('debugfs', ['-R', `dump -p ${path} ${out}`, fs], { encoding: 'utf8' });
    if (!existsSync(out)) throw new Error(`debugfs could not read ${path} from the data partition: ${r.stderr || r.stdout}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
