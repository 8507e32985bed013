/** Shared test helpers for the SIP message layer tests. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTOR_DIR = fileURLToPath(new URL('../../vectors/sip/', import.meta.url));

/** Reads a vector byte-exact: one latin1 char per byte, as the transports hand messages over. */
export function readVector(name: string): string {
  return readFileSync(VECTOR_DIR + name, 'latin1');
}

export function vectorNames(): string[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.sip'))
    .sort()
    .map((f) => f.slice(0, -4));
}

export function readJson(name: string): unknown {
  return JSON.parse(readFileSync(VECTOR_DIR + name, 'utf8'));
}

/**
 * Asserts that `actual` holds everything in `expected`: objects are compared key by key
 * (extra keys in actual are fine), except that an empty expected object means "exactly empty";
 * arrays must have the same length and match element by element.
 */
export function assertSubset(actual: unknown, expected: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertSubset(actual[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object, got ${JSON.stringify(actual)}`);
    const keys = Object.keys(expected);
    if (keys.length === 0) {
      assert.deepEqual(actual, {}, `${path}: expected an empty object`);
      return;
    }
    for (const k of keys) {
      assertSubset((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    }
    return;
  }
  assert.deepEqual(actual, expected, path);
}

/** A small deterministic PRNG (mulberry32) so fuzz runs are reproducible from their seed. */
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
