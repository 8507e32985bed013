import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';

const VECTORS = new URL('../../vectors/config/', import.meta.url).pathname;

for (const name of readdirSync(VECTORS).filter((n) => statSync(join(VECTORS, n)).isDirectory())) {
  test(`vector ${name}: the model matches expected.json`, () => {
    const dir = join(VECTORS, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const r = loadConfig({ dir });
    assert.equal(formatErrors(r.errors), '');
    assert.ok(r.config);
    // A JSON round trip drops undefined fields, as the expected file has none.
    const actual = JSON.parse(
      JSON.stringify({
        warnings: formatErrors(r.warnings).split('\n'),
        system: r.config.system,
        sip: r.config.sip,
        peers: [...r.config.peers.values()],
      }),
    );
    assert.deepEqual(actual.warnings, expected.warnings);
    assert.deepEqual(actual.system, expected.system);
    assert.deepEqual(actual.sip, expected.sip);
    assert.deepEqual(actual.peers.map((p: { name: string }) => p.name), expected.peers.map((p: { name: string }) => p.name));
    for (let i = 0; i < expected.peers.length; i++) assert.deepEqual(actual.peers[i], expected.peers[i], `peer ${expected.peers[i].name}`);
  });
}
