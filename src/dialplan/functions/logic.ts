/**
 * Conditional functions: IF, IFTIME, ISNULL, EXISTS and SET (func_logic in Asterisk).
 * Conditions use Asterisk's truth rule: empty and numbers equal to 0 are false, other text true.
 */
import type { DialplanFunction } from '../types.ts';
import { checkCondition, stripQuoted } from '../expr/args.ts';
import { asSubstEnv, assign } from '../expr/substitute.ts';
import { parseTimeSpec } from '../timespec.ts';
import { fail } from './util.ts';

/** `cond?true:false` split like Asterisk: at the first `?`, then the first `:` after it. */
function splitChoice(args: string): { cond: string; ifTrue: string | undefined; ifFalse: string | undefined } | undefined {
  const data = stripQuoted(args);
  const q = data.indexOf('?');
  if (q < 0) return undefined;
  const cond = data.slice(0, q);
  const rest = data.slice(q + 1);
  const c = rest.indexOf(':');
  const ifTrue = c < 0 ? rest : rest.slice(0, c);
  const ifFalse = c < 0 ? undefined : rest.slice(c + 1);
  return { cond, ifTrue, ifFalse };
}

export const IF: DialplanFunction = {
  name: 'IF',
  synopsis: 'Returns one of two values depending on a condition.',
  syntax: 'IF(expression?[true][:false])',
  description: 'Returns true when expression is non-empty and not 0 (usually a $[ ] result), otherwise false. Surrounding double quotes of each part are removed.',
  read(args) {
    const s = splitChoice(args);
    if (!s || s.cond.trim() === '') fail('Syntax IF(<expr>?[<true>][:<false>])');
    const pick = checkCondition(s.cond.trim()) ? s.ifTrue : s.ifFalse;
    return pick === undefined ? '' : stripQuoted(pick);
  },
};

export const IFTIME: DialplanFunction = {
  name: 'IFTIME',
  synopsis: 'Returns one of two values depending on the time of day, weekday, day and month.',
  syntax: 'IFTIME(timespec?[true][:false])',
  description: 'timespec is times,weekdays,mdays,months[,timezone] as in GotoIfTime (e.g. 09:00-17:00,mon-fri,*,*).',
  read(args, env) {
    const s = splitChoice(args);
    if (!s || s.cond === '') fail('Syntax IFTIME(<timespec>?[<true>][:<false>])');
    let spec;
    try {
      spec = parseTimeSpec(s.cond);
    } catch {
      fail('Invalid Time Spec.');
    }
    const pick = spec.matches(new Date(env.now())) ? s.ifTrue : s.ifFalse;
    return pick === undefined ? '' : stripQuoted(pick);
  },
};

export const ISNULL: DialplanFunction = {
  name: 'ISNULL',
  synopsis: 'Returns 1 when the value is empty, 0 otherwise.',
  syntax: 'ISNULL(data)',
  description: 'Example: ISNULL(${FOO}) is 1 when FOO is unset or empty.',
  read: (args) => (args === '' ? '1' : '0'),
};

export const EXISTS: DialplanFunction = {
  name: 'EXISTS',
  synopsis: 'Returns 1 when the value is not empty, 0 otherwise.',
  syntax: 'EXISTS(data)',
  description: 'The opposite of ISNULL. To ask whether an extension exists, use DIALPLAN_EXISTS or VALID_EXTEN.',
  read: (args) => (args === '' ? '0' : '1'),
};

export const SET: DialplanFunction = {
  name: 'SET',
  synopsis: 'Sets a variable (or function) and returns the value.',
  syntax: 'SET(varname=[value])',
  description: 'Like Set(varname=value) but usable inside an expression; names may be functions such as CALLERID(name).',
  read(args, env) {
    const eq = args.indexOf('=');
    if (eq < 0 || args.slice(0, eq).trim() === '') fail('Syntax SET(<varname>=[<value>])');
    const name = args.slice(0, eq).trim();
    const value = args.slice(eq + 1).trim();
    assign(name, value, asSubstEnv(env));
    return value;
  },
};
