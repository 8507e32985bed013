/** Helpers for RTP tests over real UDP on 127.0.0.1. */
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { bindMediaSocket } from '../../../src/platform/udp-media.ts';
import type { MediaSocket } from '../../../src/platform/udp-media.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { RtpSession } from '../../../src/rtp/session.ts';
import type { RtpSessionOptions } from '../../../src/rtp/session.ts';

export const HOST = '127.0.0.1';

/** A port range per test file process, away from common services. */
export function ports(): PortAllocator {
  const base = 40000 + 2 * Math.floor(Math.random() * 5000);
  return new PortAllocator(base, base + 199);
}

/** Poll `cond` on real time until true, or fail after `ms`. */
export async function waitFor(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Let in-flight datagrams land (no condition to poll for "nothing arrived"). */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface Harness {
  clock: FakeClock;
  allocator: PortAllocator;
  open(o: Partial<RtpSessionOptions>): Promise<RtpSession>;
  raw(onPacket?: (d: Uint8Array, a: string, p: number) => void): Promise<MediaSocket>;
  /** Closes everything opened and checks nothing is left scheduled. */
  close(): Promise<void>;
}

export function harness(): Harness {
  const clock = new FakeClock();
  const allocator = ports();
  const sessions: RtpSession[] = [];
  const sockets: MediaSocket[] = [];
  return {
    clock,
    allocator,
    async open(o) {
      const s = await RtpSession.open({ host: HOST, ports: allocator, clock, format: 'ulaw', payloadType: 0, rtcpIntervalMs: 0, ...o });
      sessions.push(s);
      return s;
    },
    async raw(onPacket = () => undefined) {
      const s = await bindMediaSocket(HOST, 0, onPacket);
      sockets.push(s);
      return s;
    },
    async close() {
      await Promise.all([...sessions.map((s) => s.close()), ...sockets.map((s) => s.close())]);
      if (clock.pending() !== 0) throw new Error(`${clock.pending()} timers left after close`);
      if (allocator.inUse !== 0) throw new Error(`${allocator.inUse} ports left allocated`);
    },
  };
}
