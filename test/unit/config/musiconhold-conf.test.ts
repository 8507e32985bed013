/**
 * musiconhold.conf as res_musiconhold reads it: classes with mode/directory/sort (and the old
 * random=yes), program modes warned about with the reason, missing or empty directories warned
 * about at check with the class still listed, misspelt keys as file:line errors, and the
 * built-in default class when the file is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, formatErrors } from '../../../src/config/index.ts';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { readMusicOnHoldConf } from '../../../src/config/musiconhold-conf.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n';

function read(text: string, dirs: Record<string, string[]> = {}) {
  const diag = new Diagnostics();
  const conf = parseConfText('musiconhold.conf', text).conf;
  const config = readMusicOnHoldConf(conf, diag, { listDir: (d) => dirs[d] });
  return { config, errors: formatErrors(diag.errors), warnings: formatErrors(diag.warnings) };
}

test('classes: mode=files, absolute and relative directories, sort and the old random=yes', () => {
  const r = read(
    '[general]\ncachertclasses=yes\n\n[default]\nmode=files\ndirectory=moh\n\n[jazz]\nmode=files\ndirectory=/srv/jazz\nsort=random\n\n[old]\nmode=files\ndirectory=/srv/old\nrandom=yes\n',
    { '/usr/share/asterisk/moh': ['a.wav'], '/srv/jazz': ['b.ulaw'], '/srv/old': ['c.sln'] },
  );
  assert.equal(r.errors, '');
  assert.equal(r.warnings, '');
  assert.deepEqual(
    r.config.classes.map((c) => [c.name, c.mode, c.directory, c.sort]),
    [
      ['default', 'files', '/usr/share/asterisk/moh', 'alpha'],
      ['jazz', 'files', '/srv/jazz', 'random'],
      ['old', 'files', '/srv/old', 'random'],
    ],
  );
});

test('program modes are warnings with the reason; the class stays listed', () => {
  const r = read('[default]\nmode=files\ndirectory=/m\n[radio]\nmode=custom\napplication=/usr/bin/streamplayer 192.168.1.1 80\n[mp]\nmode=quietmp3\ndirectory=/mp3\n', { '/m': ['a.wav'] });
  assert.equal(r.errors, '');
  assert.match(r.warnings, /musiconhold\.conf:5: class 'radio': mode=custom is not supported \(it runs an external program/);
  assert.match(r.warnings, /musiconhold\.conf:8: class 'mp': mode=quietmp3 is not supported \(it runs mpg123/);
  assert.deepEqual(r.config.classes.map((c) => c.name), ['default', 'radio', 'mp']);
});

test('a missing directory or one without playable files is a warning at its line', () => {
  const r = read('[default]\nmode=files\ndirectory=/nope\n[empty]\ndirectory=/mp3only\n', { '/mp3only': ['song.mp3'] });
  assert.equal(r.errors, '');
  assert.match(r.warnings, /musiconhold\.conf:3: class 'default': directory \/nope does not exist/);
  assert.match(r.warnings, /musiconhold\.conf:5: class 'empty': directory \/mp3only holds no playable file/);
  assert.equal(r.config.classes.length, 2);
});

test('misspelt keys and bad values are errors with file:line; no [default] is a warning', () => {
  const r = read('[jazz]\nmode=filez\ndirectroy=/j\nsort=shuffle\nrandom=maybe\n');
  assert.equal(
    r.errors,
    [
      "musiconhold.conf:2: class 'jazz': unknown mode 'filez' (expected files)",
      "musiconhold.conf:3: unknown musiconhold.conf key 'directroy' (did you mean 'directory'?)",
      "musiconhold.conf:4: class 'jazz': sort must be random or alpha, not 'shuffle'",
      "musiconhold.conf:5: class 'jazz': random: expected yes or no",
    ].join('\n'),
  );
  assert.match(r.warnings, /no \[default\] class/);
});

test('loadConfig: musiconhold.conf is read with the rest; without it the default class plays Debian\'s directory', () => {
  const none = loadConfig({ files: { 'pbx.conf': PBX } });
  assert.deepEqual(none.config?.musicOnHold?.classes.map((c) => [c.name, c.directory]), [['default', '/usr/share/asterisk/moh']]);
  assert.equal(none.config?.musicOnHold?.fromFile, false);

  const bad = loadConfig({ files: { 'pbx.conf': PBX, 'musiconhold.conf': '[default]\nmodee=files\n' } });
  assert.equal(bad.config, undefined, 'an error keeps the running configuration (reload refused)');
  assert.match(formatErrors(bad.errors), /^musiconhold\.conf:2: unknown musiconhold\.conf key 'modee' \(did you mean 'mode'\?\)/m);

  const ok = loadConfig({ files: { 'pbx.conf': PBX, 'musiconhold.conf': '[default]\nmode=files\ndirectory=/usr/share/asterisk/moh\n[quiet]\ndirectory=/nonexistent-moh\n' } });
  assert.ok(ok.config);
  assert.deepEqual(ok.config.musicOnHold?.classes.map((c) => c.name), ['default', 'quiet']);
  assert.ok(ok.config.sources.includes('musiconhold.conf'));
  assert.match(formatErrors(ok.warnings), /musiconhold\.conf:5: class 'quiet': directory \/nonexistent-moh does not exist/);
});

test('sip.conf peers keep musicclass, mohsuggest and mohinterpret apart', () => {
  const r = loadConfig({
    files: {
      'pbx.conf': PBX,
      'sip.conf': '[2001]\ntype=friend\nhost=dynamic\nsecret=Long-secret-2001\nmusicclass=jazz\nmohsuggest=office\nmohinterpret=lobby\n',
    },
  });
  const p = r.config?.peers.get('2001');
  assert.deepEqual([p?.musicclass, p?.mohsuggest, p?.mohinterpret], ['jazz', 'office', 'lobby']);
});
