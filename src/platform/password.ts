/**
 * Admin password hashes as stored in pbx.conf: `scrypt$N$r$p$SALT$HASH` (hex), slow on purpose so a
 * copied pbx.conf does not give the password away cheaply.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('hex')}$${key.toString('hex')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([0-9a-f]+)\$([0-9a-f]+)$/.exec(stored);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Refuse parameters that would make checking a password a denial of service.
  if (n > 1 << 20 || r > 32 || p > 16) return false;
  const want = Buffer.from(m[5], 'hex');
  const got = scryptSync(password, Buffer.from(m[4], 'hex'), want.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  return want.length === got.length && timingSafeEqual(want, got);
}
