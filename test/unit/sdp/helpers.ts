/** Shared helpers for the SDP tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTOR_DIR = fileURLToPath(new URL('../../vectors/sdp/', import.meta.url));

/** A vector byte-exact as a latin1 string, the way the SIP layer hands bodies over. */
export function readVector(name: string): string {
  return readFileSync(VECTOR_DIR + name + '.sdp', 'latin1');
}

export function vectorNames(): string[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.sdp'))
    .sort()
    .map((f) => f.slice(0, -4));
}

export function readMeta<T>(name: string): T {
  return JSON.parse(readFileSync(VECTOR_DIR + name + '.json', 'utf8')) as T;
}

/** mulberry32: reproducible fuzz runs from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
