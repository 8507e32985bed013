/**
 * AstDB functions: DB(family/key) read and write, DB_EXISTS, DB_DELETE and DB_KEYS. Reads that
 * find a value leave it in DB_RESULT as Asterisk does. The key is everything after the first
 * `/`, so `DB(cidname/sub/key)` is family `cidname`, key `sub/key`.
 */
import type { DialplanFunction, FunctionEnv } from '../types.ts';
import { splitArgs } from '../expr/args.ts';
import { setVariable } from '../expr/variables.ts';
import { fail } from './util.ts';

function familyKey(args: string, name: string, usage: string): { family: string; key: string } {
  if (args === '') fail(`${name} requires an argument, ${usage}`);
  const parts = splitArgs(args, { delim: '/', max: 2 });
  if (parts.length < 2) fail(`${name} requires an argument, ${usage}`);
  return { family: parts[0], key: parts[1] };
}

function setResult(env: FunctionEnv, value: string): void {
  if (env.channel) setVariable(env.channel, 'DB_RESULT', value);
}

export const DB: DialplanFunction = {
  name: 'DB',
  synopsis: 'Reads or writes a value in the AstDB.',
  syntax: 'DB(family/key)',
  description:
    'Reading returns the value stored under family/key ("" when there is none) and also sets ' +
    'DB_RESULT when found. Set(DB(family/key)=value) stores a value.',
  read(args, env) {
    const { family, key } = familyKey(args, 'DB', 'DB(<family>/<key>)');
    const v = env.db.get(family, key);
    if (v === undefined) return '';
    setResult(env, v);
    return v;
  },
  write(args, value, env) {
    const { family, key } = familyKey(args, 'DB', 'DB(<family>/<key>)=<value>');
    env.db.put(family, key, value);
  },
};

export const DB_EXISTS: DialplanFunction = {
  name: 'DB_EXISTS',
  synopsis: 'Tells whether a key exists in the AstDB.',
  syntax: 'DB_EXISTS(family/key)',
  description: 'Returns 1 when family/key exists (and sets DB_RESULT to its value), otherwise 0.',
  read(args, env) {
    const { family, key } = familyKey(args, 'DB_EXISTS', 'DB(<family>/<key>)');
    const v = env.db.get(family, key);
    if (v === undefined) return '0';
    setResult(env, v);
    return '1';
  },
};

function deleteKey(args: string, env: FunctionEnv): string {
  const { family, key } = familyKey(args, 'DB_DELETE', 'DB_DELETE(<family>/<key>)');
  const v = env.db.get(family, key);
  if (v !== undefined) env.db.del(family, key);
  setResult(env, v ?? '');
  return v ?? '';
}

export const DB_DELETE: DialplanFunction = {
  name: 'DB_DELETE',
  synopsis: 'Deletes a key from the AstDB and returns its value.',
  syntax: 'DB_DELETE(family/key)',
  description: 'Returns the value of family/key ("" when missing), sets DB_RESULT to it and deletes the key. Set(DB_DELETE(family/key)=ignored) deletes too.',
  read: deleteKey,
  write(args, _value, env) {
    deleteKey(args, env);
  },
};

export const DB_KEYS: DialplanFunction = {
  name: 'DB_KEYS',
  synopsis: 'Lists the keys directly under a prefix of the AstDB.',
  syntax: 'DB_KEYS([prefix])',
  description: 'Returns a comma-separated list of the next path component under prefix (families when prefix is empty); commas inside keys are escaped with a backslash.',
  read(args, env) {
    const prefix = args.replace(/^\/+/, '').replace(/\/+$/, '');
    const entries = env.db.entries(prefix === '' ? undefined : prefix + '/');
    const keys: string[] = [];
    let last = '';
    for (const e of entries) {
      const path = `${e.family}/${e.key}`;
      const rest = prefix === '' ? path : path.slice(prefix.length + 1);
      const slash = rest.indexOf('/');
      const component = slash >= 0 ? rest.slice(0, slash) : rest;
      if (component.toLowerCase() === last.toLowerCase() && keys.length > 0) continue;
      last = component;
      keys.push(component.replace(/,/g, '\\,'));
    }
    return keys.join(',');
  },
};

export const BLACKLIST: DialplanFunction = {
  name: 'BLACKLIST',
  synopsis: "Checks whether the caller ID is in the AstDB blacklist.",
  syntax: 'BLACKLIST()',
  description: "Returns 1 when the caller's number or name is a key of the AstDB family 'blacklist' (database put blacklist <number> 1), otherwise 0.",
  read(_args, env) {
    const c = env.channel;
    if (!c) fail('No channel was provided to BLACKLIST function.');
    let listed = false;
    if (c.callerId.number && env.db.get('blacklist', c.callerId.number) !== undefined) listed = true;
    if (c.callerId.name && env.db.get('blacklist', c.callerId.name) !== undefined) listed = true;
    return listed ? '1' : '0';
  },
};
