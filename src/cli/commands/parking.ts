/**
 * `parkedcalls show` (Asterisk 1.4's `show parkedcalls` is accepted too) with res_features'
 * layout: a header of Num, Channel, (Context Extension Pri) and Timeout, one line per parked call
 * with the seconds left before it comes back, then the count.
 */
import type { ParkingLot } from '../../apps/parking/parking-lot.ts';
import type { CommandRegistry } from '../registry.ts';

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

export function formatParkedCalls(lot: ParkingLot | undefined, now: number): string {
  const out = [`${lpad('Num', 4)} ${lpad('Channel', 25)} (${pad('Context', 15)} ${pad('Extension', 12)} ${pad('Pri', 4)}) ${pad('Timeout', 6)} `];
  const calls = lot?.list() ?? [];
  for (const c of calls) {
    const left = Math.max(0, Math.round((c.timeoutAt - now) / 1000));
    out.push(`${pad(String(c.space).slice(0, 10), 10)} ${lpad(c.channel.name, 25)} (${pad(c.context, 15)} ${pad(c.exten, 12)} ${pad(String(c.priority), 4)}) ${lpad(String(left), 6)}s`);
  }
  out.push(`${calls.length} parked call${calls.length === 1 ? '' : 's'}.`);
  return out.join('\n');
}

export function registerParkingCommands(r: CommandRegistry, lot: () => ParkingLot | undefined, now: () => number): void {
  const show = (): string => formatParkedCalls(lot(), now());
  r.add({ words: ['parkedcalls', 'show'], usage: 'parkedcalls show', summary: 'List currently parked calls', run: show });
  r.add({ words: ['show', 'parkedcalls'], usage: 'show parkedcalls', summary: 'List currently parked calls (Asterisk 1.4 name)', run: show });
}
