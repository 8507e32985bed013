/**
 * The layer rules of docs/ARCHITECTURE.md, checked on the sources: only src/platform imports
 * node:*, and each layer imports only from the layers it may (data flows one way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]);
}

/** Folder (relative to src) -> folders it may import from (prefix match). platform and core/errors are allowed everywhere. */
const ALLOWED: Record<string, string[]> = {
  'sip/message': ['sip/message'],
  'sip/transport': ['sip/transport', 'sip/message'],
  'sip/transaction': ['sip/transaction', 'sip/transport', 'sip/message'],
  'sip/auth': ['sip/auth', 'sip/message', 'sip/transport'],
  'sip/sdp': ['sip/sdp', 'sip/message'],
  'sip/dialog': ['sip/dialog', 'sip/transaction', 'sip/transport', 'sip/message'],
  'sip/registrar': ['sip/registrar', 'sip/auth', 'sip/message', 'sip/transport', 'store'],
  'sip/mwi': ['sip/mwi', 'sip/dialog', 'sip/transaction', 'sip/transport', 'sip/message'],
  store: ['store'],
  config: ['config', 'log/syslog-destination', 'log/index'],
  log: ['log'],
  media: ['media'],
  // Drivers register their channels in the core registry (type-only cycle; see docs/ARCHITECTURE.md).
  // The DAHDI driver runs the analog ports' signalling (src/analog) under its channels.
  channels: ['channels', 'sip', 'rtp', 'media', 'config', 'log', 'core/hangup-causes', 'core/channel-registry', 'core/events', 'analog'],
  core: ['core', 'channels/channel', 'rtp', 'media'],
  apps: ['apps', 'channels', 'core', 'rtp', 'media', 'store', 'config'],
  // The dialplan runs above the applications it calls (Dial, Echo) and reads the AstDB from store.
  dialplan: ['dialplan', 'apps', 'channels', 'core', 'rtp', 'media', 'store', 'config'],
  rtp: ['rtp', 'media'],
  analog: ['analog', 'media'],
  // Call records are built from the event bus; the manager turns the bus into AMI events and
  // serves actions through interfaces the runtime fills in (it imports no runtime code).
  cdr: ['cdr', 'core', 'channels/channel', 'config', 'log'],
  manager: ['manager', 'core', 'channels', 'config', 'log', 'store', 'apps', 'dialplan', 'cdr'],
};

function layerOf(rel: string): string | undefined {
  const keys = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);
  return keys.find((k) => rel === k || rel.startsWith(`${k}/`));
}

test('only src/platform imports node:* modules', () => {
  const offenders: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (rel.startsWith('platform/')) continue;
    for (const i of imports(f)) if (i.startsWith('node:')) offenders.push(`${rel} imports ${i}`);
  }
  assert.deepEqual(offenders, []);
});

test('only src/platform touches the process and Buffer globals', () => {
  const offenders: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (rel.startsWith('platform/')) continue;
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$|^import .*$/gm, '');
    if (/\bprocess\.[a-zA-Z]|\bBuffer\.[a-zA-Z]/.test(code)) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
});

test('layers import only from the layers below them', () => {
  const offenders: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    const layer = layerOf(dirname(rel));
    if (!layer) continue;
    for (const i of imports(f)) {
      if (!i.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(f), i));
      if (target.startsWith('platform/') || target === 'core/errors.ts') continue;
      const ok = ALLOWED[layer].some((a) => target === `${a}.ts` || target.startsWith(`${a}/`));
      if (!ok) offenders.push(`${rel} imports ${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});
