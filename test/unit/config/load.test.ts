import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';
import { checkConfig, checkConfigDir } from '../../../src/config/check.ts';
import { demoConfig } from '../../../src/config/demo.ts';
import { ERROR_CODES } from '../../../src/core/errors.ts';

let root: string;

function configDir(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'pbx-config-test-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadConfig from a directory', () => {
  test('reads pbx.conf, sip.conf, voicemail.conf and their includes; other Asterisk files do not matter', () => {
    const dir = configDir('full', {
      'pbx.conf': '[system]\nsip = 127.0.0.1:15060\ncontrol = run/control.sock\n[phones]\n#include phones/office.conf\n',
      'phones/office.conf': '2000 = first-long-secret, Alice\n',
      'sip.conf': '[general]\ncontext = default\n[trunk-out]\ntype = peer\nhost = 192.0.2.10\n#include sip.d/*.conf\n',
      'sip.d/2100.conf': '[2100]\ntype = friend\nhost = dynamic\nsecret = second-long-secret\n',
      'sip.d/readme.txt': 'not a conf file\n',
      'extensions.conf': '[phones]\nexten => 2000,1,Dial(SIP/2000,20)\n',
      'voicemail.conf': '[default]\n2000 => 1234,Alice\n',
    });
    const r = loadConfig({ dir });
    assert.equal(formatErrors(r.errors), '');
    assert.ok(r.config);
    assert.equal(r.config.dir, dir);
    assert.deepEqual(r.config.sources, ['pbx.conf', 'phones/office.conf', 'sip.conf', 'sip.d/2100.conf', 'voicemail.conf']);
    assert.equal(r.config.system.control, join(dir, 'run/control.sock'));
    assert.deepEqual([...r.config.peers.keys()], ['2000', 'trunk-out', '2100']);
    assert.deepEqual(r.config.peers.get('2100')?.origin, { file: 'sip.d/2100.conf', line: 1 });
    assert.deepEqual(r.config.peers.get('2000')?.origin, { file: 'phones/office.conf', line: 1 });
  });

  test('a missing pbx.conf is CONFIG_MISSING naming the full path', () => {
    const dir = configDir('empty', { 'sip.conf': '[general]\n' });
    const r = loadConfig({ dir });
    assert.equal(r.config, undefined);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].code, 'CONFIG_MISSING');
    assert.ok('CONFIG_MISSING' in ERROR_CODES);
    assert.equal(formatErrors(r.errors), `pbx.conf: required file ${join(dir, 'pbx.conf')} not found`);
  });

  test('an unreadable pbx.conf says why', () => {
    const r = loadConfig({ files: {} });
    assert.equal(formatErrors(r.errors), `pbx.conf: required file pbx.conf not found`);
    const dir = configDir('unreadable', {});
    mkdirSync(join(dir, 'pbx.conf'));
    const u = loadConfig({ dir });
    assert.equal(u.errors[0].code, 'CONFIG_MISSING');
    assert.match(formatErrors(u.errors), new RegExp(`^pbx\\.conf: cannot read required file ${join(dir, 'pbx.conf')}: .*EISDIR`));
  });

  test('a missing directory is CONFIG_MISSING', () => {
    const r = loadConfig({ dir: join(root, 'nope') });
    assert.equal(r.errors[0].code, 'CONFIG_MISSING');
    assert.equal(formatErrors(r.errors), `${join(root, 'nope')}: configuration directory does not exist`);
  });

  test('no model when any file has an error; errors come file by file, line by line', () => {
    const r = loadConfig({
      files: {
        'pbx.conf': '[system]\n#include more.conf\nverbose = 99\n[phones]\n2000 =\n',
        'more.conf': 'sipp = 1\n',
        'sip.conf': '[x]\ntype = peer\nhots = 1.2.3.4\n',
      },
    });
    assert.equal(r.config, undefined);
    assert.equal(
      formatErrors(r.errors),
      [
        `pbx.conf:3: invalid verbose '99': must be from 0 to 10`,
        `pbx.conf:5: phone 2000 has no secret (expected '2000 = secret, Name')`,
        `more.conf:1: unknown key 'sipp' in [system] (did you mean 'sip'?)`,
        `sip.conf:3: unknown key 'hots' in [x] (did you mean 'host'?)`,
      ].join('\n'),
    );
  });

  test('errors and warnings are ConfigErrors carrying file and line', () => {
    const r = loadConfig({ files: { 'pbx.conf': '[system]\nverbose = x\n' } });
    assert.equal(r.errors[0].file, 'pbx.conf');
    assert.equal(r.errors[0].line, 2);
    assert.equal(r.errors[0].code, 'CONFIG_INVALID');
    assert.equal(r.errors[0].message, `pbx.conf:2: invalid verbose 'x': expected a whole number from 0 to 10`);
  });
});

describe('pbx check', () => {
  test('a good directory: ok, with a summary', () => {
    const dir = configDir('good', { 'pbx.conf': '[phones]\n2000 = first-long-secret, Alice\n' });
    assert.deepEqual(checkConfigDir(dir), {
      ok: true,
      output: 'configuration OK (pbx.conf): 1 phone, 1 SIP peer\nvoicemail OK: 1 mailbox, mail notification off (no smtp in pbx.conf [voicemail])\n',
    });
  });

  test('a bad directory: every error as file:line: reason, warnings prefixed, not ok', () => {
    const dir = configDir('bad', {
      'pbx.conf': '[system]\nsip = 0.0.0.0:99999\n[phones]\n2000 = 1234, Weak\n',
      'sip.conf': '[general]\nbindport = 5080\nrealm = a b\n',
    });
    const r = checkConfigDir(dir);
    assert.equal(r.ok, false);
    assert.equal(
      r.output,
      [
        `pbx.conf:2: invalid sip '0.0.0.0:99999': port 99999 is out of range 1-65535`,
        `sip.conf:3: invalid realm 'a b': expected a word without spaces or quotes`,
        `warning: pbx.conf:4: phone 2000 has a weak secret (shorter than 8 characters); SIP scanners guess such secrets`,
        `warning: sip.conf:2: bindport = 5080 is ignored: SIP listens on 0.0.0.0:5060 as pbx.conf 'sip =' says`,
        `configuration has 2 errors; nothing was applied`,
        '',
      ].join('\n'),
    );
  });

  test('warnings alone keep ok true', () => {
    const r = checkConfig({ files: { 'pbx.conf': '[phones]\n2000 = 1234\n' } });
    assert.equal(r.ok, true);
    assert.match(r.output, /^warning: pbx\.conf:2: phone 2000 has a weak secret/);
  });
});

describe('demo configuration', () => {
  test('validates with no warning and puts run-time paths under the given directory', () => {
    const r = loadConfig(demoConfig('/tmp/pbx-demo-123/'));
    assert.equal(formatErrors(r.errors), '');
    assert.equal(formatErrors(r.warnings), '');
    assert.ok(r.config);
    assert.equal(r.config.system.control, '/tmp/pbx-demo-123/control.sock');
    assert.equal(r.config.system.data, '/tmp/pbx-demo-123/data');
    assert.deepEqual(r.config.system.sip, { host: '0.0.0.0', port: 5060 });
    assert.deepEqual(r.config.system.rtp, { start: 10000, end: 20000 });
    assert.deepEqual(
      [...r.config.peers.values()].map((p) => [p.name, p.callerid?.name, p.host]),
      [
        ['2000', 'Alice', 'dynamic'],
        ['2001', 'Bob', 'dynamic'],
      ],
    );
  });

  test('explains every key it sets', () => {
    const text = demoConfig('/run/x').files['pbx.conf'];
    for (const key of ['hostname', 'sip', 'rtp', 'control', 'data', 'country', 'timezone', 'verbose']) {
      const at = text.search(new RegExp(`^${key} = `, 'm'));
      assert.ok(at > 0, key);
      const before = text.slice(0, at).trimEnd().split('\n').pop() ?? '';
      assert.match(before, /^;/, `a comment line precedes '${key} ='`);
    }
  });
});
