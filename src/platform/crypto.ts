/** Hashing and randomness for digest auth, nonces, tags and branches. */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// crypto.hash() (node >= 20.12) hashes a string in one native call, without the Hash object and
// its stream machinery that createHash() builds: a digest-authenticated call computes several
// MD5s. The boards' node 18 lacks it (read through the namespace so the import still links there).
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

function hexDigest(alg: string, s: string): string {
  return oneShot ? oneShot(alg, s, 'hex') : createHash(alg).update(s, 'utf8').digest('hex');
}

export function md5Hex(s: string): string {
  return hexDigest('md5', s);
}

export function sha256Hex(s: string): string {
  return hexDigest('sha256', s);
}

export function sha1Hex(s: string): string {
  return hexDigest('sha1', s);
}

export function hmacSha256Hex(key: string | Uint8Array, s: string): string {
  return createHmac('sha256', key).update(s, 'utf8').digest('hex');
}

// Tags, branches and nonces need a few random bytes per message; one CSPRNG call per 4 KB
// instead of one per message keeps randomFillSync off the profile.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

export function randomHex(bytes: number): string {
  if (bytes > POOL_SIZE) return randomBytes(bytes).toString('hex');
  if (poolOffset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

export function randomBytesArray(bytes: number): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

/** Constant-time comparison of two strings (different lengths compare false). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
