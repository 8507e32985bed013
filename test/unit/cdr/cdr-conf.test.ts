/** cdr.conf: the keys and their defaults, file:line errors for typos and bad values, warnings for real Asterisk keys we ignore. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/index.ts';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { DEFAULT_CDR, cdrOf, readCdrConf } from '../../../src/config/cdr-conf.ts';

function read(text: string) {
  const diag = new Diagnostics();
  const config = readCdrConf(parseConfText('cdr.conf', text).conf, diag);
  return { config, errors: formatErrors(diag.errors), warnings: formatErrors(diag.warnings) };
}

test('every key is read', () => {
  const r = read('[general]\nenable = no\nunanswered = yes\nbatch = yes\nsize = 10\ntime = 60\nscheduleronly = yes\nsafeshutdown = no\nendbeforehexten = yes\n\n[csv]\nusegmtime = yes\nloguniqueid = yes\nloguserfield = yes\naccountlogs = no\n');
  assert.equal(r.errors, '');
  assert.deepEqual(r.config, {
    enable: false,
    unanswered: true,
    batch: true,
    size: 10,
    time: 60,
    scheduleronly: true,
    safeshutdown: false,
    endbeforehexten: true,
    csv: { usegmtime: true, loguniqueid: true, loguserfield: true, accountlogs: false },
  });
});

test('defaults: Asterisk\'s (records on, unanswered off, csv without uniqueid/userfield)', () => {
  assert.deepEqual(read('').config, DEFAULT_CDR);
  assert.equal(DEFAULT_CDR.enable, true);
  assert.equal(DEFAULT_CDR.size, 100);
  assert.equal(DEFAULT_CDR.time, 300);
});

test('typos and bad values are errors at file:line; foreign keys and backends are warnings', () => {
  const r = read('[general]\nunanswerd = yes\nsize = many\n\n[csv]\nloguserfeild = yes\n\n[general]\ncongestion = yes\n\n[pgsql]\nhostname = db\n\n[cvs]\n');
  assert.match(r.errors, /^cdr\.conf:2: unknown cdr\.conf \[general\] key 'unanswerd' \(did you mean 'unanswered'\?\)$/m);
  assert.match(r.errors, /^cdr\.conf:3: size: /m);
  assert.match(r.errors, /^cdr\.conf:6: unknown cdr\.conf \[csv\] key 'loguserfeild' \(did you mean 'loguserfield'\?\)$/m);
  assert.match(r.errors, /^cdr\.conf:14: unknown cdr\.conf section \[cvs\]/m);
  assert.match(r.warnings, /^cdr\.conf:9: .*'congestion' is not supported; ignored$/m);
  assert.match(r.warnings, /^cdr\.conf:11: .*\[pgsql\]: only the csv backend/m);
});

test('loadConfig reads cdr.conf next to pbx.conf; without it the defaults apply', () => {
  const pbx = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n';
  const none = loadConfig({ files: { 'pbx.conf': pbx } });
  assert.deepEqual(cdrOf(none.config!), DEFAULT_CDR);
  const some = loadConfig({ files: { 'pbx.conf': pbx, 'cdr.conf': '[general]\nunanswered = yes\n' } });
  assert.equal(cdrOf(some.config!).unanswered, true);
  const bad = loadConfig({ files: { 'pbx.conf': pbx, 'cdr.conf': '[general]\nenable = perhaps\n' } });
  assert.equal(bad.config, undefined);
  assert.match(formatErrors(bad.errors), /cdr\.conf:2: enable: /);
});
