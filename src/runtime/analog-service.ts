/**
 * The analog ports of a running PBX: pbx.conf [analog] turned into a started line engine (sim
 * backend) and the DAHDI channel driver on it, sharing the PBX's channel registry so analog
 * calls show in `core show channels`. The binding is injected so tests can run it on a fake.
 * Without a usable backend (the dahdi backend is not built yet, or the addon lacks the line
 * engine) the PBX still starts: the reason is returned for the log and Dial(DAHDI/...) reports
 * CHANUNAVAIL.
 */
import type { Clock } from '../platform/clock.ts';
import { loadNativeBinding, type NativeBinding } from '../platform/native.ts';
import type { AnalogConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { MediaClock } from '../media/clock.ts';
import { AnalogEngine, lineBindingOf } from '../analog/engine.ts';
import type { ChannelRegistry } from '../core/channel-registry.ts';
import { DahdiDriver } from '../channels/dahdi-driver.ts';
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
}

export class AnalogService {
  private constructor(
    readonly config: AnalogConfig,
    readonly engine: AnalogEngine,
    readonly driver: DahdiDriver,
  ) {}

  /** Starts the engine and the driver, or returns why analog ports are unavailable. */
  static start(d: AnalogServiceDeps): AnalogService | string {
    if (d.config.backend === 'dahdi') return 'DAHDI backend not available yet (use backend = sim to try the analog features)';
    let binding = d.binding;
    if (!binding) {
      const loaded = loadNativeBinding();
      if (!loaded.ok) return `the native addon is not loaded: ${loaded.reason}`;
      binding = loaded.binding;
    }
    const line = lineBindingOf(binding);
    if (typeof line === 'string') return line;
    const engine = new AnalogEngine(line, { ports: d.config.ports.map((p) => p.kind), country: d.country });
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
    });
    try {
      engine.start();
    } catch (e) {
      driver.close();
      return `the line engine failed to start: ${e instanceof Error ? e.message : String(e)}`;
    }
    return new AnalogService(d.config, engine, driver);
  }

  stop(): void {
    this.driver.close();
    this.engine.stop();
  }
}
