/** Every error code used in src/ is registered in core/errors.ts and documented in docs/errors.md. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_CODES } from '../../../src/core/errors.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// A quoted code-shaped string; `name: 'DIALPLAN_EXISTS'` is a dialplan function's name and
// `variables.set('AUTH_MAILBOX', ...)` a channel variable (VMAuthenticate's), not codes.
const CODE = /(?<!name: |variables\.set\()'((?:CONFIG|SIP|SDP|RTP|MEDIA|AUTH|STORE|CONTROL|NATIVE|DIALPLAN|ANALOG|MENU|SOUND)_[A-Z_]+)'/g;
// Any code given to PbxError/SipError directly (DB_FULL: `DB_` strings are also variable names).
const THROWN = /(?:PbxError|SipError)\(\s*'([A-Z][A-Z_]+)'/g;

test('every code used in src/ is in ERROR_CODES', () => {
  const used = new Set<string>();
  for (const f of files(join(ROOT, 'src'))) {
    if (f.endsWith('core/errors.ts')) continue;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(CODE)) used.add(m[1]);
    for (const m of text.matchAll(THROWN)) used.add(m[1]);
  }
  const missing = [...used].filter((c) => !(c in ERROR_CODES));
  assert.deepEqual(missing, [], 'add these to ERROR_CODES and docs/errors.md');
});

test('every code in ERROR_CODES is documented in docs/errors.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const undocumented = Object.keys(ERROR_CODES).filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(undocumented, []);
});
