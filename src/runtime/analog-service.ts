/**
 * The analog ports of a running PBX: pbx.conf [analog] (+ chan_dahdi.conf) turned into a started
 * line engine (sim backend, or real DAHDI channels: each port opens the DAHDI channel of its
 * number) and the DAHDI channel driver on it, sharing the PBX's channel registry so analog calls
 * show in `core show channels`. The binding is injected so tests can run it on a fake.
 * Without a usable backend (DAHDI not loaded, a channel not configured in system.conf, an addon
 * without the line engine or built without DAHDI's headers) the PBX still starts: the reason is
 * returned for the log and Dial(DAHDI/...) reports CHANUNAVAIL.
 */
import type { Clock } from '../platform/clock.ts';
import { loadNativeBinding, type NativeBinding } from '../platform/native.ts';
import type { AnalogConfig, AnalogPortConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { MediaClock } from '../media/clock.ts';
import { AnalogEngine, lineBindingOf, type AnalogPortOptions } from '../analog/engine.ts';
import type { ChannelRegistry } from '../core/channel-registry.ts';
import { DahdiDriver, type DahdiFeatures } from '../channels/dahdi-driver.ts';
import type { DahdiChannel } from '../channels/dahdi-channel.ts';

export interface AnalogServiceDeps {
  config: AnalogConfig;
  country: string;
  clock: Clock;
  mediaClock: MediaClock;
  channels: ChannelRegistry;
  log: Logger;
  match(context: string, digits: string): { exists: boolean; canMatchMore: boolean };
  exists(context: string, exten: string): boolean;
  route(channel: DahdiChannel): void;
  /** Default: the real addon. */
  binding?: Pick<NativeBinding, 'createLineEngine'>;
  /** dahdi: the channel device (default /dev/dahdi/channel). */
  devicePath?: string;
  /** A phone's flash: three-way calls and transfer (runtime/analog-calls.ts); absent: flash holds. */
  features?: DahdiFeatures;
}

/** The chan_dahdi.conf settings of a port the engine applies itself (undefined: none). */
export function enginePortOptions(p: AnalogPortConfig): AnalogPortOptions | undefined {
  const o: AnalogPortOptions = {
    ...(p.cidStandard !== undefined ? { cidStandard: p.cidStandard } : {}),
    ...(p.cidStart !== undefined ? { cidStart: p.cidStart } : {}),
    ...(p.busyDetect !== undefined ? { busyDetect: p.busyDetect } : {}),
    ...(p.busyCount !== undefined ? { busyCount: p.busyCount } : {}),
    ...(p.callProgress !== undefined ? { callProgress: p.callProgress } : {}),
    ...(p.rxGainDb !== undefined ? { rxGainDb: p.rxGainDb } : {}),
    ...(p.txGainDb !== undefined ? { txGainDb: p.txGainDb } : {}),
    ...(p.echoCancelTaps !== undefined ? { echoCancelTaps: p.echoCancelTaps } : {}),
  };
  return Object.keys(o).length > 0 ? o : undefined;
}

export class AnalogService {
  private constructor(
    readonly config: AnalogConfig,
    readonly engine: AnalogEngine,
    readonly driver: DahdiDriver,
  ) {}

  /** Starts the engine and the driver, or returns why analog ports are unavailable. */
  static start(d: AnalogServiceDeps): AnalogService | string {
    let binding = d.binding;
    if (!binding) {
      const loaded = loadNativeBinding();
      if (!loaded.ok) return `the native addon is not loaded: ${loaded.reason}`;
      binding = loaded.binding;
    }
    const line = lineBindingOf(binding);
    if (typeof line === 'string') return line;
    let engine: AnalogEngine;
    try {
      engine = new AnalogEngine(line, {
        backend: d.config.backend,
        ports: d.config.ports.map((p) => p.kind),
        // Engine ports are 1..N in configuration order; the driver and users keep the configured
        // numbers (with dahdi, DAHDI channel numbers: DAHDI/5 is channel 5).
        numbers: d.config.ports.map((p) => p.port),
        portOptions: d.config.ports.map(enginePortOptions),
        country: d.country,
        ...(d.devicePath !== undefined ? { devicePath: d.devicePath } : {}),
      });
    } catch (e) {
      return `the line engine cannot be set up: ${e instanceof Error ? e.message : String(e)}`;
    }
    const driver = new DahdiDriver({
      engine,
      ports: d.config.ports,
      clock: d.clock,
      mediaClock: d.mediaClock,
      log: d.log,
      channels: d.channels,
      match: d.match,
      exists: d.exists,
      route: d.route,
      ...(d.features ? { features: d.features } : {}),
    });
    try {
      engine.start();
    } catch (e) {
      driver.close();
      return `the line engine failed to start: ${(e instanceof Error ? e.message : String(e)).replace(/^lineEngine\.start: /, '')}`;
    }
    for (const w of engine.warnings()) d.log.warning(w);
    return new AnalogService(d.config, engine, driver);
  }

  stop(): void {
    this.driver.close();
    this.engine.stop();
  }
}
