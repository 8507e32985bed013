/**
 * Audio for SIPp's play_pcap_audio, synthesised in code: a tone as A-law RTP (PT 8) in a pcap of
 * Ethernet/IPv4/UDP packets, 20 ms each and paced 20 ms apart (SIPp replays at the capture's pace).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { encodeAlaw } from '../../src/media/g711.ts';

export function tone(seconds: number, hz: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

export function rtpPcap(samples: Int16Array): Buffer {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  const frames = Math.floor(samples.length / 160);
  for (let k = 0; k < frames; k++) {
    const payload = Buffer.from(encodeAlaw(samples.subarray(k * 160, (k + 1) * 160)));
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = k === 0 ? 0x88 : 0x08; // marker on the first packet
    rtp.writeUInt16BE(k & 0xffff, 2);
    rtp.writeUInt32BE(k * 160, 4);
    rtp.writeUInt32BE(0x1400cafe, 8);
    const udpLen = 8 + 12 + payload.length;
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(6000, 0);
    udp.writeUInt16BE(6002, 2);
    udp.writeUInt16BE(udpLen, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udpLen, 2);
    ip.writeUInt16BE(k & 0xffff, 4);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([127, 0, 0, 1]).copy(ip, 12);
    Buffer.from([127, 0, 0, 1]).copy(ip, 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const packet = Buffer.concat([eth, ip, udp, rtp, payload]);
    const rec = Buffer.alloc(16);
    const us = k * 20_000;
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(packet.length, 8);
    rec.writeUInt32LE(packet.length, 12);
    parts.push(rec, packet);
  }
  return Buffer.concat(parts);
}

/** Writes via a temp file and rename, so a test running at the same time never reads half a pcap. */
export function writePcapAtomically(path: string, bytes: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
