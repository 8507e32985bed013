/**
 * The application registry (every application of the seed list registered and documented,
 * case-insensitive lookup, suggestions and "not available yet" for the parser) and the dialplan
 * console commands in Asterisk's output shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { registerDialplanCommands, type DialplanReloadResult } from '../../../src/cli/commands/dialplan.ts';
import { createApplicationRegistry } from '../../../src/dialplan/apps/registry.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import { parseDialplanText } from '../../../src/dialplan/parse/index.ts';
import { MemoryDb } from './exec-fixtures.ts';

const SEED_APPS = [
  'Answer', 'Background', 'Busy', 'Congestion', 'ContinueWhile', 'DBdel', 'DBdeltree', 'Dial', 'Echo', 'EndWhile', 'Exec', 'ExecIf',
  'ExitWhile', 'Gosub', 'GosubIf', 'Goto', 'GotoIf', 'GotoIfTime', 'Hangup', 'LookupBlacklist', 'LookupCIDName', 'Macro', 'MacroExit',
  'MacroIf', 'NoOp', 'Playback', 'Progress', 'Random', 'Read', 'ReadFile', 'Record', 'Return', 'Ringing', 'SayAlpha', 'SayDigits',
  'SayNumber', 'Set', 'SetCallerID', 'SetCallerPres', 'SetGlobalVar', 'System', 'TryExec', 'TrySystem', 'Verbose', 'Wait', 'WaitExten',
  'WaitForSilence', 'While',
];

function registry() {
  const log = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} };
  return createApplicationRegistry({ clock: new FakeClock(), log, db: new MemoryDb() });
}

test('every application of the seed list is registered, documented, and found case-insensitively', () => {
  const r = registry();
  for (const name of SEED_APPS) {
    const app = r.get(name.toLowerCase());
    assert.ok(app, name);
    assert.equal(app.name, name);
    assert.ok(app.synopsis && app.syntax && app.description, `${name} is documented`);
  }
  const names = r.list().map((a) => a.name.toLowerCase());
  assert.deepEqual(names, [...names].sort());
});

test('the parser gets known names, a suggestion for a typo, and the reason an application cannot run yet', () => {
  const r = registry();
  assert.equal(r.known('Dial'), true);
  assert.equal(r.known('Dail'), false);
  assert.equal(r.suggest('Dail'), 'Dial');
  assert.equal(r.suggest('Playbak'), 'Playback');
  assert.equal(r.unavailable('queue'), 'needs call queues (not available yet)');
  assert.equal(r.unavailable('Dial'), undefined);
  const parsed = parseDialplanText('extensions.conf', '[default]\nexten => 1,1,Dail(SIP/2000)\nexten => 2,1,Queue(support)\n', undefined, {
    knownApps: (n) => r.known(n),
    suggestApp: (n) => r.suggest(n),
    unavailableApp: (n) => r.unavailable(n),
  });
  const messages = parsed.errors.map((e) => e.message).join('\n');
  assert.match(messages, /Dail.*Dial/);
  assert.match(messages, /needs call queues/);
});

function consoleWith(reload: () => Promise<DialplanReloadResult> = async () => ({ ok: true })) {
  const cmds = new CommandRegistry();
  const parsed = parseDialplanText('extensions.conf', '[default]\nexten => 100,1,Dial(SIP/2000,20)\n same => n,Hangup()\n');
  registerDialplanCommands(cmds, { dialplan: () => parsed.dialplan, reload, applications: registry(), functions: createFunctionRegistry() });
  const ctx = { print() {} };
  return (line: string) => cmds.execute(line, ctx);
}

test('core show applications lists them as Asterisk does', async () => {
  const run = consoleWith();
  const { output } = await run('core show applications');
  const lines = output.split('\n');
  assert.equal(lines[0], '    -= Registered Asterisk Applications =-');
  assert.ok(lines.includes('                Answer: Answer a channel if ringing'));
  assert.ok(lines.some((l) => l.startsWith('                 Queue: Queue a call for a call queue [needs call queues')));
  assert.match(lines[lines.length - 1]!, /^ {4}-= \d+ Applications Registered =-$/);
  const like = await run('core show applications like goto');
  assert.deepEqual(like.output.split('\n'), [
    '    -= Matching Asterisk Applications =-',
    '                  Goto: Jump to a particular priority, extension, or context',
    '                GotoIf: Conditional goto',
    '            GotoIfTime: Conditional Goto based on the current time',
    '    -= 3 Applications Matching =-',
  ]);
});

test('core show application NAME shows Synopsis, Description and Syntax', async () => {
  const run = consoleWith();
  const { output } = await run('core show application dial');
  assert.match(output, /^\n {2}-= Info about application 'Dial' =- \n\n\[Synopsis\]\nPlace a call and connect to the current channel\n\n\[Description\]\n/);
  assert.match(output, /\[Syntax\]\nDial\(Technology\/Resource\[&Technology2\/Resource2\[&\.\.\.\]\]\[,timeout\[,options\[,URL\]\]\]\)\n$/);
  assert.equal((await run('core show application Nothing')).output, 'Your application(s) is (are) not registered');
});

test('core show functions / function come from the function registry', async () => {
  const run = consoleWith();
  const list = (await run('core show functions')).output;
  assert.match(list, /^Installed Custom Functions:\n-{80}\n/);
  assert.match(list, /\n\d+ custom functions installed\.$/);
  assert.match((await run('core show function cut')).output, /-= Info about function 'CUT' =-/);
  assert.equal((await run('core show function NOPE')).output, 'No function by that name registered.');
});

test('dialplan show prints the running dialplan; dialplan reload reports success or keeps the running one', async () => {
  const run = consoleWith();
  const shown = (await run('dialplan show default')).output;
  assert.match(shown, /^\[ Context 'default' created by 'pbx_config' \]\n {2}'100' => +1\. Dial\(SIP\/2000,20\) +\[extensions\.conf:2\]/);
  assert.match(shown, /-= 1 extension \(2 priorities\) in 1 context\. =-$/);
  assert.equal((await run('dialplan reload')).output, 'Dialplan reloaded.');
  const bad = consoleWith(async () => ({ ok: false, errors: ['extensions.conf:3: unknown application \'Dail\' (did you mean \'Dial\'?)'] }));
  const res = await bad('dialplan reload');
  assert.equal(res.ok, false);
  assert.match(res.output, /the running dialplan is kept:\nextensions\.conf:3: unknown application 'Dail'/);
});
