/**
 * CALLERID(datatype[,CID]): the caller's name, number, both (`"name" <number>`) or presentation,
 * read and written on the channel. With a second argument the text given there is parsed
 * instead of the channel's (Asterisk 1.8+).
 */
import type { DialplanCallerId, DialplanFunction } from '../types.ts';
import { splitArgs } from '../expr/args.ts';
import { fail, requireChannel } from './util.ts';

/** Asterisk's named presentations (ast_named_caller_presentation); SetCallerPres checks these too. */
export const PRESENTATIONS: readonly string[] = [
  'allowed_not_screened',
  'allowed_passed_screen',
  'allowed_failed_screen',
  'allowed',
  'prohib_not_screened',
  'prohib_passed_screen',
  'prohib_failed_screen',
  'prohib',
  'unavailable',
];

/** Split `"Name" <1234>` (or a bare name or number) the way ast_callerid_split does. */
export function parseCallerId(text: string): DialplanCallerId {
  const t = text.trim();
  const lt = t.lastIndexOf('<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    const number = t.slice(lt + 1, gt >= 0 ? gt : undefined).trim();
    let name = t.slice(0, lt).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
    return { name: name || undefined, number: number || undefined };
  }
  if (/^[0-9+*#\-(). ]+$/.test(t)) return { number: t.replace(/[\-(). ]/g, '') || undefined };
  let name = t;
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  return { name: name || undefined };
}

function kind(datatype: string): 'all' | 'name' | 'num' | 'pres' {
  const d = datatype.trim().toLowerCase();
  if (d.startsWith('all')) return 'all';
  if (d === 'pres' || d === 'name-pres' || d === 'num-pres') return 'pres';
  if (d.startsWith('name')) return 'name';
  if (d.startsWith('num')) return 'num';
  return fail(`Unknown callerid data type '${datatype}'.`);
}

export const CALLERID: DialplanFunction = {
  name: 'CALLERID',
  synopsis: "Gets or sets the caller's name, number or presentation.",
  syntax: 'CALLERID(datatype[,CID])',
  description:
    'datatype is one of: all ("name" <number>), name, num (or number), pres (presentation name, ' +
    'e.g. allowed_not_screened or prohib). When CID is given, it is parsed instead of the ' +
    "channel's caller ID (read only). Writing all accepts \"name\" <number>.",
  read(args, env) {
    const [datatype = '', cid] = splitArgs(args, { max: 2 });
    const k = kind(datatype);
    let id: DialplanCallerId;
    if (cid !== undefined) id = parseCallerId(cid);
    else id = requireChannel(env, 'CALLERID').callerId;
    switch (k) {
      case 'all':
        return `"${id.name ?? ''}" <${id.number ?? ''}>`;
      case 'name':
        return id.name ?? '';
      case 'num':
        return id.number ?? '';
      case 'pres':
        return id.presentation ?? 'allowed_not_screened';
    }
  },
  write(args, value, env) {
    const [datatype = ''] = splitArgs(args, { max: 2 });
    const k = kind(datatype);
    const channel = requireChannel(env, 'CALLERID');
    const id = channel.callerId;
    switch (k) {
      case 'all': {
        const parsed = parseCallerId(value);
        id.name = parsed.name;
        id.number = parsed.number;
        break;
      }
      case 'name':
        id.name = value || undefined;
        break;
      case 'num':
        id.number = value || undefined;
        break;
      case 'pres': {
        const v = value.trim().toLowerCase();
        if (!PRESENTATIONS.includes(v)) fail(`Unknown calling number presentation '${value}', value unchanged`);
        id.presentation = v;
        break;
      }
    }
    // AMI NewCallerid, only when someone listens on the bus.
    if (channel.eventBus?.active) channel.eventBus.emit({ type: 'NewCallerid', channel });
  },
};
