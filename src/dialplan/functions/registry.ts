/**
 * The dialplan function registry (name -> DialplanFunction, names case-sensitive as in
 * Asterisk) and the text of `core show functions [like X]` and `core show function X`.
 */
import type { DialplanFunction } from '../types.ts';
import { CALLERID } from './callerid.ts';
import { CDR } from './cdr.ts';
import { GROUP_FUNCTIONS } from './group.ts';
import { CUT, SORT } from './cut.ts';
import { BLACKLIST, DB, DB_DELETE, DB_EXISTS, DB_KEYS } from './db.ts';
import { DIALPLAN_EXISTS, VALID_EXTEN } from './dialplan.ts';
import { ENV, STAT } from './env.ts';
import { GLOBAL } from './global.ts';
import { MD5, SHA1 } from './hash.ts';
import { LANGUAGE } from './language.ts';
import { EXISTS, IF, IFTIME, ISNULL, SET } from './logic.ts';
import { MATH } from './math.ts';
import { RAND } from './rand.ts';
import { SPRINTF } from './sprintf.ts';
import { EVAL, FIELDQTY, FILTER, LEN, QUOTE, REGEX, TOLOWER, TOUPPER } from './strings.ts';
import { STRFTIME, STRPTIME } from './time.ts';
import { TIMEOUT } from './timeout.ts';
import { MAILBOX_EXISTS, VM_INFO, VMCOUNT } from './voicemail.ts';

const ALL: DialplanFunction[] = [
  BLACKLIST,
  CALLERID,
  CDR,
  CUT,
  DB,
  DB_DELETE,
  DB_EXISTS,
  DB_KEYS,
  DIALPLAN_EXISTS,
  ENV,
  EVAL,
  EXISTS,
  FIELDQTY,
  FILTER,
  GLOBAL,
  IF,
  IFTIME,
  ISNULL,
  LANGUAGE,
  LEN,
  MAILBOX_EXISTS,
  MATH,
  MD5,
  QUOTE,
  RAND,
  REGEX,
  SET,
  SHA1,
  SORT,
  SPRINTF,
  STAT,
  STRFTIME,
  STRPTIME,
  TIMEOUT,
  TOLOWER,
  TOUPPER,
  VALID_EXTEN,
  VM_INFO,
  VMCOUNT,
  ...GROUP_FUNCTIONS,
];

/** A new registry holding every built-in function, in name order (strcmp, as Asterisk lists them). */
export function createFunctionRegistry(): Map<string, DialplanFunction> {
  const sorted = [...ALL].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return new Map(sorted.map((f) => [f.name, f]));
}

function column(s: string, width: number): string {
  return s.length > width ? s.slice(0, width) : s.padEnd(width);
}

/** `core show functions [like <text>]`. */
export function formatFunctionList(functions: Map<string, DialplanFunction>, like?: string): string {
  const names = [...functions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = [`${like === undefined ? 'Installed' : 'Matching'} Custom Functions:`, '-'.repeat(80)];
  let count = 0;
  for (const name of names) {
    if (like !== undefined && !name.includes(like)) continue;
    const f = functions.get(name) as DialplanFunction;
    count++;
    lines.push(`${column(f.name, 20)}  ${column(f.syntax, 35)}  ${f.synopsis}`);
  }
  lines.push(`${count} ${like === undefined ? '' : 'matching '}custom functions installed.`);
  return lines.join('\n') + '\n';
}

/** `core show function <name>`: undefined when there is no such function ("No function by that name registered."). */
export function formatFunctionHelp(functions: Map<string, DialplanFunction>, name: string): string | undefined {
  const f = functions.get(name);
  if (!f) return undefined;
  return (
    `\n  -= Info about function '${f.name}' =- \n\n` +
    `[Synopsis]\n${f.synopsis || 'Not available'}\n\n` +
    `[Description]\n${f.description || 'Not available'}\n\n` +
    `[Syntax]\n${f.syntax || 'Not available'}\n\n` +
    `[Arguments]\nNot available\n\n` +
    `[See Also]\nNot available\n`
  );
}
