/**
 * pbx.conf [analog]: the ports, the FXS port -> extension mapping, the FXO context and group, and
 * the mistakes `pbx check` must name at their line (a port that does not exist, a duplicate).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';
import type { PbxConfig } from '../../../src/config/model.ts';

const SYSTEM = '[system]\nsip = 127.0.0.1:5060\ncontrol = /tmp/pbx-analog-test.sock\ndata = /tmp/pbx-analog-test\n';

function load(analog: string) {
  return loadConfig({ files: { 'pbx.conf': `${SYSTEM}[phones]\n2000 = s3cret-Pass1, Joe\n[analog]\n${analog}` } });
}

function ok(analog: string): PbxConfig {
  const r = load(analog);
  assert.deepEqual(formatErrors(r.errors), '');
  return r.config!;
}

function errorsOf(analog: string): string {
  return formatErrors(load(analog).errors);
}

describe('pbx.conf [analog]', () => {
  test('FXS ports with extensions, FXO ports with context and group', () => {
    const c = ok('backend = sim\nfxs = 1-2\nfxo = 3\n1 = 2100\ncontext = from-pstn\ngroup = 1\n');
    assert.equal(c.analog?.backend, 'sim');
    assert.deepEqual(c.analog?.ports, [
      { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
      { port: 2, kind: 'fxs', context: 'phones' },
      { port: 3, kind: 'fxo', context: 'from-pstn', group: 1 },
    ]);
  });

  test('the FXO context defaults to default, the backend to sim', () => {
    const c = ok('fxo = 1\n');
    assert.deepEqual(c.analog, { backend: 'sim', ports: [{ port: 1, kind: 'fxo', context: 'default' }], origin: { file: 'pbx.conf', line: 7 } });
  });

  test('an extension for a port that does not exist or is a line is an error at its line', () => {
    assert.match(errorsOf('fxs = 1\n5 = 2100\n'), /^pbx\.conf:9: port 5 does not exist: list it in fxs = \(ports are fxs 1\)$/);
    assert.match(errorsOf('fxs = 1\nfxo = 2\n2 = 2100\n'), /^pbx\.conf:10: port 2 is an FXO port/);
  });

  test('a port listed twice, an extension used twice or already a phone are errors', () => {
    assert.match(errorsOf('fxs = 1-2\nfxo = 2\n'), /^pbx\.conf:9: port 2 is listed twice \(first as fxs at pbx\.conf:8\)$/);
    assert.match(errorsOf('fxs = 1-2\n1 = 2100\n2 = 2100\n'), /^pbx\.conf:10: extension 2100 is already FXS port 1$/);
    assert.match(errorsOf('fxs = 1\n1 = 2000\n'), /^pbx\.conf:9: extension 2000 is already a phone in \[phones\]$/);
  });

  test('bad values and unknown keys are named; sim ports may not have gaps', () => {
    assert.match(errorsOf('backend = zaptel\nfxs = 1\n'), /pbx\.conf:8: invalid backend 'zaptel': expected sim or dahdi/);
    assert.match(errorsOf('fxs = 1-x\n'), /invalid fxs '1-x'/);
    assert.match(errorsOf('fxs = 1\nfxs1 = 2000\n'), /unknown key 'fxs1' in \[analog\]/);
    assert.match(errorsOf('fxs = 1\nfxo = 3\n'), /pbx\.conf:7: sim ports are numbered 1 to N without gaps: port 2 is missing/);
    assert.equal(errorsOf('backend = dahdi\nfxs = 1\nfxo = 3\n'), '');
  });
});
