/**
 * AnalogEngine: the TypeScript face of the native line engine. It owns one native engine (the
 * sim backend, or real DAHDI channels), turns its events into typed listener calls, and passes
 * audio in batches (one Int16Array per call, never a call per 20 ms frame from the engine thread).
 * Ports are addressed by the numbers users configure (pbx.conf / chan_dahdi.conf; with dahdi the
 * DAHDI channel number, which may have gaps); the native engine numbers its ports 1..N in
 * configuration order, and this class translates both ways. The binding is injected:
 * production passes the loaded addon, tests a fake.
 */
import type {
  NativeBinding,
  NativeCidAbsence,
  NativeCidStandard,
  NativeLineEngine,
  NativeLineEvent,
  NativeLineStats,
  NativePortOptions,
  NativeSimCommand,
  NativeSimPortStatus,
} from '../platform/native.ts';
import { analogCountry } from './country.ts';

export type PortKind = 'fxs' | 'fxo';
export type AnalogEvent = NativeLineEvent;
export type AnalogListener = (event: AnalogEvent) => void;
/** Why a caller-ID spill carries no number: withheld ('P') or unavailable ('O'). */
export type CidAbsence = NativeCidAbsence;

/** A port's own settings (chan_dahdi.conf), beside its kind and number. */
export type AnalogPortOptions = Omit<NativePortOptions, 'kind' | 'channel'>;

export interface AnalogEngineOptions {
  /** sim (default): in-process phones and lines; dahdi: real channels (/dev/dahdi/channel). */
  backend?: 'sim' | 'dahdi';
  /** The PBX side of each port, in configuration order. */
  ports: PortKind[];
  /**
   * The number of each port as users count it (numbers[i] is ports[i]'s; default 1..N). With
   * dahdi it is the DAHDI channel the port opens.
   */
  numbers?: number[];
  /** Per-port settings by position (absent entries: the defaults). */
  portOptions?: (AnalogPortOptions | undefined)[];
  /** dahdi: the channel device (default /dev/dahdi/channel). */
  devicePath?: string;
  /** pbx.conf [system] country (tones, ring cadence, caller-ID standard). */
  country: string;
  /** Overrides the country's caller-ID standard (chan_dahdi's cidsignalling). */
  cidStandard?: NativeCidStandard;
  /** Sim only: wall time per 20 ms block (default 20). */
  periodMs?: number;
  /** Digits per port kept while JS is behind (default 64); state events are always kept. */
  eventQueueSize?: number;
}

export type LineBinding = Required<Pick<NativeBinding, 'createLineEngine'>>;

/** The binding if it has a line engine, else why not (an addon built before the engine). */
export function lineBindingOf(binding: Pick<NativeBinding, 'createLineEngine'>): LineBinding | string {
  const create = binding.createLineEngine;
  if (typeof create !== 'function') return 'the native addon has no line engine (rebuild it: node scripts/build-native.mjs)';
  return { createLineEngine: create.bind(binding) };
}

export class AnalogEngine {
  readonly ports: readonly PortKind[];
  /** numbers[i]: the user-facing number of native port i + 1. */
  readonly numbers: readonly number[];
  readonly country: string;
  private readonly native: NativeLineEngine;
  private readonly nativeIndex = new Map<number, number>();
  private listeners: AnalogListener[] = [];
  /** FXS ports whose mailbox has new messages (stutter dial tone). */
  private readonly waiting = new Set<number>();
  private active = false;

  constructor(binding: LineBinding, options: AnalogEngineOptions) {
    const c = analogCountry(options.country, options.cidStandard);
    const backend = options.backend ?? 'sim';
    this.ports = [...options.ports];
    this.numbers = options.numbers ? [...options.numbers] : options.ports.map((_, i) => i + 1);
    if (this.numbers.length !== this.ports.length) throw new RangeError('AnalogEngine: one number per port');
    this.numbers.forEach((n, i) => this.nativeIndex.set(n, i + 1));
    if (this.nativeIndex.size !== this.numbers.length) throw new RangeError('AnalogEngine: port numbers must differ');
    this.country = c.country;
    // A plain kind when there is nothing else to say (the sim's usual case), else an object.
    const ports = options.ports.map((kind, i) => {
      const own = options.portOptions?.[i];
      if (backend === 'sim' && !own) return kind;
      return { kind, ...(backend === 'dahdi' ? { channel: this.numbers[i]! } : {}), ...own };
    });
    this.native = binding.createLineEngine({
      backend,
      ports,
      ...(options.devicePath !== undefined ? { devicePath: options.devicePath } : {}),
      country: c.country,
      tones: c.tones,
      ringCadenceMs: c.ringCadenceMs,
      cidStandard: c.cidStandard,
      ...(options.periodMs !== undefined ? { periodMs: options.periodMs } : {}),
      ...(options.eventQueueSize !== undefined ? { eventQueueSize: options.eventQueueSize } : {}),
    });
  }

  get running(): boolean {
    return this.active;
  }

  /** Starts the engine thread (throws why the backend cannot open). While running it keeps the process alive: stop() it. */
  start(): void {
    if (this.active) return;
    this.native.start((ev) => this.dispatch(ev));
    this.active = true;
  }

  /** What the backend worked around when it opened (e.g. a DAHDI tone zone not loaded). */
  warnings(): string[] {
    return this.native.warnings?.() ?? [];
  }

  stop(): void {
    this.native.stop();
    this.active = false;
  }

  /** Adds a listener; returns its remover. */
  onEvent(listener: AnalogListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  readAudio(port: number, into: Int16Array): number {
    return this.native.readAudio(this.index(port), into);
  }

  writeAudio(port: number, samples: Int16Array): number {
    return this.native.writeAudio(this.index(port), samples);
  }

  /** FXS: ring the phone (with caller ID when given, or the reason it is absent), or stop ringing. */
  ring(port: number, on: boolean, callerNumber = '', callerName = '', absence?: CidAbsence): void {
    this.native.ring(this.index(port), on, callerNumber, callerName, ...(absence ? [absence] : []));
  }

  /** FXO: seize/answer or release. */
  setHook(port: number, offhook: boolean): void {
    this.native.setHook(this.index(port), offhook);
  }

  /** FXS: the PBX cleared the call under an off-hook phone: drop the loop (dahdi; the sim ignores it). */
  disconnect(port: number): void {
    this.native.disconnect?.(this.index(port));
  }

  /** FXO: dial DTMF natively; `dialComplete` follows. */
  dial(port: number, digits: string): void {
    this.native.dial(this.index(port), digits);
  }

  /**
   * Plays the country's tone natively (dial, ringback, busy, congestion) or stops it (null). Dial
   * tone on an FXS port whose mailbox has new messages is stutter dial tone (chan_dahdi plays
   * `dialrecall` then), so every caller of playTone gets it without knowing about voicemail.
   */
  playTone(port: number, tone: 'dial' | 'ringback' | 'busy' | 'congestion' | null): void {
    this.native.playTone(this.index(port), tone === 'dial' && this.waiting.has(port) ? 'dialrecall' : tone);
  }

  /**
   * FXS: the port's mailbox has new messages (or no longer has): the next dial tone stutters,
   * and the phone gets an FSK VMWI message for its lamp (on hook; addons built before it: the
   * stutter only).
   */
  setMessageWaiting(port: number, on: boolean): void {
    const index = this.index(port);
    if (on) this.waiting.add(port);
    else this.waiting.delete(port);
    this.native.setMessageWaiting?.(index, on);
  }

  /**
   * FXS: alert the off-hook phone of a waiting call (beep; on FSK lines with caller ID, the CAS
   * alert and a type II spill once the phone acknowledges), or stop an alert (on = false).
   */
  callWaiting(port: number, on: boolean, callerNumber = '', callerName = '', absence?: CidAbsence): void {
    this.native.callWaiting?.(this.index(port), on, callerNumber, callerName, ...(absence ? [absence] : []));
  }

  messageWaiting(port: number): boolean {
    return this.waiting.has(port);
  }

  sim(command: NativeSimCommand): void {
    this.native.sim({ ...command, port: this.index(command.port) });
  }

  simShow(): NativeSimPortStatus[] {
    return this.native.simShow().map((s) => ({ ...s, port: this.numbers[s.port - 1] ?? s.port }));
  }

  stats(): NativeLineStats {
    return this.native.stats();
  }

  /** The native port (1..N) of a configured port number; an unknown number throws as the addon does. */
  private index(port: number): number {
    const i = this.nativeIndex.get(port);
    if (i === undefined) throw new RangeError(`no port ${port}`);
    return i;
  }

  private dispatch(native: AnalogEvent): void {
    const ev = { ...native, port: this.numbers[native.port - 1] ?? native.port };
    for (const l of this.listeners) l(ev);
  }
}
