/**
 * The SIPp caller the voicemail and music-on-hold benches share: vm-deposit-uac.xml (digest auth
 * from runSippLoad's injection file, A-law offer, then a 1400 Hz tone played from a pcap for the
 * -d duration, then BYE). The callers always send audio, as a real phone does while it leaves a
 * message or waits on hold, so the PBX receives 50 packets/s per call in every case.
 */
import { readFileSync } from 'node:fs';
import { freePort } from '../../test/integration/harness.ts';
import { rtpPcap, tone, writePcapAtomically } from '../../test/integration/rtp-pcap.ts';

export const TONE_HZ = 1400;
/** The path vm-deposit-uac.xml plays (fixed in the scenario). */
export const TONE_PCAP = '/tmp/pbx-bench-vm-tone-1400hz.pcap';
/** Longer than any call of either bench, so a caller never falls silent before its BYE. */
const PCAP_S = 40;

/** runSippLoad resolves scenarios under test/scenarios; this one lives next to this file. */
export const CALLER_SCENARIO = '../../bench/voicemail/vm-deposit-uac.xml';

export function writeTonePcap(): void {
  writePcapAtomically(TONE_PCAP, rtpPcap(tone(PCAP_S, TONE_HZ)));
}

/** SIPp arguments for callers to `service` on the PBX at `port` that stay `holdMs` after the answer. */
export async function callerArgs(service: string, port: number, holdMs: number): Promise<string[]> {
  return ['-s', service, '-auth_uri', `${service}@127.0.0.1:${port}`, '-d', String(holdMs), '-mp', String(await freePort()), '-recv_timeout', '30000', '-aa'];
}

/**
 * /proc/PID/io: bytes the process passed to write()-like calls (wchar), caused to be written to
 * storage (write_bytes, counted when a page is dirtied) and dirtied but never written because the
 * file was deleted or truncated first (cancelled_write_bytes: a mail queue job sent and removed
 * before writeback).
 */
export function ioCounters(pid: number): { wchar: number; writeBytes: number; cancelled: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { wchar: get('wchar'), writeBytes: get('write_bytes'), cancelled: get('cancelled_write_bytes') };
}
