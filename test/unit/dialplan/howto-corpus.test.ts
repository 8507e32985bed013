/**
 * The how-to conformance corpus, read as `pbx check` reads it: every data/howto/*.conf file
 * (small extensions.conf files in the style of the Asterisk 1.2/1.4 how-tos) parsed by the real
 * parser against the real application registry (media applications included). A file may only
 * produce the errors its header announces (`; expect-error: LINE: text`), so a dialplan habit
 * that stops loading is noticed. Files whose header carries `; known-gap:` document something
 * Asterisk accepts and we do not; their check is a todo until the gap is closed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { TimerMediaClock } from '../../../src/media/clock.ts';
import { parseDialplan } from '../../../src/dialplan/parse/index.ts';
import { createApplicationRegistry } from '../../../src/dialplan/apps/registry.ts';
import { MemoryDb } from './exec-fixtures.ts';

const DIR = join(import.meta.dirname, 'data', 'howto');

interface Header {
  /** `gap`: the error is ours only (Asterisk loads the line); the rest Asterisk reports too. */
  expectErrors: { line: number; text: string; gap: boolean }[];
  knownGaps: string[];
}

function header(text: string): Header {
  const h: Header = { expectErrors: [], knownGaps: [] };
  for (const line of text.split('\n')) {
    const e = /^;\s*expect-error:\s*(\d+):\s*(.+?)\s*$/.exec(line);
    if (e) {
      const gap = e[2]!.endsWith(' (gap)');
      h.expectErrors.push({ line: Number(e[1]), text: gap ? e[2]!.slice(0, -' (gap)'.length) : e[2]!, gap });
    }
    const g = /^;\s*known-gap:\s*(.+?)\s*$/.exec(line);
    if (g) h.knownGaps.push(g[1]!);
  }
  return h;
}

function registry() {
  const clock = new FakeClock();
  const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} };
  return createApplicationRegistry({ clock, log: quiet, db: new MemoryDb(), media: { clock: new TimerMediaClock(clock) } });
}

function check(file: string) {
  const apps = registry();
  return parseDialplan(
    file,
    { read: (p) => (existsSync(join(DIR, p)) ? readFileSync(join(DIR, p), 'utf8') : undefined) },
    { knownApps: (n) => apps.known(n), suggestApp: (n) => apps.suggest(n), unavailableApp: (n) => apps.unavailable(n) },
  );
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.conf'))
  .sort();

describe('how-to corpus: every file loads with exactly the errors its header names', () => {
  test('the corpus is there (20+ files, each with a howto header)', () => {
    assert.ok(files.length >= 20, `only ${files.length} corpus files`);
    for (const f of files) assert.match(readFileSync(join(DIR, f), 'utf8'), /^; howto: /, `${f} has no "; howto:" header`);
  });

  for (const f of files) {
    const text = readFileSync(join(DIR, f), 'utf8');
    const h = header(text);
    // Errors marked (gap) are lines Asterisk loads: a todo test asks for them to go away. Other
    // gaps are behavioural (howto-behaviour.test.ts); loading must still be exact.
    const gapLines = h.expectErrors.filter((e) => e.gap);
    test(`${f}: ${h.expectErrors.length === 0 ? 'no errors' : h.expectErrors.map((e) => `line ${e.line}`).join(', ')}`, () => {
      const r = check(f);
      const got = r.errors.map((e) => ({ line: e.line, file: e.file, message: e.message }));
      for (const want of h.expectErrors) {
        const hit = got.find((g) => g.line === want.line && g.file === f && g.message.includes(want.text));
        assert.ok(hit, `${f}:${want.line}: expected an error containing "${want.text}"; got ${JSON.stringify(got)}`);
      }
      const unexpected = got.filter((g) => !h.expectErrors.some((w) => w.line === g.line && g.file === f && g.message.includes(w.text)));
      assert.deepEqual(unexpected, [], `${f}: errors the header does not announce`);
      assert.equal(r.dialplan !== undefined, h.expectErrors.length === 0, 'a dialplan exactly when there is no error');
    });
    if (gapLines.length > 0) {
      const reason = h.knownGaps.join('; ') || 'errors Asterisk does not report';
      test(`${f}: lines ${gapLines.map((g) => g.line).join(', ')} load as in Asterisk 1.4`, { todo: reason }, () => {
        const left = check(f).errors.filter((e) => !h.expectErrors.some((w) => !w.gap && w.line === e.line && e.message.includes(w.text)));
        assert.deepEqual(left.map((e) => e.message), []);
      });
    }
  }

  test('an application that needs a later feature is reported at file:line with what it needs', () => {
    // VoiceMail and VoiceMailMain exist now; Queue still waits for call queues.
    const apps = registry();
    const text = '[internal]\nexten => 100,1,Dial(SIP/100,20)\nexten => 100,2,Queue(support)\n';
    const r = parseDialplan(
      'extensions.conf',
      { read: (p) => (p === 'extensions.conf' ? text : undefined) },
      { knownApps: (n) => apps.known(n), suggestApp: (n) => apps.suggest(n), unavailableApp: (n) => apps.unavailable(n) },
    );
    assert.deepEqual(
      r.errors.map((e) => e.message),
      ['extensions.conf:3: needs call queues (not available yet)'],
    );
  });

  test('#include pulls the users file in; the included contexts are there', () => {
    const r = check('22-hash-include.conf');
    assert.ok(r.dialplan);
    assert.ok(r.dialplan.contexts.has('users'));
    assert.ok(r.dialplan.contexts.has('from-internal'));
  });
});
