/**
 * The one place that loads the native addon (native/build/Release/pbx_native.node). Everything
 * above takes a NativeBinding as an injectable dependency, so logic tests run against a fake and
 * the PBX keeps running (on the JS fallbacks) when the addon is missing or fails to load.
 *
 * The addon is loaded at runtime, never bundled: from dist/pbx.mjs it is
 * ../native/build/Release/pbx_native.node, from the sources ../../native/..., and PBX_NATIVE
 * names another file (the firmware image puts it next to the bundle).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NATIVE_FILE = 'pbx_native.node';

/** Options of a native media clock. */
export interface NativeClockOptions {
  /** Tick period in milliseconds (1..1000, default 20). */
  periodMs?: number;
  /** Ask for SCHED_FIFO (default true); granted only to root or with RLIMIT_RTPRIO. */
  realtime?: boolean;
  /** SCHED_FIFO priority 1..99 (default 20). */
  priority?: number;
  /** Deliveries queued towards JS before ticks are coalesced (1..64, default 4). */
  queueSize?: number;
}

/** Counters of a native clock since its last start(). Lateness is against the tick's deadline. */
export interface NativeClockStats {
  periodMs: number;
  running: boolean;
  /** Periods elapsed since start (timerfd expirations, none lost). */
  ticks: number;
  /** Expirations beyond the first in one wake-up: the clock thread itself was late by a period. */
  overruns: number;
  /** Callbacks that reached JS. */
  deliveries: number;
  /** Wake-ups not delivered because the queue towards JS was full (coalesced into the next). */
  droppedDeliveries: number;
  /** Lateness when the JS callback ran (p50/p99 are histogram upper edges, 10 µs resolution). */
  maxLateUs: number;
  p50LateUs: number;
  p99LateUs: number;
  /** Lateness when the clock thread woke. */
  maxWakeLateUs: number;
  p50WakeLateUs: number;
  p99WakeLateUs: number;
  /** The clock thread runs SCHED_FIFO. */
  realtime: boolean;
  /** Why SCHED_FIFO was refused ('' when granted or not asked). */
  realtimeError: string;
}

/** cb(ticks, lateUs): ticks counts periods since start (a jump > 1 means coalesced ticks). */
export type NativeTickCallback = (ticks: number, lateUs: number) => void;

export interface NativeClock {
  /** Starts the thread; throws if already running. While running the clock keeps the process alive. */
  start(cb: NativeTickCallback): void;
  /** Stops and joins the thread; no callback fires afterwards; idempotent. */
  stop(): void;
  stats(): NativeClockStats;
}

/** One part of a call-progress tone: up to two frequencies (0 = none) for ms (0 = forever). */
export interface NativeTonePart {
  f1: number;
  f2: number;
  ms: number;
}

export interface NativeToneDef {
  /**
   * dialrecall: stutter dial tone (indications.conf's name), played for message waiting;
   * callwaiting: the call-waiting beep, played only by callWaiting() (never classified).
   */
  name: 'dial' | 'dialrecall' | 'ringback' | 'busy' | 'congestion' | 'callwaiting';
  parts: NativeTonePart[];
}

export type NativeCidStandard = 'bell202' | 'v23' | 'dtmf' | 'none';
/** Why a caller ID has no number: the caller withheld it ('P' private) or it is unavailable ('O'). */
export type NativeCidAbsence = 'withheld' | 'unavailable';

/**
 * One port's settings (chan_dahdi.conf's per-channel options); unset fields keep the defaults
 * (the country's caller-ID standard, busy detection on, reported at the first recognised cycle,
 * 0 dB, 128 echo-canceller taps).
 */
export interface NativePortOptions {
  kind: 'fxs' | 'fxo';
  /** dahdi: the DAHDI channel number (1..1023; default: the port's position, 1-based). */
  channel?: number;
  cidStandard?: NativeCidStandard;
  cidStart?: 'ring' | 'polarity';
  busyDetect?: boolean;
  /** 1..20: busy cadence cycles heard before busy is reported (chan_dahdi busycount). */
  busyCount?: number;
  callProgress?: boolean;
  /** dahdi: DAHDI_SETGAINS, -24..24 dB. */
  rxGainDb?: number;
  txGainDb?: number;
  /** dahdi: DAHDI's echo canceller taps (0 = off; 32..1024, powers of two), 0..1024. */
  echoCancelTaps?: number;
}

/** Options of the analog line engine (native/src/line-wrap.cc). */
export interface NativeLineEngineOptions {
  /** sim: in-process phones and lines; dahdi: real channels through /dev/dahdi/channel. */
  backend: 'sim' | 'dahdi';
  /** The PBX side of each port, in order: port 1 is ports[0]. */
  ports: Array<'fxs' | 'fxo' | NativePortOptions>;
  /** dahdi: the channel device (default /dev/dahdi/channel). */
  devicePath?: string;
  country?: string;
  /** The country's tones: the engine generates (sim line) and recognises them. */
  tones?: NativeToneDef[];
  /** Ring cadence as on/off pairs in ms (default 2000/4000). */
  ringCadenceMs?: number[];
  cidStandard?: NativeCidStandard;
  /** Wall time per 20 ms block of the sim (1..1000, default 20); smaller runs the sim faster. */
  periodMs?: number;
  /**
   * Digits kept per port while JS is behind (1..4096, default 64); more are dropped (counted in
   * eventsDropped). Other events never depend on it: hook and presence changes coalesce,
   * state-bearing events (caller ID, ring, disconnect...) are kept (16 pending per port).
   */
  eventQueueSize?: number;
}

export type NativeLineEvent =
  | {
      type: 'offhook' | 'onhook' | 'flash' | 'ringBegin' | 'ringEnd' | 'polarity' | 'disconnect' | 'dialComplete' | 'portGone' | 'portBack';
      port: number;
    }
  | { type: 'digit'; port: number; digit: string }
  | { type: 'callerid'; port: number; number: string; name: string; absence?: NativeCidAbsence }
  | { type: 'busy'; port: number; tone: 'busy' | 'congestion' };

export type NativeSimCommand =
  | { target: 'phone' | 'line'; port: number; action: 'unplug' | 'plug' }
  | { target: 'phone'; port: number; action: 'offhook' | 'onhook' | 'flash' }
  | { target: 'phone'; port: number; action: 'dial'; digits: string }
  /** The phone's microphone sends a steady test tone of `hz` (0 stops it). */
  | { target: 'phone'; port: number; action: 'tone'; hz: number }
  | { target: 'line'; port: number; action: 'ring'; number?: string; name?: string; absence?: NativeCidAbsence }
  | { target: 'line'; port: number; action: 'hangup' | 'busy' };

/** One port as `sim show` sees it. */
export interface NativeSimPortStatus {
  port: number;
  kind: 'fxs' | 'fxo';
  /** Phone: onhook/offhook/ringing. Line: idle/ringing/offhook/busy/down. Either: unplugged. */
  state: string;
  /** Phone: dial/ringback/busy/congestion/silence/tone/audio/ringing/nothing. Line: dial/busy/silence. */
  hears: string;
  /** Phone: DTMF it heard. Line: digits the PBX dialed. */
  digits: string;
  callerNumber: string;
  callerName: string;
  /** Phone: why the caller ID it displayed had no number; '' when it had one (or none came). */
  callerAbsence?: NativeCidAbsence | '';
  /** Phone: its message waiting lamp as set by FSK VMWI ('' when none received); absent from older addons. */
  vmwi?: 'on' | 'off' | '';
  /** Phone off hook: the frequencies it hears ('600+1000', 50 Hz steps; '' for none). */
  tones?: string;
  /** Phone: call-waiting CAS alerts it heard (and acknowledged). */
  alerts?: number;
}

export interface NativeLineStats {
  running: boolean;
  ports: number;
  blocks: number;
  overruns: number;
  events: number;
  /** Events lost: digits or state events beyond their per-port bound while JS was behind. */
  eventsDropped: number;
  /** Hook/presence changes merged away while JS was behind (the final state always reaches JS). */
  eventsCoalesced: number;
  /** The most events JS has taken in one wake-up (how far it fell behind). */
  eventBacklogMax: number;
  /** Ports gone right now (portGone without portBack). */
  portsGone: number;
  commands: number;
  rxDroppedSamples: number;
  txUnderruns: number;
  /** CPU time of the engine thread since start. */
  cpuMs: number;
  /** Sim commands refused by the port's state (e.g. dial while on hook), and the latest reason. */
  simRejected: number;
  lastSimError: string;
}

export interface NativeLineEngine {
  /** Opens the backend and starts the engine thread; keeps the process alive while running. */
  start(onEvent: (event: NativeLineEvent) => void): void;
  /** Stops and joins the thread; no event is delivered afterwards; idempotent. */
  stop(): void;
  /** Moves up to samples.length samples the port received into `samples`; returns the count. */
  readAudio(port: number, samples: Int16Array): number;
  /** Queues samples to send to the port; returns how many fit. */
  writeAudio(port: number, samples: Int16Array): number;
  /** FXS: ring the phone with the cadence (and caller ID; `absence` sends 'P'/'O' instead of a number), or stop. */
  ring(port: number, on: boolean, number?: string, name?: string, absence?: NativeCidAbsence): void;
  /** FXO: seize/answer (true) or release the line. */
  setHook(port: number, offhook: boolean): void;
  /**
   * FXS: the PBX cleared the call while the phone is off hook: dahdi drops the loop for a moment
   * (kewlstart disconnect); the sim phone notices nothing. Absent from addons built before it.
   */
  disconnect?(port: number): void;
  /** FXO: dial DTMF natively; a dialComplete event follows. */
  dial(port: number, digits: string): void;
  /** Plays the country's tone natively over JS's audio until replaced, stopped (null) or on-hook. */
  playTone(port: number, tone: Exclude<NativeToneDef['name'], 'callwaiting'> | null): void;
  /** FXS: FSK VMWI (message waiting lamp on/off) to the on-hook phone; absent from addons built before it. */
  setMessageWaiting?(port: number, on: boolean): void;
  /**
   * FXS: call waiting to the off-hook phone: the country's beep, then (FSK lines, with a number,
   * name or reason) the CAS alert and, once the phone acknowledges with DTMF D/A, a type II
   * caller-ID spill; `on = false` stops it. Absent from addons built before it.
   */
  callWaiting?(port: number, on: boolean, number?: string, name?: string, absence?: NativeCidAbsence): void;
  sim(command: NativeSimCommand): void;
  simShow(): NativeSimPortStatus[];
  stats(): NativeLineStats;
  /** What the backend worked around when it opened (dahdi: tone zone not loaded...); [] for the sim. */
  warnings?(): string[];
}

// Results of the DSP probe (`dspDetect`, native/src/dsp-probe.cc): one of the line engine's
// PBX-side detectors, built exactly as the engine builds it, run block by block (160 samples)
// over a buffer. Offsets count samples from the buffer's start to the end of the block in which
// the detection was reported.

/** A DTMF digit as an FXS port reports it. */
export interface NativeDtmfDetection {
  offset: number;
  digit: string;
}

/** A caller-ID message as an FXO port decodes it; datetime is MMDDHHMM ('' when absent). */
export interface NativeCidDetection {
  offset: number;
  number: string;
  name: string;
  datetime: string;
  /** Present when the spill gave a reason for the missing number. */
  absence?: NativeCidAbsence;
}

/**
 * A change of what the call-progress classifier names (dial, ringback, busy, congestion,
 * silence, tone, audio); an FXO port reports busy when it changes to busy or congestion.
 */
export interface NativeToneDetection {
  offset: number;
  tone: string;
}

export interface NativeBinding {
  createClock(options?: NativeClockOptions): NativeClock;
  /** The analog line engine; absent from addons built before it existed. */
  createLineEngine?(options: NativeLineEngineOptions): NativeLineEngine;
  /** True when built with DAHDI's headers (the dahdi backend works); absent from older addons. */
  readonly dahdiSupport?: boolean;
  /** Release stamp of the spandsp headers the addon was built with. */
  spandspVersion(): string;
  /** Generates DTMF for `digits` with spandsp and returns what spandsp's receiver detected. */
  dtmfRoundTrip(digits: string): string;
  /** The DSP probe; absent from addons built before it existed. */
  dspDetect?(request: { kind: 'dtmf'; samples: Int16Array }): NativeDtmfDetection[];
  dspDetect?(request: { kind: 'cid'; samples: Int16Array; cidStandard: Exclude<NativeCidStandard, 'none'> }): NativeCidDetection[];
  dspDetect?(request: { kind: 'tones'; samples: Int16Array; tones: NativeToneDef[] }): NativeToneDetection[];
  readonly napiVersion: number;
}

export type NativeLoadResult =
  | { ok: true; binding: NativeBinding; path: string }
  | { ok: false; reason: string; tried: string[] };

/**
 * Where to look for the addon, in order: PBX_NATIVE when set (and only it), else next to the
 * code, then native/build/Release one and two folders up (dist/ and src/platform/).
 */
export function nativeAddonCandidates(moduleDir: string, envPath: string | undefined): string[] {
  if (envPath) return [resolve(envPath)];
  return [
    join(moduleDir, NATIVE_FILE),
    resolve(moduleDir, '..', 'native', 'build', 'Release', NATIVE_FILE),
    resolve(moduleDir, '..', '..', 'native', 'build', 'Release', NATIVE_FILE),
  ];
}

let cached: NativeLoadResult | undefined;

/**
 * Loads the addon once per process. Never throws: a missing or broken addon is a result with
 * the reason, so the caller can fall back and log it.
 */
export function loadNativeBinding(): NativeLoadResult {
  if (cached) return cached;
  const moduleDir = dirname(fileURLToPath(import.meta.url));
  const tried = nativeAddonCandidates(moduleDir, process.env.PBX_NATIVE);
  cached = loadFrom(tried);
  return cached;
}

/** Loads the addon from the first existing path of `candidates` (exported for tests). */
export function loadFrom(candidates: string[]): NativeLoadResult {
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    return { ok: false, reason: `native addon not found (run: node scripts/build-native.mjs)`, tried: candidates };
  }
  try {
    const require = createRequire(import.meta.url);
    const binding = require(path) as NativeBinding;
    if (typeof binding?.createClock !== 'function') {
      return { ok: false, reason: `${path} is not the PBX addon (no createClock)`, tried: candidates };
    }
    return { ok: true, binding, path };
  } catch (e) {
    return { ok: false, reason: `${path} failed to load: ${(e as Error).message}`, tried: candidates };
  }
}
