/**
 * manager.conf validation: defaults (off, loopback, 5038), users with their classes and ACL, a
 * misspelt key or bad value as an error with file:line, real Asterisk keys we ignore as warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { readManagerConf } from '../../../src/config/manager-conf.ts';

function read(text: string): { config: ReturnType<typeof readManagerConf>; errors: string[]; warnings: string[] } {
  const diag = new Diagnostics();
  const config = readManagerConf(parseConfText('manager.conf', text).conf, diag);
  const fmt = (e: { file: string; line: number; reason: string }): string => `${e.file}:${e.line}: ${e.reason}`;
  return { config, errors: diag.errors.map(fmt), warnings: diag.warnings.map(fmt) };
}

test('an empty file: off, on the loopback, port 5038, nobody can log in', () => {
  const r = read('[general]\n');
  assert.equal(r.config.enabled, false);
  assert.equal(r.config.bindaddr, '127.0.0.1');
  assert.equal(r.config.port, 5038);
  assert.equal(r.config.users.size, 0);
  assert.deepEqual(r.errors, []);
});

test('a user with classes and an ACL', () => {
  const r = read('[general]\nenabled = yes\nport = 5039\n[panel]\nsecret = x\ndeny = 0.0.0.0/0.0.0.0\npermit = 10.0.0.0/8\nread = system,call\nwrite = all\n');
  assert.deepEqual(r.errors, []);
  const u = r.config.users.get('panel')!;
  assert.deepEqual([...u.read].sort(), ['call', 'system']);
  assert.ok(u.write.has('originate') && u.write.has('command'));
  assert.equal(u.acl.length, 2);
  assert.equal(u.readsDialplanExplicitly, false);
});

test('misspelt keys and bad values are errors with file:line', () => {
  const r = read('[general]\nenabeld = yes\nport = 99999\n[panel]\nsecert = x\nsecret = y\nread = sytem\npermit = 10.0.0.300\n');
  assert.deepEqual(r.errors, [
    "manager.conf:2: unknown manager.conf [general] key 'enabeld' (did you mean 'enabled'?)",
    'manager.conf:3: port: port 99999 is out of range 1-65535',
    "manager.conf:5: unknown manager.conf user key 'secert' in [panel] (did you mean 'secret'?)",
    "manager.conf:7: read: unknown class 'sytem' (did you mean 'system'?)",
    "manager.conf:8: permit: '10.0.0.300' is not an IP address",
  ]);
});

test('real Asterisk keys we do not act on are warned about; enabled without users is warned', () => {
  const r = read('[general]\nenabled = yes\nwebenabled = yes\n');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, ["manager.conf:3: manager.conf 'webenabled' is not supported here; ignored", 'manager.conf:2: the manager is enabled but no user is defined: nobody can log in']);
});

test('a user without a secret is an error', () => {
  assert.deepEqual(read('[panel]\nread = all\n').errors, ['manager.conf:1: manager user [panel] has no secret']);
});
