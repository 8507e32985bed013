/**
 * `$[ ]` evaluation with the value rules of Asterisk's main/ast_expr2.y:
 *
 * - Values are numbers, numeric strings (digits and dots, as written) or strings; a quoted
 *   literal is a string *with* its quotes (so `"3" < "10"` compares text, `3 < 10` numbers).
 * - Comparisons are numeric unless either side is a string; arithmetic on a string warns
 *   "non-numeric argument" and follows Asterisk's fallbacks (`x + 1` = 1, `1 / x` = 2147483647).
 * - Division is floating point since Asterisk 1.6 (`5 / 2` = 2.5); `%` is fmod.
 * - `:` matches a POSIX ERE anchored at the start, `=~` anywhere; either returns the first
 *   group, or the match length when the pattern has no group.
 * - Math functions (FLOOR, POW, ...) are built in; other NAME(args) call dialplan functions.
 *
 * Numbers print with up to 16 significant digits (Asterisk prints 18 from a long double; a JS
 * double holds ~16), integers exactly; `-0` prints as `-0` like printf does.
 * Parsed expressions are cached by text.
 */
import { PbxError } from '../../core/errors.ts';
import { compileEre } from './posix-regex.ts';
import { parseExpression } from './expression-parser.ts';
import type { ExprNode } from './expression-parser.ts';
import { atoi } from './args.ts';

/** What an expression may call out to: dialplan functions and a warning sink. */
export interface ExpressionHost {
  /** Read a dialplan function; undefined when no such function exists. */
  callFunction?(name: string, args: string): string | undefined;
  warn?(message: string): void;
}

const NUMBER = 0;
const NUMERIC_STRING = 1;
const STRING = 2;

interface Val {
  t: 0 | 1 | 2;
  s: string;
  n: number;
}

const INT_MAX = 2147483647;

function num(n: number): Val {
  return { t: NUMBER, s: '', n };
}

/** make_str(): digits/dots (starting with a digit, '-' or '.') make a numeric string. */
function str(s: string): Val {
  let numeric = s.length > 0;
  for (let i = 0; i < s.length && numeric; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46)) numeric = false;
  }
  return { t: numeric ? NUMERIC_STRING : STRING, s, n: 0 };
}

/** strtold on a numeric string: digits and dots only, so the leading decimal number. */
function strtod(s: string): number {
  const m = /^\d*\.?\d*/.exec(s);
  const t = m ? m[0] : '';
  if (t === '' || t === '.') return 0;
  return Number(t.endsWith('.') ? t.slice(0, -1) : t);
}

function toNumber(v: Val): boolean {
  if (v.t === NUMBER) return true;
  if (v.t === STRING) return false;
  v.n = strtod(v.s);
  v.t = NUMBER;
  return true;
}

/** printf("%.18Lg") as far as a double allows. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return n < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(n)) return n < 0 ? '-inf' : 'inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const abs = Math.abs(n);
  if (Number.isInteger(n) && abs < 1e18) return BigInt(n).toString();
  const exp = Math.floor(Math.log10(abs));
  if (exp < -4 || exp >= 18) {
    const [mant, e] = n.toExponential(15).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    const sign = ev < 0 ? '-' : '+';
    const digits = String(Math.abs(ev)).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  const fixed = n.toPrecision(16);
  if (fixed.includes('e')) return String(n);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

function toStr(v: Val): void {
  if (v.t !== NUMBER) return;
  v.s = formatNumber(v.n);
  v.t = STRING;
}

function isString(v: Val): boolean {
  return v.t === STRING;
}

function isZeroOrNull(v: Val): boolean {
  if (v.t === NUMBER) return v.n === 0;
  return v.s === '' || (toNumber(v) && v.n === 0);
}

/** Remove every double quote when the text is wrapped in them (strip_quotes). */
function stripQuotes(v: Val): void {
  if (v.t === NUMBER) return;
  const s = v.s;
  if (s.length > 0 && s[0] === '"' && s[s.length - 1] === '"') v.s = s.replace(/"/g, '');
}

class Evaluator {
  constructor(private readonly host: ExpressionHost) {}

  private warn(message: string): void {
    this.host.warn?.(message);
  }

  eval(node: ExprNode): Val {
    switch (node.k) {
      case 'empty':
        return { t: STRING, s: '', n: 0 };
      case 'lit':
        return { t: node.numeric ? NUMERIC_STRING : STRING, s: node.text, n: 0 };
      case 'neg':
        return this.negate(this.eval(node.e));
      case 'not':
        return this.compl(this.eval(node.e));
      case 'cond': {
        // Asterisk evaluates all three operands (the parser reduces them before choosing).
        const c = this.eval(node.c);
        const a = this.eval(node.a);
        const b = this.eval(node.b);
        if (isString(c)) return c.s.length > 0 && c.s !== '""' && c.s !== '0' ? a : b;
        toNumber(c);
        return c.n !== 0 ? a : b;
      }
      case 'call':
        return this.call(node.name, node.args.map((a) => this.eval(a)));
      case 'bin':
        return this.binary(node.op, this.eval(node.l), this.eval(node.r));
    }
  }

  private binary(op: string, a: Val, b: Val): Val {
    switch (op) {
      case 'or':
        return isZeroOrNull(a) ? b : a;
      case 'and':
        return isZeroOrNull(a) || isZeroOrNull(b) ? num(0) : a;
      case 'eq':
      case 'ne':
      case 'lt':
      case 'gt':
      case 'le':
      case 'ge':
        return this.compare(op, a, b);
      case 'plus':
        if (!toNumber(a)) {
          this.warn('non-numeric argument');
          return toNumber(b) ? b : num(0);
        }
        if (!toNumber(b)) return a;
        return num(a.n + b.n);
      case 'minus':
        if (!toNumber(a)) {
          this.warn('non-numeric argument');
          return toNumber(b) ? num(0 - b.n) : num(0);
        }
        if (!toNumber(b)) {
          this.warn('non-numeric argument');
          return a;
        }
        return num(a.n - b.n);
      case 'mult':
        if (!toNumber(a) || !toNumber(b)) {
          this.warn('non-numeric argument');
          return num(0);
        }
        return num(a.n * b.n);
      case 'div':
        if (!toNumber(a)) {
          this.warn('non-numeric argument');
          return num(0);
        }
        if (!toNumber(b)) {
          this.warn('non-numeric argument');
          return num(INT_MAX);
        }
        if (b.n === 0) {
          this.warn('division by zero');
          return num(INT_MAX);
        }
        return num(a.n / b.n);
      case 'mod':
        if (!toNumber(a) || !toNumber(b)) {
          this.warn('non-numeric argument');
          return num(0);
        }
        if (b.n === 0) {
          this.warn('div by zero');
          return b;
        }
        return num(a.n % b.n);
      case 'colon':
        return this.match(a, b, true);
      case 'eqtilde':
        return this.match(a, b, false);
      case 'tildetilde':
        toStr(a);
        toStr(b);
        stripQuotes(a);
        stripQuotes(b);
        return str(a.s + b.s);
      default:
        throw new PbxError('DIALPLAN_EXPRESSION', `unknown operator ${op}`);
    }
  }

  private compare(op: string, a: Val, b: Val): Val {
    let c: number;
    if (isString(a) || isString(b)) {
      toStr(a);
      toStr(b);
      c = a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
    } else {
      toNumber(a);
      toNumber(b);
      c = a.n < b.n ? -1 : a.n > b.n ? 1 : a.n === b.n ? 0 : NaN;
    }
    switch (op) {
      case 'eq':
        return num(c === 0 ? 1 : 0);
      case 'ne':
        return num(c !== 0 ? 1 : 0);
      case 'lt':
        return num(c < 0 ? 1 : 0);
      case 'gt':
        return num(c > 0 ? 1 : 0);
      case 'le':
        return num(c <= 0 ? 1 : 0);
      default:
        return num(c >= 0 ? 1 : 0);
    }
  }

  private match(a: Val, b: Val, anchored: boolean): Val {
    toStr(a);
    toStr(b);
    stripQuotes(a);
    stripQuotes(b);
    let compiled;
    try {
      compiled = compileEre(b.s);
    } catch (e) {
      this.warn(`regcomp() error : ${(e as Error).message}`);
      return str('');
    }
    const m = compiled.re.exec(a.s);
    if (m && (!anchored || m.index === 0)) {
      if (compiled.groups > 0 && m[1] !== undefined) return str(m[1]);
      return num(m[0].length);
    }
    return compiled.groups === 0 ? num(0) : str('');
  }

  private negate(a: Val): Val {
    if (!toNumber(a)) {
      this.warn('non-numeric argument');
      return num(0);
    }
    return num(-a.n);
  }

  private compl(a: Val): Val {
    let truth: boolean;
    if (a.t === NUMBER) truth = a.n !== 0;
    else if (a.s === '' || a.s === '0') truth = false;
    else truth = atoi(a.s) !== 0;
    return num(truth ? 0 : 1);
  }

  private call(name: string, args: Val[]): Val {
    if (!/^[A-Z0-9_]+$/.test(name)) {
      this.warn(`Error! '${name}' is not possibly a function name!`);
      return num(0);
    }
    const math = MATH[name];
    if (math) {
      if (args.length !== math.length) {
        this.warn(`Wrong args to ${name}() function`);
        return num(0);
      }
      const ns = args.map((v) => (toNumber(v) ? v.n : 0));
      return num(math(...(ns as [number, number])));
    }
    const text = args
      .map((v) => {
        if (v.t === NUMBER) return formatNumber(v.n);
        return v.s;
      })
      .join(',');
    const result = this.host.callFunction?.(name, text);
    if (result === undefined) {
      this.warn(`Error! '${name}' doesn't appear to be an available function!`);
      return num(0);
    }
    // is_really_num(): only digits, signs, dots and blanks (the empty result counts) make a number.
    if (/^[-0-9. \t]*$/.test(result)) {
      const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)?/.exec(result);
      const n = m && m[1] !== undefined ? Number(m[0].trim()) : 0;
      return num(Number.isNaN(n) ? 0 : n);
    }
    return str(result);
  }
}

/** C's round(): halves away from zero (Math.round rounds -2.5 to -2). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** rint(): halves to even (the default rounding mode). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Built-in math functions of the expression parser; arity is the function's length. */
const MATH: Record<string, (a: number, b: number) => number> = {
  COS: (a) => Math.cos(a),
  SIN: (a) => Math.sin(a),
  TAN: (a) => Math.tan(a),
  ACOS: (a) => Math.acos(a),
  ASIN: (a) => Math.asin(a),
  ATAN: (a) => Math.atan(a),
  ATAN2: (a, b) => Math.atan2(a, b),
  POW: (a, b) => Math.pow(a, b),
  SQRT: (a) => Math.sqrt(a),
  FLOOR: (a) => Math.floor(a),
  CEIL: (a) => Math.ceil(a),
  ROUND: (a) => roundHalfAway(a),
  RINT: (a) => rint(a),
  TRUNC: (a) => Math.trunc(a),
  EXP: (a) => Math.exp(a),
  EXP2: (a) => Math.pow(2, a),
  EXP10: (a) => Math.pow(10, a),
  LOG: (a) => Math.log(a),
  LOG2: (a) => Math.log2(a),
  LOG10: (a) => Math.log10(a),
  REMAINDER: (a, b) => a - b * rint(a / b),
  ABS: (a) => Math.abs(a),
};
const parsed = new Map<string, ExprNode | PbxError>();
const PARSED_MAX = 4096;

function parseCached(text: string): ExprNode {
  let hit = parsed.get(text);
  if (hit === undefined) {
    try {
      hit = parseExpression(text);
    } catch (e) {
      if (!(e instanceof PbxError)) throw e;
      hit = e;
    }
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(text, hit);
  }
  if (hit instanceof PbxError) throw new PbxError(hit.code, hit.message);
  return hit;
}

/**
 * Evaluate the text inside `$[ ]` (already substituted). Throws PbxError('DIALPLAN_EXPRESSION')
 * on a syntax error; `substitute()` turns that into a warning and "0", as Asterisk does.
 */
export function evaluateExpression(text: string, host: ExpressionHost = {}): string {
  const v = new Evaluator(host).eval(parseCached(text));
  return v.t === NUMBER ? formatNumber(v.n) : v.s;
}
