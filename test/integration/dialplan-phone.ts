/**
 * What the dialplan integration tests share: a caller that places a call to an extension and
 * keeps a real RTP stream going (20 ms µ-law frames of silence or of a tone, RFC 4733 DTMF events
 * in place of audio while a key is pressed, as a desk phone does), everything the PBX sends back
 * (so a test can tell which prompt reached the phone), and prompt identification against the
 * installed WAV files. Written independently of src/ except for the WAV reader, so the SIP and
 * RTP the tests send are not checked with our own stack.
 */
import { readFileSync } from 'node:fs';
import { readWav } from '../../src/media/wav.ts';
import { hdr, mediaPort, Phone, sdp, statusOf, type Call, type Msg } from './calls-phone.ts';

export const SOUNDS = '/usr/share/asterisk/sounds/en';

/** ITU-T G.711 µ-law, written out here (not src/media/g711.ts) so the check is independent. */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exp = (u >> 4) & 7;
  const mant = u & 0x0f;
  const mag = (((mant << 3) + 0x84) << exp) - 0x84;
  return sign ? -mag : mag;
}

/** One RTP packet as the PBX sent it, with when (ms since the call began) it arrived. */
export interface Received {
  at: number;
  pt: number;
  payload: Buffer;
}

/** An answered call from the phone's side: SIP state, RTP stream out, RTP collected in. */
export class ActiveCall {
  readonly received: Received[] = [];
  private seq = 1000;
  private ts = 80_000;
  private readonly ssrc = 0x5eed0001;
  private timer: NodeJS.Timeout | undefined;
  private queue: Buffer[] = [];
  private readonly t0 = Date.now();
  private readonly onMessage = (m: Buffer): void => {
    if (m.length >= 12 && m[0]! >> 6 === 2) this.received.push({ at: Date.now() - this.t0, pt: m[1]! & 0x7f, payload: m.subarray(12) });
  };
  /** Set when the PBX hung up (its BYE was answered 200). */
  byeAt: number | undefined;

  constructor(
    readonly phone: Phone,
    readonly call: Call,
    readonly ok: Msg,
    /** Where the PBX wants our RTP. */
    readonly pbxMedia: number,
  ) {
    phone.media.sock.on('message', this.onMessage);
  }

  /** Start the 20 ms RTP clock: queued frames first, silence when the queue is empty. */
  start(): void {
    this.timer = setInterval(() => this.tick(), 20);
  }

  private tick(): void {
    const next = this.queue.shift();
    if (next) {
      this.phone.media.send(next, this.pbxMedia);
      return;
    }
    this.phone.media.send(this.packet(0, Buffer.alloc(160, 0xff), false), this.pbxMedia);
    this.ts += 160;
  }

  private packet(pt: number, payload: Buffer, marker: boolean, ts = this.ts): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = pt | (marker ? 0x80 : 0);
    h.writeUInt16BE(this.seq++ & 0xffff, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    return Buffer.concat([h, payload]);
  }

  /**
   * One key as RFC 4733 sends it: an event of 100 ms (three updates, marker on the first, all
   * with the event's start timestamp) and three retransmitted end packets, then 60 ms of
   * silence before the next key. Resolves when the last packet has left.
   */
  async digit(key: string): Promise<void> {
    const code = '0123456789*#ABCD'.indexOf(key.toUpperCase());
    if (code < 0) throw new Error(`not a DTMF key: ${key}`);
    const start = this.ts;
    const ev = (end: boolean, dur: number): Buffer => Buffer.from([code, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]);
    const pkts = [
      this.packet(101, ev(false, 160), true, start),
      this.packet(101, ev(false, 320), false, start),
      this.packet(101, ev(false, 480), false, start),
      this.packet(101, ev(true, 800), false, start),
      this.packet(101, ev(true, 800), false, start),
      this.packet(101, ev(true, 800), false, start),
    ];
    this.ts += 800;
    await this.enqueue(pkts);
    await this.enqueue([0, 1, 2].map(() => this.silenceFrame()));
  }

  async digits(keys: string): Promise<void> {
    for (const k of keys) await this.digit(k);
  }

  /** `ms` of a sine tone at `hz`, amplitude 8000 (about -12 dBm0). */
  async tone(hz: number, ms: number): Promise<void> {
    const frames: Buffer[] = [];
    for (let f = 0; f < ms / 20; f++) {
      const p = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) p[i] = ulawEncode(Math.round(8000 * Math.sin((2 * Math.PI * hz * (this.ts + i)) / 8000)));
      frames.push(this.packet(0, p, false));
      this.ts += 160;
    }
    await this.enqueue(frames);
  }

  private silenceFrame(): Buffer {
    const p = this.packet(0, Buffer.alloc(160, 0xff), false);
    this.ts += 160;
    return p;
  }

  /** Resolves once every queued packet has been sent. */
  private enqueue(pkts: Buffer[]): Promise<void> {
    this.queue.push(...pkts);
    const last = pkts[pkts.length - 1];
    return new Promise((res) => {
      const check = setInterval(() => {
        if (!this.queue.includes(last!)) {
          clearInterval(check);
          res();
        }
      }, 5);
    });
  }

  /** Audio payloads received so far (PCMU only), in arrival order. */
  audio(): Buffer[] {
    return this.received.filter((r) => r.pt === 0).map((r) => r.payload);
  }

  /** Waits until an audio frame that is not silence has arrived. */
  async firstSound(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.audio().some((p) => !isSilent(p))) return;
      await sleep(20);
    }
    throw new Error('no audio other than silence arrived from the PBX');
  }

  /** Waits for the PBX's BYE and answers it 200. */
  async awaitBye(ms = 20_000): Promise<Msg> {
    const bye = await this.phone.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === this.call.callId, ms);
    this.phone.reply(bye, 200, 'OK');
    this.byeAt = Date.now() - this.t0;
    this.stop();
    return bye;
  }

  /** The phone hangs up. */
  hangup(): void {
    this.phone.bye(this.call, hdr(this.ok, 'Contact'));
    this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.phone.media.sock.off('message', this.onMessage);
  }
}

/**
 * Calls `exten` (digest auth on the INVITE); resolves with the answered call and its RTP
 * stream running, or throws with the final status when the call was not answered.
 */
export async function callAndAnswer(phone: Phone, exten: string, ms = 5000): Promise<ActiveCall> {
  const call = await phone.invite(exten, sdp(phone.media.port, [0, 101]));
  const final = await phone.next((m) => isFinalFor(call, m), ms);
  phone.ack(call, final);
  if (statusOf(final) !== 200) throw new Error(`call to ${exten} got ${final.first}`);
  const active = new ActiveCall(phone, call, final, mediaPort(final.body));
  active.start();
  return active;
}

/** Calls `exten` and resolves with the final response (for calls the dialplan rejects). */
export async function callFinal(phone: Phone, exten: string, ms = 5000): Promise<Msg> {
  const call = await phone.invite(exten, sdp(phone.media.port, [0, 101]));
  const final = await phone.next((m) => isFinalFor(call, m), ms);
  phone.ack(call, final);
  return final;
}

/** A final response to this call's INVITE (not a retransmission from an earlier call). */
function isFinalFor(call: Call, m: Msg): boolean {
  return m.first.startsWith('SIP/2.0') && hdr(m, 'Call-ID') === call.callId && hdr(m, 'CSeq') === `${call.cseq} INVITE` && statusOf(m) >= 200;
}

export function isSilent(p: Buffer): boolean {
  return p.every((b) => Math.abs(ulawDecode(b)) < 64);
}

/** The prompt's samples (Debian's sounds are 8 kHz 16-bit WAV). */
export function promptSamples(name: string): Int16Array {
  const w = readWav(new Uint8Array(readFileSync(`${SOUNDS}/${name}.wav`)));
  if (w.format !== 'slin') return Int16Array.from(w.data, (b) => (w.format === 'ulaw' ? ulawDecode(b) : 0));
  return w.data;
}

/**
 * How many of the received non-silent frames are 20 ms slices of `prompt` (sample-exact
 * alignment to the 160-sample grid the player uses, compared after µ-law decoding with room
 * for the codec's quantisation).
 */
export function framesOf(prompt: string, frames: Buffer[]): number {
  const s = promptSamples(prompt);
  const slices: Int16Array[] = [];
  for (let at = 0; at + 160 <= s.length; at += 160) slices.push(s.subarray(at, at + 160));
  let hits = 0;
  for (const f of frames) {
    if (isSilent(f) || f.length !== 160) continue;
    const d = Int16Array.from(f, (b) => ulawDecode(b));
    if (slices.some((sl) => sameAudio(d, sl))) hits++;
  }
  return hits;
}

function sameAudio(a: Int16Array, b: Int16Array): boolean {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff += Math.abs(a[i]! - b[i]!);
    mag += Math.abs(b[i]!);
  }
  return mag > 160 * 64 && diff <= mag * 0.1;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `database get FAMILY KEY` value, or undefined when the console says it does not exist. */
export function dbValue(rxOut: string): string | undefined {
  return /^Value: (.*)$/m.exec(rxOut)?.[1];
}
