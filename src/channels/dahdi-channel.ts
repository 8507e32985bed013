/**
 * An analog call leg as a Channel (`DAHDI/1-1`: port 1, first call on it, as chan_dahdi names
 * them): a port of the line engine plus the media that moves its audio. There is no RTP: the
 * port's received audio is read from the engine's ring on the media clock (one batch per tick,
 * cut into 20 ms linear frames) and frames sent to it are written to the engine's transmit ring.
 * Digits come from the engine's DTMF detector (the driver passes them in). The driver owns the
 * port signalling (FxsPort/FxoPort); this object keeps the Channel bookkeeping and ends once.
 */
import type { Clock } from '../platform/clock.ts';
import type { CallerId, Channel, ChannelState } from './channel.ts';
import type { HangupCause } from '../core/hangup-causes.ts';
import type { ChannelRegistry } from '../core/channel-registry.ts';
import type { EventBus } from '../core/events.ts';
import type { MediaClock } from '../media/clock.ts';
import { SAMPLES_PER_FRAME, toSlin, type AudioFrame } from '../media/frame.ts';
import { nextUniqueId } from './sip-channel.ts';

/** What the channel's media needs from the line engine (AnalogEngine has it). */
export interface PortAudio {
  readAudio(port: number, into: Int16Array): number;
  writeAudio(port: number, samples: Int16Array): number;
}

/** Frames read per tick at most: catches up when the engine's clock ran ahead of ours. */
const MAX_FRAMES_PER_TICK = 3;

const DTMF_ROWS: Readonly<Record<string, [number, number]>> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};
/** Each DTMF frequency at about -10 dBm0 (ITU-T Q.23 levels, well inside Q.24 twist). */
const DTMF_AMPLITUDE = 5000;
/** Silence after a digit so two equal digits stay two (Q.24: at least 40 ms). */
const DTMF_GAP_MS = 60;

/** A DTMF digit as linear samples (tone then gap), whole frames; undefined for a bad digit. */
export function dtmfSamples(digit: string, durationMs: number): Int16Array | undefined {
  const f = DTMF_ROWS[digit.toUpperCase()];
  if (!f) return undefined;
  const toneSamples = Math.round((Math.max(40, durationMs) * 8000) / 1000);
  const total = Math.ceil((toneSamples + (DTMF_GAP_MS * 8000) / 1000) / SAMPLES_PER_FRAME) * SAMPLES_PER_FRAME;
  const out = new Int16Array(total);
  for (let i = 0; i < toneSamples; i++) {
    out[i] = Math.round(DTMF_AMPLITUDE * (Math.sin((2 * Math.PI * f[0] * i) / 8000) + Math.sin((2 * Math.PI * f[1] * i) / 8000)));
  }
  return out;
}

/**
 * ChannelMedia of one port (format slin). Reading starts with the first listener and stops with
 * the last, so an idle port's audio is never pulled; what piled up in the ring before the first
 * listener is dropped (it is stale).
 */
export class PortMedia {
  readonly format = 'slin' as const;
  private readonly frameListeners = new Set<(frame: AudioFrame) => void>();
  private readonly digitListeners = new Set<(digit: string) => void>();
  private stopTicks: (() => void) | undefined;
  private readonly scratch = new Int16Array(SAMPLES_PER_FRAME * MAX_FRAMES_PER_TICK);
  private pending = new Int16Array(0);
  private timestamp = 0;
  private detached = false;
  private ticks = 0;
  private lastSendTick = -2;
  /** DTMF digits being played to the port, one frame per tick; they replace sent audio. */
  private readonly digitsOut: { samples: Int16Array; off: number; done: () => void }[] = [];

  constructor(
    private readonly audio: PortAudio,
    readonly port: number,
    private readonly clock: MediaClock,
  ) {}

  /**
   * Writes one frame to the port. The engine and the media clock tick on separate threads, so
   * when sending (re)starts one frame of silence goes first: the engine then always finds a
   * whole block waiting instead of alternating between an empty block and a double one.
   */
  send(frame: AudioFrame): void {
    if (this.detached || this.digitsOut.length > 0) return;
    if (this.ticks - this.lastSendTick > 1) this.audio.writeAudio(this.port, new Int16Array(SAMPLES_PER_FRAME));
    this.lastSendTick = this.ticks;
    this.audio.writeAudio(this.port, toSlin(frame));
  }

  onFrame(cb: (frame: AudioFrame) => void): () => void {
    if (this.detached) return () => undefined;
    this.frameListeners.add(cb);
    if (!this.stopTicks) {
      this.drain();
      this.stopTicks = this.clock.onTick(() => this.tick());
    }
    return () => {
      this.frameListeners.delete(cb);
      if (this.frameListeners.size === 0) this.stopReading();
    };
  }

  onDigit(cb: (digit: string) => void): () => void {
    this.digitListeners.add(cb);
    return () => this.digitListeners.delete(cb);
  }

  /**
   * DTMF towards the port, generated in band (an analog phone or exchange hears tones): played
   * one frame per media clock tick while the port's audio is being read (in a bridge); digits
   * queue behind each other and replace the audio sent meanwhile. Resolves once played.
   */
  sendDigit(digit: string, durationMs = 100): Promise<void> {
    const samples = dtmfSamples(digit, durationMs);
    if (!samples || this.detached || !this.stopTicks) return Promise.resolve();
    return new Promise((done) => this.digitsOut.push({ samples, off: 0, done }));
  }

  /** A digit the engine detected on the port. */
  digit(d: string): void {
    for (const l of [...this.digitListeners]) l(d);
  }

  detach(): void {
    this.detached = true;
    this.stopReading();
    this.frameListeners.clear();
    this.digitListeners.clear();
  }

  private stopReading(): void {
    for (const d of this.digitsOut.splice(0)) d.done();
    this.stopTicks?.();
    this.stopTicks = undefined;
    this.pending = new Int16Array(0);
  }

  private playDigit(): void {
    const d = this.digitsOut[0];
    if (!d) return;
    if (this.ticks - this.lastSendTick > 1) this.audio.writeAudio(this.port, new Int16Array(SAMPLES_PER_FRAME));
    this.lastSendTick = this.ticks;
    this.audio.writeAudio(this.port, d.samples.subarray(d.off, d.off + SAMPLES_PER_FRAME));
    d.off += SAMPLES_PER_FRAME;
    if (d.off >= d.samples.length) {
      this.digitsOut.shift();
      d.done();
    }
  }

  private drain(): void {
    while (this.audio.readAudio(this.port, this.scratch) === this.scratch.length) {
      // stale audio from before anyone listened
    }
  }

  private tick(): void {
    this.ticks++;
    this.playDigit();
    const n = this.audio.readAudio(this.port, this.scratch);
    if (n === 0 && this.pending.length < SAMPLES_PER_FRAME) return;
    const all = new Int16Array(this.pending.length + n);
    all.set(this.pending);
    all.set(this.scratch.subarray(0, n), this.pending.length);
    // Keep at most MAX_FRAMES_PER_TICK frames: older audio is latency nobody wants.
    let off = Math.max(0, all.length - SAMPLES_PER_FRAME * MAX_FRAMES_PER_TICK);
    off -= off % SAMPLES_PER_FRAME;
    for (; off + SAMPLES_PER_FRAME <= all.length; off += SAMPLES_PER_FRAME) {
      const frame: AudioFrame = { format: 'slin', timestamp: this.timestamp, data: all.slice(off, off + SAMPLES_PER_FRAME) };
      this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
      for (const l of [...this.frameListeners]) l(frame);
    }
    this.pending = all.slice(off);
  }
}

/**
 * One call's view of its port's media. A port can carry two calls (a held call and a third
 * party, or a call and a waiting one) but its audio belongs to one at a time, as chan_dahdi's
 * subchannels: only a `connected` call sends to the phone and hears it; the other's frames are
 * dropped both ways (its partner hears music on hold meanwhile). In a three-way call neither is
 * connected: the mixer takes the port's own media.
 */
export class SubMedia {
  readonly format = 'slin' as const;
  private readonly frameListeners = new Set<(frame: AudioFrame) => void>();
  private readonly digitListeners = new Set<(digit: string) => void>();
  private offFrames: (() => void) | undefined;
  private readonly offDigits: () => void;
  private open = true;
  private detached = false;

  constructor(readonly port: PortMedia) {
    this.offDigits = port.onDigit((d) => {
      if (this.open) for (const l of [...this.digitListeners]) l(d);
    });
  }

  get connected(): boolean {
    return this.open && !this.detached;
  }

  /** Connects the call to the phone (true) or cuts it off (false: held, or in a three-way mix). */
  set connected(on: boolean) {
    this.open = on;
    this.sync();
  }

  send(frame: AudioFrame): void {
    if (this.connected) this.port.send(frame);
  }

  onFrame(cb: (frame: AudioFrame) => void): () => void {
    if (this.detached) return () => undefined;
    this.frameListeners.add(cb);
    this.sync();
    return () => {
      this.frameListeners.delete(cb);
      this.sync();
    };
  }

  onDigit(cb: (digit: string) => void): () => void {
    this.digitListeners.add(cb);
    return () => this.digitListeners.delete(cb);
  }

  sendDigit(digit: string, durationMs = 100): Promise<void> {
    return this.connected ? this.port.sendDigit(digit, durationMs) : Promise.resolve();
  }

  detach(): void {
    this.detached = true;
    this.offDigits();
    this.frameListeners.clear();
    this.digitListeners.clear();
    this.sync();
  }

  /** The port is read only while this call is connected and someone listens. */
  private sync(): void {
    const want = this.connected && this.frameListeners.size > 0;
    if (want && !this.offFrames) {
      this.offFrames = this.port.onFrame((f) => {
        for (const l of [...this.frameListeners]) l(f);
      });
    } else if (!want && this.offFrames) {
      this.offFrames();
      this.offFrames = undefined;
    }
  }
}

export interface DahdiChannelOptions {
  port: number;
  /** The call's number on this port (DAHDI/<port>-<instance>). */
  instance: number;
  direction: 'inbound' | 'outbound';
  callerId: CallerId;
  context: string;
  exten: string;
  language: string;
  clock: Clock;
  /** The port's media, shared by every call on the port (the driver keeps one per port). */
  portMedia: PortMedia;
  registry: ChannelRegistry;
  /** The port is an FXS port (a phone), not a line. */
  phone?: boolean;
  /** The driver's part of answer/ringing/hangup (the port's signalling). */
  signalling: {
    answer(ch: DahdiChannel): void;
    ringing(ch: DahdiChannel): void;
    hangup(ch: DahdiChannel, cause: HangupCause): void;
  };
}

export class DahdiChannel implements Channel {
  readonly tech = 'DAHDI';
  readonly name: string;
  readonly port: number;
  readonly direction: 'inbound' | 'outbound';
  private currentState: ChannelState = 'Ring';

  /** Asterisk's channel state; each change is a Newstate event. */
  get state(): ChannelState {
    return this.currentState;
  }
  set state(to: ChannelState) {
    if (to === this.currentState) return;
    this.currentState = to;
    this.o.registry.events.emit({ type: 'Newstate', channel: this });
  }

  /** The PBX's event bus (the registry's). */
  get eventBus(): EventBus {
    return this.o.registry.events;
  }
  callerId: CallerId;
  readonly uniqueId: string;
  context: string;
  exten: string;
  priority = 1;
  language: string;
  application = '';
  appData = '';
  readonly format = 'slin' as const;
  bridgedTo: string | undefined;
  readonly variables = new Map<string, string>();
  readonly createdAt: number;
  readonly rtp = undefined;
  readonly maxForwards = 70;
  cause: HangupCause | undefined;
  readonly media: SubMedia;
  private readonly listeners: ((cause: HangupCause) => void)[] = [];
  private readonly hangupController = new AbortController();
  private readonly holdListeners = new Set<(holding: boolean) => void>();
  /** The phone holds the call (a hook flash during the call; the next flash takes it back). */
  holding = false;
  private readonly upListeners: (() => void)[] = [];

  constructor(private readonly o: DahdiChannelOptions) {
    this.port = o.port;
    this.name = `DAHDI/${o.port}-${o.instance}`;
    this.direction = o.direction;
    this.callerId = o.callerId;
    this.context = o.context;
    this.exten = o.exten;
    this.language = o.language;
    this.createdAt = o.clock.now();
    this.uniqueId = nextUniqueId(o.clock.wallNow());
    this.media = new SubMedia(o.portMedia);
    if (o.direction === 'outbound') this.currentState = 'Down';
    o.registry.add(this);
  }

  /** An analog phone dialing in hears tones from us before any answer (chan_dahdi plays them). */
  get inbandProgress(): boolean {
    return this.direction === 'inbound' && this.o.phone === true;
  }

  get hangupSignal(): AbortSignal {
    return this.hangupController.signal;
  }

  get ended(): boolean {
    return this.cause !== undefined;
  }

  onHangup(cb: (cause: HangupCause) => void): void {
    if (this.cause !== undefined) cb(this.cause);
    else this.listeners.push(cb);
  }

  /** Inbound: the caller hears ringback (analog has no signalling for it). */
  ringing(): void {
    if (this.ended || this.direction !== 'inbound' || this.state === 'Up') return;
    this.state = 'Ringing';
    this.o.signalling.ringing(this);
  }

  /** Early media needs nothing on an analog port: audio already flows. */
  progress(): void {}

  /**
   * Inbound: an FXO line is answered (off hook); an FXS phone already is, but the ringback it
   * may be hearing stops.
   */
  answer(): void {
    if (this.ended || this.direction !== 'inbound') return;
    this.o.signalling.answer(this);
    this.up();
  }

  /** The leg is answered (the phone went off hook, the line was dialed, or we answered). */
  up(): void {
    if (this.ended) return;
    this.state = 'Up';
    for (const l of this.upListeners.splice(0)) l();
  }

  /** Called once when the leg is answered (at once if it is up already). */
  onUp(cb: () => void): void {
    if (this.state === 'Up') cb();
    else if (!this.ended) this.upListeners.push(cb);
  }

  /** Hear the phone put the call on hold (true) and take it back (false). */
  onHoldChange(cb: (holding: boolean) => void): () => void {
    this.holdListeners.add(cb);
    return () => this.holdListeners.delete(cb);
  }

  /**
   * A hook flash in an answered call: hold, and the next flash resumes (chan_dahdi's flash
   * without a three-way call or transfer: the other party hears music on hold meanwhile).
   */
  flash(): void {
    if (this.ended || this.state !== 'Up') return;
    this.setHolding(!this.holding);
  }

  /** The phone holds the call (its partner hears music) or takes it back. */
  setHolding(on: boolean): void {
    if (this.ended || this.holding === on) return;
    this.holding = on;
    for (const l of [...this.holdListeners]) l(on);
  }

  hangup(cause: HangupCause): void {
    if (this.ended) return;
    this.o.signalling.hangup(this, cause);
    this.finish(cause);
  }

  /** The port ended the call (phone on hook, line dropped): release everything, once. */
  finish(cause: HangupCause): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.o.registry.remove(this, cause);
    this.media.detach();
    this.holdListeners.clear();
    this.upListeners.length = 0;
    this.hangupController.abort(new Error(`${this.name} hung up`));
    for (const l of this.listeners.splice(0)) l(cause);
  }
}
