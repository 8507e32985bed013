/**
 * ENV (process environment, read and write) and STAT (file information), through the
 * FunctionEnv so the dialplan never touches the OS itself.
 */
import type { DialplanFunction } from '../types.ts';
import { splitArgs } from '../expr/args.ts';
import { fail } from './util.ts';

export const ENV: DialplanFunction = {
  name: 'ENV',
  synopsis: 'Gets or sets an environment variable of the PBX process.',
  syntax: 'ENV(varname)',
  description: 'Reading an unset variable returns "". Setting an empty value removes the variable.',
  read: (args, env) => env.env(args) ?? '',
  write(args, value, env) {
    if (args === '') fail('ENV requires a variable name');
    env.setEnv(args, value);
  },
};

export const STAT: DialplanFunction = {
  name: 'STAT',
  synopsis: 'Returns information about a file.',
  syntax: 'STAT(flag,filename)',
  description:
    'flag: e (1 when it exists), s (size in bytes), f (1 when a regular file), d (1 when a ' +
    'directory), M (modification time, epoch seconds). A missing file gives 0.',
  read(args, env) {
    const [flag = '', filename = ''] = splitArgs(args, { max: 2 });
    if (flag === '' || filename === '') fail('STAT requires a flag and a filename: STAT(<flag>,<filename>)');
    if (!env.stat) fail('STAT is not available here');
    const st = env.stat(filename);
    if (!st) return '0';
    switch (flag[0]) {
      case 'e':
        return '1';
      case 's':
        return String(st.size);
      case 'f':
        return st.isDirectory ? '0' : '1';
      case 'd':
        return st.isDirectory ? '1' : '0';
      case 'M':
        return String(Math.floor(st.mtimeMs / 1000));
      default:
        return fail(`STAT flag '${flag}' is not supported (e, s, f, d, M are)`);
    }
  },
};
