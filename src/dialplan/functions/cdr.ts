/**
 * CDR(field[,options]): the channel's call record (func_cdr.c). Readable: accountcode, src,
 * dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
 * billsec, disposition, amaflags, uniqueid, userfield, and any custom variable; writable:
 * userfield, accountcode, amaflags and custom variables. Option `u`: unformatted (times as
 * epoch seconds with microseconds, disposition and amaflags as their numbers). Without records
 * (cdr.conf `enable = no`, NoCDR's channel still has one) reads give '' and writes are dropped.
 */
import type { DialplanFunction } from '../types.ts';
import { fail, requireChannel } from './util.ts';

function parseArgs(args: string): { field: string; options: string } {
  const comma = args.indexOf(',');
  return comma < 0 ? { field: args.trim(), options: '' } : { field: args.slice(0, comma).trim(), options: args.slice(comma + 1).trim() };
}

export const CDR: DialplanFunction = {
  name: 'CDR',
  synopsis: 'Gets or sets a CDR variable.',
  syntax: 'CDR(name[,options])',
  description:
    'Reads a field of the channel\'s call detail record (accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield) or a custom variable. Set(CDR(userfield)=...), accountcode, amaflags and custom variables are writable; the others are read-only. Option u: unformatted values (epoch times, numeric disposition and amaflags).',
  read(args, env) {
    const { field, options } = parseArgs(args);
    if (field === '') fail('CDR requires a field name');
    const channel = requireChannel(env, 'CDR');
    return env.cdr?.(channel)?.get(field, options.includes('u')) ?? '';
  },
  write(args, value, env) {
    const { field } = parseArgs(args);
    if (field === '') fail('CDR requires a field name');
    const channel = requireChannel(env, 'CDR');
    const cdr = env.cdr?.(channel);
    if (!cdr) return;
    const refused = cdr.set(field, value);
    if (refused) fail(refused);
  },
};
