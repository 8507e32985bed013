/** `database ...` console commands: Asterisk's wording (main/db.c), quoting, usage, completion. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { registerDatabaseCommands } from '../../../src/cli/commands/database.ts';
import { AstDb } from '../../../src/store/astdb.ts';

function setup(db = new AstDb()): { run: (line: string) => Promise<string>; registry: CommandRegistry; db: AstDb } {
  const registry = new CommandRegistry();
  registerDatabaseCommands(registry, db);
  const run = async (line: string): Promise<string> => (await registry.execute(line, { print: () => {} })).output;
  return { run, registry, db };
}

describe('database console commands', () => {
  test('put with a quoted value, then get', async () => {
    const { run, db } = setup();
    assert.equal(await run('database put cidname 123456 "My cellphone"'), 'Updated database successfully');
    assert.equal(db.get('cidname', '123456'), 'My cellphone');
    assert.equal(await run('database get cidname 123456'), 'Value: My cellphone');
    assert.equal(await run('database get cidname 999'), 'Database entry not found.');
  });

  test('show lists `%-50s: %-25s` lines and a count, for all, a family, or family and keytree', async () => {
    const { run } = setup();
    await run('database put cidname 123456 "My cellphone"');
    await run('database put cidname 5551000 Bob');
    await run('database put blacklist 5559999 1');
    const all = await run('database show');
    assert.equal(
      all,
      [
        `${'/blacklist/5559999'.padEnd(50)}: ${'1'.padEnd(25)}`,
        `${'/cidname/123456'.padEnd(50)}: ${'My cellphone'.padEnd(25)}`,
        `${'/cidname/5551000'.padEnd(50)}: ${'Bob'.padEnd(25)}`,
        '3 results found.',
      ].join('\n'),
    );
    assert.match(await run('database show cidname'), /\n2 results found\.$/);
    assert.match(await run('database show cidname 5551000'), /^\/cidname\/5551000 +: Bob +\n1 results found\.$/);
    assert.equal(await run('database show cidname/5551000'), await run('database show cidname 5551000'));
    assert.equal(await run('database show nothing'), '0 results found.');
  });

  test('showkey finds a key in every family', async () => {
    const { run } = setup();
    await run('database put cidname 5551000 Bob');
    await run('database put blacklist 5551000 1');
    const out = await run('database showkey 5551000');
    assert.deepEqual(
      out.split('\n').map((l) => l.split(' ')[0]),
      ['/blacklist/5551000', '/cidname/5551000', '2'],
    );
  });

  test('del and deltree answer as Asterisk does', async () => {
    const { run } = setup();
    await run('database put cf 200 5551000');
    await run('database put cf 201 5551001');
    await run('database put cf/busy 200 5552000');
    assert.equal(await run('database del cf 200'), 'Database entry removed.');
    assert.equal(await run('database del cf 200'), 'Database entry does not exist.');
    assert.equal(await run('database deltree cf busy'), '1 database entries removed.');
    assert.equal(await run('database deltree cf'), '1 database entries removed.');
    assert.equal(await run('database deltree cf'), 'Database entries do not exist.');
  });

  test('a refused put says "Failed to update entry" and why', async () => {
    const { run } = setup(new AstDb({ maxEntries: 1 }));
    await run('database put a b c');
    const out = await run('database put a d e');
    assert.match(out, /^Failed to update entry\n.*full/);
  });

  test('wrong argument counts show the usage', async () => {
    const { run, registry } = setup();
    const r = await registry.execute('database put cidname 123', { print: () => {} });
    assert.equal(r.ok, false);
    assert.match(r.output, /Usage: database put <family> <key> <value>/);
    assert.match(await run('database get cidname'), /Usage: database get <family> <key>/);
    assert.match(await run('database showkey'), /Usage: database showkey <keytree>/);
  });

  test('tab completion offers the subcommands and the families in use', async () => {
    const { run, registry } = setup();
    await run('database put cidname 1 x');
    await run('database put blacklist 2 y');
    assert.deepEqual(registry.complete('database sh'), ['show', 'showkey']);
    assert.deepEqual(registry.complete('database show '), ['blacklist', 'cidname']);
    assert.deepEqual(registry.complete('database get ci'), ['cidname']);
  });
});
