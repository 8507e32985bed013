/**
 * AnalogEngine: the TypeScript face of the native line engine. It owns one native engine (the
 * sim backend in this slice), turns its events into typed listener calls, and passes audio in
 * batches (one Int16Array per call, never a call per 20 ms frame from the engine thread). The
 * binding is injected: production passes the loaded addon, tests a fake.
 */
import type {
  NativeBinding,
  NativeCidStandard,
  NativeLineEngine,
  NativeLineEvent,
  NativeLineStats,
  NativeSimCommand,
  NativeSimPortStatus,
} from '../platform/native.ts';
import { analogCountry } from './country.ts';

export type PortKind = 'fxs' | 'fxo';
export type AnalogEvent = NativeLineEvent;
export type AnalogListener = (event: AnalogEvent) => void;

export interface AnalogEngineOptions {
  /** The PBX side of each port: ports[0] is port 1. */
  ports: PortKind[];
  /** pbx.conf [system] country (tones, ring cadence, caller-ID standard). */
  country: string;
  /** Overrides the country's caller-ID standard (chan_dahdi's cidsignalling). */
  cidStandard?: NativeCidStandard;
  /** Sim only: wall time per 20 ms block (default 20). */
  periodMs?: number;
  /** Events queued towards JS before the engine drops them (default 64). */
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
  readonly country: string;
  private readonly native: NativeLineEngine;
  private listeners: AnalogListener[] = [];
  private active = false;

  constructor(binding: LineBinding, options: AnalogEngineOptions) {
    const c = analogCountry(options.country, options.cidStandard);
    this.ports = [...options.ports];
    this.country = c.country;
    this.native = binding.createLineEngine({
      backend: 'sim',
      ports: [...options.ports],
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

  /** Starts the engine thread. While running it keeps the process alive: stop() it. */
  start(): void {
    if (this.active) return;
    this.native.start((ev) => this.dispatch(ev));
    this.active = true;
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
    return this.native.readAudio(port, into);
  }

  writeAudio(port: number, samples: Int16Array): number {
    return this.native.writeAudio(port, samples);
  }

  /** FXS: ring the phone (with caller ID when given), or stop ringing. */
  ring(port: number, on: boolean, callerNumber = '', callerName = ''): void {
    this.native.ring(port, on, callerNumber, callerName);
  }

  /** FXO: seize/answer or release. */
  setHook(port: number, offhook: boolean): void {
    this.native.setHook(port, offhook);
  }

  /** FXO: dial DTMF natively; `dialComplete` follows. */
  dial(port: number, digits: string): void {
    this.native.dial(port, digits);
  }

  /** Plays the country's tone natively (dial, ringback, busy, congestion) or stops it (null). */
  playTone(port: number, tone: 'dial' | 'ringback' | 'busy' | 'congestion' | null): void {
    this.native.playTone(port, tone);
  }

  sim(command: NativeSimCommand): void {
    this.native.sim(command);
  }

  simShow(): NativeSimPortStatus[] {
    return this.native.simShow();
  }

  stats(): NativeLineStats {
    return this.native.stats();
  }

  private dispatch(ev: AnalogEvent): void {
    for (const l of this.listeners) l(ev);
  }
}
