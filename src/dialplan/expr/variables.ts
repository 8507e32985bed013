/**
 * Channel and global variables with Asterisk's rules:
 *
 * - Names are case-sensitive. A name set as `_X` or `__X` is stored with its prefix (so Dial can
 *   copy it to the channels it creates) but read as `${X}`; setting any of X, _X, __X replaces the
 *   others (pbx_builtin_setvar_helper).
 * - Lookup order is Asterisk's (ast_str_retrieve_variable): built-in variables computed from the
 *   channel first (so `Set(EXTEN=x)` cannot hide the real extension), then the channel's
 *   variables, then the globals.
 * - `inheritVariables` copies `_X` as `X` (one level) and `__X` as `__X` (every level).
 */
import type { DialplanChannel } from '../types.ts';

/** Where variables are read from: FunctionEnv and SubstEnv both fit. */
export interface VariableScope {
  channel: DialplanChannel | undefined;
  globals: Map<string, string>;
  /** Wall clock in ms (EPOCH, DATETIME, TIMESTAMP); Date.now() when absent. */
  now?(): number;
}

/** The name without its inheritance prefix (`__X` -> `X`, `_X` -> `X`, `___X` -> `_X`). */
export function baseName(name: string): string {
  if (name.charCodeAt(0) !== 95) return name;
  return name.charCodeAt(1) === 95 ? name.slice(2) : name.slice(1);
}

/** A variable of one map, found under X, _X or __X. */
export function getVar(vars: Map<string, string>, name: string): string | undefined {
  const v = vars.get(name);
  if (v !== undefined) return v;
  if (vars.size === 0) return undefined;
  return vars.get('_' + name) ?? vars.get('__' + name);
}

/**
 * Set (or with `value` undefined, delete) a variable on a channel or in a map (the globals).
 * The name keeps its `_`/`__` prefix; other spellings of the same variable are removed.
 */
export function setVariable(target: DialplanChannel | Map<string, string>, name: string, value: string | undefined): void {
  const vars = target instanceof Map ? target : target.variables;
  const base = baseName(name);
  vars.delete(base);
  vars.delete('_' + base);
  vars.delete('__' + base);
  if (value !== undefined) vars.set(name, value);
}

/**
 * Copy inheritable variables from a parent channel's map to a new channel's map
 * (ast_channel_inherit_variables): `_X` arrives as `X`, `__X` stays `__X`.
 */
export function inheritVariables(from: Map<string, string>, to: Map<string, string>): void {
  for (const [name, value] of from) {
    if (name.charCodeAt(0) !== 95) continue;
    if (name.charCodeAt(1) === 95) setVariable(to, name, value);
    else setVariable(to, name.slice(1), value);
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `"name" <number>` as Asterisk's ast_callerid_merge builds it (name or number alone when one is missing). */
export function mergeCallerId(name: string | undefined, number: string | undefined): string | undefined {
  if (name && number) return `"${name}" <${number}>`;
  if (name) return name;
  if (number) return number;
  return undefined;
}

/** Built-in variables; undefined when `name` is not one (or has no value here). */
function builtin(name: string, scope: VariableScope): string | undefined {
  const c = scope.channel;
  switch (name) {
    case 'EPOCH':
      return String(Math.floor((scope.now ? scope.now() : Date.now()) / 1000));
    case 'DATETIME': {
      // Asterisk 1.4's DDMMYYYY-HH:MM:SS in local time.
      const d = new Date(scope.now ? scope.now() : Date.now());
      return `${pad(d.getDate())}${pad(d.getMonth() + 1)}${d.getFullYear()}-${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }
    case 'TIMESTAMP': {
      // YYYYMMDD-HHMMSS in local time.
      const d = new Date(scope.now ? scope.now() : Date.now());
      return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
    }
  }
  if (!c) return undefined;
  switch (name) {
    case 'EXTEN':
      return c.exten;
    case 'CONTEXT':
      return c.context;
    case 'PRIORITY':
      return String(c.priority);
    case 'CHANNEL':
      return c.name;
    case 'UNIQUEID':
      return c.uniqueId;
    case 'LANGUAGE':
      return c.language;
    case 'CALLERID':
      return mergeCallerId(c.callerId.name, c.callerId.number);
    case 'CALLERIDNUM':
      return c.callerId.number;
    case 'CALLERIDNAME':
      return c.callerId.name;
    default:
      return undefined;
  }
}

/** Names whose built-in value only applies when no variable of that name is set. */
function builtinFallback(name: string, scope: VariableScope): string | undefined {
  // HANGUPCAUSE: Dial() and the executor set it as a variable; otherwise the channel's cause.
  if (name === 'HANGUPCAUSE' && scope.channel) return String(scope.channel.cause ?? 0);
  return undefined;
}

/**
 * The value of `${name}` (no `:offset:length`, no function call): built-ins, then the channel's
 * variables, then the globals. Undefined when nothing defines it (substitution prints '').
 */
export function readVariable(name: string, scope: VariableScope): string | undefined {
  const b = builtin(name, scope);
  if (b !== undefined) return b;
  // Once the channel is gone (the h extension), its real cause wins over what Dial() noted:
  // Hangup(17) after a failed Dial shows 17, as chan->hangupcause does in Asterisk.
  if (name === 'HANGUPCAUSE' && scope.channel?.cause !== undefined) return String(scope.channel.cause);
  if (scope.channel) {
    const v = getVar(scope.channel.variables, name);
    if (v !== undefined) return v;
  }
  const f = builtinFallback(name, scope);
  if (f !== undefined) return f;
  return getVar(scope.globals, name);
}
