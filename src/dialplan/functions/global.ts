/** GLOBAL(varname): read and write global variables from any channel. */
import type { DialplanFunction } from '../types.ts';
import { getVar, setVariable } from '../expr/variables.ts';
import { fail } from './util.ts';

export const GLOBAL: DialplanFunction = {
  name: 'GLOBAL',
  synopsis: 'Gets or sets a global variable.',
  syntax: 'GLOBAL(varname)',
  description: 'Set(GLOBAL(name)=value) sets a global variable; ${GLOBAL(name)} reads it even when the channel has a variable of the same name.',
  read: (args, env) => getVar(env.globals, args) ?? '',
  write(args, value, env) {
    if (args === '') fail('GLOBAL Function: Missing variable name');
    setVariable(env.globals, args, value);
    env.log('verbose', `Setting global variable '${args}' to '${value}'`);
  },
};
