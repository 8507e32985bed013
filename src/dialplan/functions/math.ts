/**
 * MATH(number1 op number2[,type]): one arithmetic, bitwise or comparison operation, with the
 * operator search order and result formats of Asterisk's func_math (float "%f" by default:
 * MATH(3*2) is 6.000000; division by zero or a negative divisor gives 0).
 */
import type { DialplanFunction } from '../types.ts';
import { scanFloat, splitArgs } from '../expr/args.ts';
import { formatFloat } from './printf.ts';
import { fail } from './util.ts';

type Op = '*' | '/' | '%' | '^' | 'AND' | 'XOR' | 'OR' | '>' | '>=' | '>>' | '<' | '<=' | '<<' | '==' | '+' | '-';

/** Find the operator the way Asterisk does: by kind, in a fixed order, not by position. */
function findOp(s: string): { op: Op; left: string; right: string } | undefined {
  for (const ch of ['*', '/', '%', '^'] as const) {
    const i = s.indexOf(ch);
    if (i >= 0) return { op: ch, left: s.slice(0, i), right: s.slice(i + 1) };
  }
  for (const word of ['AND', 'XOR', 'OR'] as const) {
    const i = s.indexOf(word);
    if (i >= 0) return { op: word, left: s.slice(0, i), right: s.slice(i + word.length) };
  }
  for (const ch of ['>', '<'] as const) {
    const i = s.indexOf(ch);
    if (i < 0) continue;
    const next = s[i + 1];
    if (next === '=') return { op: ch === '>' ? '>=' : '<=', left: s.slice(0, i), right: s.slice(i + 2) };
    if (next === ch) return { op: ch === '>' ? '>>' : '<<', left: s.slice(0, i), right: s.slice(i + 2) };
    return { op: ch, left: s.slice(0, i), right: s.slice(i + 1) };
  }
  const eq = s.indexOf('=');
  if (eq >= 0) return s[eq + 1] === '=' ? { op: '==', left: s.slice(0, eq), right: s.slice(eq + 2) } : undefined;
  for (const ch of ['+', '-'] as const) {
    const i = s.indexOf(ch);
    if (i >= 0) return { op: ch, left: s.slice(0, i), right: s.slice(i + 1) };
  }
  return undefined;
}

/** C's (int) conversion of a double, saturating instead of undefined behaviour. */
function toInt(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
}

export const MATH: DialplanFunction = {
  name: 'MATH',
  synopsis: 'Performs one mathematical operation.',
  syntax: 'MATH(expression[,type])',
  description:
    'expression is number1 op number2 with op one of + - / * % << >> ^ AND OR XOR < > <= >= == ' +
    '(as in C; comparisons return TRUE or FALSE). type: f or float (default, 6 decimals), i or ' +
    'int, h or hex, c or char. Example: MATH(123%16,int) returns 11.',
  read(args) {
    if (args === '') fail('Syntax: MATH(<number1><op><number 2>[,<type_of_result>]) - missing argument!');
    const [expr = '', type] = splitArgs(args, { max: 2 });
    let s = expr;
    let negative = false;
    if (s[0] === '-') {
      negative = true;
      s = s.slice(1);
    }
    const found = findOp(s);
    let kind = 'f';
    if (type !== undefined) {
      const t = type.toLowerCase();
      if (t === 'f' || t === 'float') kind = 'f';
      else if (t === 'i' || t === 'int') kind = 'i';
      else if (t === 'h' || t === 'hex') kind = 'h';
      else if (t === 'c' || t === 'char') kind = 'c';
      else fail(`Unknown type of result requested '${type}'.`);
    }
    if (!found) fail('Supply all the parameters - just this once, please');
    let a = scanFloat(found.left);
    const b = scanFloat(found.right);
    if (a === undefined) fail(`'${found.left}' is not a valid number`);
    if (b === undefined) fail(`'${found.right}' is not a valid number`);
    if (negative) a = 0 - a;
    let r: number;
    switch (found.op) {
      case '+':
        r = a + b;
        break;
      case '-':
        r = a - b;
        break;
      case '*':
        r = a * b;
        break;
      case '/':
        r = b <= 0 ? 0 : a / b;
        break;
      case '%': {
        const ib = toInt(b);
        r = ib === 0 ? 0 : toInt(a) % ib;
        break;
      }
      case '^':
        r = Math.pow(a, b);
        break;
      case '<<':
        r = toInt(a) << toInt(b);
        break;
      case '>>':
        r = toInt(a) >> toInt(b);
        break;
      case 'AND':
        r = toInt(a) & toInt(b);
        break;
      case 'XOR':
        r = toInt(a) ^ toInt(b);
        break;
      case 'OR':
        r = toInt(a) | toInt(b);
        break;
      case '>':
        return a > b ? 'TRUE' : 'FALSE';
      case '<':
        return a < b ? 'TRUE' : 'FALSE';
      case '>=':
        return a >= b ? 'TRUE' : 'FALSE';
      case '<=':
        return a <= b ? 'TRUE' : 'FALSE';
      case '==':
        return a === b ? 'TRUE' : 'FALSE';
    }
    switch (kind) {
      case 'i':
        return String(toInt(r));
      case 'h':
        return (toInt(r) >>> 0).toString(16);
      case 'c':
        return String.fromCharCode(toInt(r) & 0xff);
      default:
        return formatFloat(r, { flags: '', width: undefined, precision: 6, conv: 'f' });
    }
  },
};
