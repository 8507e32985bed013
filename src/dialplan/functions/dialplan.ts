/**
 * DIALPLAN_EXISTS and VALID_EXTEN: ask the dialplan (through FunctionEnv.lookup) whether a
 * context, extension or priority exists, with the channel's caller ID for `exten/cid` matches.
 */
import type { DialplanFunction, FunctionEnv } from '../types.ts';
import { splitArgs } from '../expr/args.ts';
import { fail } from './util.ts';

function priorityExists(env: FunctionEnv, context: string, exten: string, priority: string): boolean {
  const cid = env.channel?.callerId.number;
  const at = new Date(env.now());
  const n = /^\d+$/.test(priority.trim()) ? Number(priority.trim()) : env.lookup.findLabel(context, exten, priority.trim(), cid, at);
  if (n === undefined) return false;
  return env.lookup.find(context, exten, n, cid, at) !== undefined;
}

export const DIALPLAN_EXISTS: DialplanFunction = {
  name: 'DIALPLAN_EXISTS',
  synopsis: 'Checks whether a context, extension or priority exists in the dialplan.',
  syntax: 'DIALPLAN_EXISTS(context[,extension[,priority]])',
  description: 'Returns 1 or 0. With only a context, tells whether the context exists; with an extension, whether it matches (priority 1); priority may be a number or a label.',
  read(args, env) {
    const [context = '', exten, priority] = splitArgs(args, { max: 3 });
    if (context === '') fail('DIALPLAN_EXISTS() requires an argument');
    if (exten === undefined) return env.lookup.hasContext(context) ? '1' : '0';
    if (priority === undefined || priority === '') {
      return env.lookup.exists(context, exten, env.channel?.callerId.number, new Date(env.now())) ? '1' : '0';
    }
    return priorityExists(env, context, exten, priority) ? '1' : '0';
  },
};

export const VALID_EXTEN: DialplanFunction = {
  name: 'VALID_EXTEN',
  synopsis: 'Checks whether an extension exists, in the current context by default.',
  syntax: 'VALID_EXTEN([context],extension,[priority])',
  description: 'Returns 1 when extension (at priority, default 1) exists in context (default: the channel\'s current context), otherwise 0.',
  read(args, env) {
    const [context = '', exten = '', priority = ''] = splitArgs(args, { max: 3 });
    if (exten === '') fail('VALID_EXTEN requires an extension');
    const ctx = context !== '' ? context : env.channel?.context;
    if (ctx === undefined) fail('VALID_EXTEN requires a context when there is no channel');
    return priorityExists(env, ctx, exten, priority === '' ? '1' : priority) ? '1' : '0';
  },
};
