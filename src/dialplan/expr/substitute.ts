/**
 * `${VAR}`, `${VAR:offset:length}`, `${FUNC(args)}` and `$[ expr ]` substitution with the
 * semantics of Asterisk's pbx_substitute_variables_helper_full:
 *
 * - The text between `${` and its matching `}` (or `$[` and `]`) is itself substituted first
 *   when it contains `${`/`$[`, so `${DB(cidname/${CALLERID(num)})}` and `${X:${N}}` work.
 * - A name containing `(` is a function call: `NAME(args)`, args up to the last `)`. The first
 *   `:` outside parentheses starts `offset[:length]` (negative values count from the end), which
 *   also applies to function results.
 * - Unknown variables and failed functions give ''. A missing `}`/`]` takes the rest of the
 *   text and logs "Error in extension logic". An expression with a syntax error logs a warning
 *   and gives "0" (Asterisk's result; GotoIf then takes its false branch).
 * - `\$` keeps the `$` literal (no expansion); the backslash stays for the application-argument
 *   splitter to remove, as with Asterisk's `$\{` form, which also works unchanged.
 *
 * Templates are parsed once and cached by text: a dialplan line is substituted every time a
 * call passes it, its shape never changes.
 */
import { PbxError } from '../../core/errors.ts';
import type { DialplanChannel, DialplanFunction, FunctionEnv } from '../types.ts';
import { evaluateExpression } from './expression.ts';
import type { ExpressionHost } from './expression.ts';
import { readVariable, setVariable } from './variables.ts';

/** Everything substitution needs: the function environment plus the function registry. */
export interface SubstEnv extends FunctionEnv {
  functions: Map<string, DialplanFunction>;
}

interface VarName {
  /** Variable name, or function name when `args` is set. */
  name: string;
  args: string | undefined;
  offset: number;
  length: number;
  hasRange: boolean;
}

type Segment =
  | string
  | { k: 'var'; inner: Template | undefined; name: VarName | undefined; raw: string; unterminated: boolean }
  | { k: 'expr'; inner: Template | undefined; raw: string; unterminated: boolean };

interface Template {
  segs: Segment[];
  /** Set when the text has nothing to substitute. */
  literal: string | undefined;
}

const INT_MAX = 2147483647;

/** Function calls in progress (substitution is synchronous, so one counter serves every channel). */
let depth = 0;
const MAX_DEPTH = 64;

/** C sscanf("%30d:%30d"): fills what it can, in order. */
function scanRange(s: string): { offset: number; length: number } {
  const m = /^\s*([+-]?\d+)(?::\s*([+-]?\d+))?/.exec(s);
  if (!m) return { offset: 0, length: INT_MAX };
  return { offset: clampInt(Number(m[1])), length: m[2] === undefined ? INT_MAX : clampInt(Number(m[2])) };
}

function clampInt(n: number): number {
  return Math.max(-2147483648, Math.min(INT_MAX, n));
}

/** parse_variable_name + func_args: split `NAME(args):off:len`. */
export function parseVariableName(text: string): VarName {
  let parens = 0;
  let isFunc = false;
  let nameEnd = text.length;
  let range: { offset: number; length: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') {
      isFunc = true;
      parens++;
    } else if (c === ')') parens--;
    else if (c === ':' && parens === 0) {
      nameEnd = i;
      range = scanRange(text.slice(i + 1));
      break;
    }
  }
  const full = text.slice(0, nameEnd);
  let name = full;
  let args: string | undefined;
  if (isFunc) {
    const open = full.indexOf('(');
    name = full.slice(0, open);
    const rest = full.slice(open + 1);
    const close = rest.lastIndexOf(')');
    args = close >= 0 ? rest.slice(0, close) : rest;
  }
  return { name, args, offset: range?.offset ?? 0, length: range?.length ?? INT_MAX, hasRange: range !== undefined };
}

/** Asterisk's substring(): negative offset counts from the end, negative length leaves that many off. */
export function substring(value: string, offset: number, length: number): string {
  const lr = value.length;
  if (offset === 0 && length >= lr) return value;
  if (offset < 0) {
    offset = lr + offset;
    if (offset < 0) offset = 0;
  }
  if (offset >= lr) return '';
  const rest = lr - offset;
  if (length >= 0) return length < rest ? value.substr(offset, length) : value.slice(offset);
  return rest > -length ? value.substr(offset, rest + length) : '';
}

/** Find the end of `${...}` / `$[...]` starting after the opener at `start`. */
function scanBlock(text: string, start: number, open: string, close: string): { end: number; needsub: boolean; closed: boolean } {
  let depth = 1;
  let needsub = false;
  let i = start;
  const other = open === '{' ? '[' : '{';
  while (depth > 0 && i < text.length) {
    const c = text[i];
    if (c === '$' && text[i + 1] === open) {
      needsub = true;
      depth++;
      i++;
    } else if (c === open) depth++;
    else if (c === close) depth--;
    else if (c === '$' && text[i + 1] === other) {
      needsub = true;
      i++;
    }
    i++;
  }
  return { end: i, needsub, closed: depth === 0 };
}

/** An odd number of backslashes right before index `d`. */
function escapedAt(text: string, d: number): boolean {
  let n = 0;
  for (let j = d - 1; j >= 0 && text.charCodeAt(j) === 92; j--) n++;
  return n % 2 === 1;
}

function parseTemplate(text: string): Template {
  if (text.indexOf('$') < 0) return { segs: [text], literal: text };
  const segs: Segment[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    const d = text.indexOf('$', i);
    if (d < 0) {
      lit += text.slice(i);
      break;
    }
    // `\$` keeps the dollar literal (`\\$` is an escaped backslash, then a live `$`).
    if (escapedAt(text, d)) {
      lit += text.slice(i, d + 1);
      i = d + 1;
      continue;
    }
    const n = text[d + 1];
    if (n !== '{' && n !== '[') {
      lit += text.slice(i, d + 1);
      i = d + 1;
      continue;
    }
    lit += text.slice(i, d);
    if (lit) segs.push(lit);
    lit = '';
    const isVar = n === '{';
    const b = scanBlock(text, d + 2, isVar ? '{' : '[', isVar ? '}' : ']');
    const raw = text.slice(d + 2, b.closed ? b.end - 1 : b.end);
    const inner = b.needsub ? getTemplate(raw) : undefined;
    if (isVar) segs.push({ k: 'var', inner, name: b.needsub ? undefined : parseVariableName(raw), raw, unterminated: !b.closed });
    else segs.push({ k: 'expr', inner, raw, unterminated: !b.closed });
    i = b.end;
  }
  if (lit) segs.push(lit);
  return { segs, literal: undefined };
}

const templates = new Map<string, Template>();
const TEMPLATES_MAX = 4096;

function getTemplate(text: string): Template {
  let t = templates.get(text);
  if (t === undefined) {
    t = parseTemplate(text);
    if (templates.size >= TEMPLATES_MAX) templates.clear();
    templates.set(text, t);
  }
  return t;
}

/** Read `NAME(args)`: undefined (and a logged error) when the function is unknown or fails. */
export function readFunction(name: string, args: string, fenv: FunctionEnv): string | undefined {
  const env = asSubstEnv(fenv);
  const fn = env.functions.get(name);
  if (!fn) {
    env.log('warning', `Function ${name} not registered`);
    return undefined;
  }
  if (!fn.read) {
    env.log('warning', `Function ${name} cannot be read`);
    return undefined;
  }
  // EVAL of a value that refers to itself would recurse for ever; Asterisk would exhaust its stack.
  if (depth >= MAX_DEPTH) {
    env.log('warning', `Function ${name} nested more than ${MAX_DEPTH} deep, not evaluated`);
    return undefined;
  }
  depth++;
  try {
    return fn.read(args, env);
  } catch (e) {
    if (e instanceof PbxError) {
      env.log('warning', e.message);
      return undefined;
    }
    throw e;
  } finally {
    depth--;
  }
}

function lookup(v: VarName, env: SubstEnv): string | undefined {
  if (v.args !== undefined) return readFunction(v.name, v.args, env);
  return readVariable(v.name, env);
}

function run(t: Template, env: SubstEnv): string {
  if (t.literal !== undefined) return t.literal;
  let out = '';
  for (const seg of t.segs) {
    if (typeof seg === 'string') {
      out += seg;
      continue;
    }
    if (seg.unterminated) env.log('warning', `Error in extension logic (missing '${seg.k === 'var' ? '}' : ']'}')`);
    if (seg.k === 'var') {
      const name = seg.name ?? parseVariableName(run(seg.inner as Template, env));
      const value = lookup(name, env);
      if (value !== undefined) out += name.hasRange ? substring(value, name.offset, name.length) : value;
    } else {
      const text = seg.inner ? run(seg.inner, env) : seg.raw;
      out += expression(text, env);
    }
  }
  return out;
}

/** What `$[ ]` may call: the environment's functions; its warnings go to the environment's log. */
class SubstExpressionHost implements ExpressionHost {
  constructor(private readonly env: SubstEnv) {}
  callFunction(name: string, args: string): string | undefined {
    return this.env.functions.has(name) ? (readFunction(name, args, this.env) ?? '') : undefined;
  }
  warn(message: string): void {
    this.env.log('warning', message);
  }
}

function expression(text: string, env: SubstEnv): string {
  try {
    return evaluateExpression(text, new SubstExpressionHost(env));
  } catch (e) {
    if (e instanceof PbxError) {
      env.log('warning', e.message);
      return '0';
    }
    throw e;
  }
}

/**
 * Substitute every `${...}` and `$[...]` in `text` for the channel of `env` (or none).
 * `env` should be a SubstEnv (a FunctionEnv carrying `functions`); a plain FunctionEnv works
 * but then no dialplan function can be called.
 */
export function substitute(text: string, env: FunctionEnv): string {
  const t = getTemplate(text);
  if (t.literal !== undefined) return t.literal;
  return run(t, asSubstEnv(env));
}

/** Evaluate `$[ ]` text with this environment's functions; warnings go to env.log. */
export function evaluateWith(text: string, env: FunctionEnv): string {
  return expression(text, asSubstEnv(env));
}

/**
 * `Set(name=value)` (pbx_builtin_setvar_helper): a name ending in `)` (`CALLERID(num)`,
 * `DB(f/k)`) is written through the function; anything else is a channel variable, or a global
 * when there is no channel ("Setting global variable" is logged, as Asterisk does).
 * Failures are logged and never thrown.
 */
export function assign(name: string, value: string, fenv: FunctionEnv): void {
  const env = asSubstEnv(fenv);
  if (!name.endsWith(')')) {
    if (env.channel) {
      setVariable(env.channel, name, value);
      // AMI VarSet (Set, MSet, AGI SET VARIABLE all land here); skipped when nobody listens.
      const bus = env.channel.eventBus;
      if (bus?.active) bus.emit({ type: 'VarSet', channel: env.channel, variable: name, value });
    } else {
      setVariable(env.globals, name, value);
      env.log('verbose', `Setting global variable '${name}' to '${value}'`);
    }
    return;
  }
  const open = name.indexOf('(');
  const fname = open < 0 ? name.slice(0, -1) : name.slice(0, open);
  const args = open < 0 ? '' : name.slice(open + 1, -1);
  const fn = env.functions.get(fname);
  if (!fn) {
    env.log('warning', `Function ${fname} not registered`);
    return;
  }
  if (!fn.write) {
    env.log('warning', `Function ${fname} cannot be written to`);
    return;
  }
  try {
    fn.write(args, value, env);
  } catch (e) {
    if (e instanceof PbxError) env.log('warning', e.message);
    else throw e;
  }
}

const NO_FUNCTIONS = new Map<string, DialplanFunction>();

/**
 * The substitution environment behind a FunctionEnv: the same object when the caller passed a
 * SubstEnv (substitute() always does), else one without functions (variables and `$[ ]` still work).
 */
export function asSubstEnv(env: FunctionEnv): SubstEnv {
  const maybe = env as Partial<SubstEnv> & FunctionEnv;
  if (maybe.functions instanceof Map) return maybe as SubstEnv;
  return withFunctions(env, NO_FUNCTIONS);
}

/** `${name}` for a name given as an argument (CUT, FIELDQTY ...): a variable or a function call. */
export function valueOf(name: string, env: FunctionEnv): string {
  return substitute('${' + name + '}', env);
}

/** A SubstEnv from a FunctionEnv and a function registry (createFunctionRegistry()). */
export function withFunctions(env: FunctionEnv, functions: Map<string, DialplanFunction>): SubstEnv {
  // A new plain object calling through to env (env may be a class with private state).
  const stat = env.stat;
  const cdr = env.cdr;
  const voicemail = env.voicemail;
  return {
    ...(cdr ? { cdr: (channel: DialplanChannel) => cdr.call(env, channel) } : {}),
    ...(voicemail ? { voicemail: () => voicemail.call(env) } : {}),
    ...(env.groups ? { groups: env.groups } : {}),
    channel: env.channel,
    globals: env.globals,
    db: env.db,
    lookup: env.lookup,
    now: () => env.now(),
    env: (name) => env.env(name),
    setEnv: (name, value) => env.setEnv(name, value),
    stat: stat ? (path) => stat.call(env, path) : undefined,
    log: (level, message) => env.log(level, message),
    functions,
  };
}
