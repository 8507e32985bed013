/**
 * Small parsers the flow applications share: Asterisk's condition truth (pbx_checkcondition),
 * `cond?a:b` splitting, Goto targets (`label`, `exten,prio`, `ctx,exten,prio`, `+n`), and
 * `app(args)` calls for Exec/ExecIf.
 */
import type { AppResult, DialplanChannel } from '../types.ts';

/** Asterisk's truth: empty is false, a leading integer is its value (`0.5` is 0), other text is true. */
export function checkCondition(text: string): boolean {
  const t = text.trim();
  if (t === '') return false;
  const m = /^[+-]?\d+/.exec(t);
  if (m) return Number(m[0]) !== 0;
  return true;
}

/** Splits on the first `sep` (strsep): [before, after] or [text, undefined]. */
export function splitFirst(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/** Splits on `sep` outside parentheses and double quotes (ast_app_separate_args with another delimiter). */
export function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && depth > 0) depth--;
    if (c === sep && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A Goto-style destination's parts: `,` separated, or the legacy `|` when there is no comma. */
export function destinationParts(text: string): string[] {
  const sep = text.includes(',') || !text.includes('|') ? ',' : '|';
  return splitTopLevel(text, sep).map((p) => p.trim());
}

export interface GotoTarget {
  context?: string;
  exten?: string;
  priority: string;
}

/** `[[context,]exten,]priority`; undefined when malformed (no priority, too many parts). */
export function parseGotoTarget(parts: string[]): GotoTarget | undefined {
  const p = parts.map((x) => x.trim());
  if (p.length === 0 || p.length > 3 || p[p.length - 1] === '') return undefined;
  const priority = p[p.length - 1]!;
  if (p.length === 1) return { priority };
  if (p.length === 2) return { ...(p[0] ? { exten: p[0] } : {}), priority };
  return { ...(p[0] ? { context: p[0] } : {}), ...(p[1] ? { exten: p[1] } : {}), priority };
}

/** The AppResult for a target; `+n`/`-n` priorities are relative to the channel's (ast_parseable_goto). */
export function gotoResult(t: GotoTarget, channel: DialplanChannel): Extract<AppResult, { kind: 'goto' }> {
  let priority: number | string = t.priority;
  if (/^[+-]\d+$/.test(t.priority)) priority = channel.priority + Number(t.priority);
  else if (/^\d+$/.test(t.priority)) priority = Number(t.priority);
  return { kind: 'goto', ...(t.context !== undefined ? { context: t.context } : {}), ...(t.exten !== undefined ? { exten: t.exten } : {}), priority };
}

/** `name(args)` -> { name, args }; `name` alone has empty args. */
export function parseAppCall(text: string): { name: string; args: string } {
  const t = text.trim();
  const open = t.indexOf('(');
  if (open < 0) return { name: t, args: '' };
  const close = t.lastIndexOf(')');
  return { name: t.slice(0, open).trim(), args: close > open ? t.slice(open + 1, close) : t.slice(open + 1) };
}

/** `label(arg1,arg2)` of Gosub: the destination text and its arguments. */
export function parseSubroutineCall(text: string): { target: string; args: string[] } {
  const t = text.trim();
  const open = t.indexOf('(');
  if (open < 0) return { target: t, args: [] };
  const close = t.lastIndexOf(')');
  const inner = close > open ? t.slice(open + 1, close) : t.slice(open + 1);
  return { target: t.slice(0, open), args: inner === '' ? [] : splitTopLevel(inner, ',') };
}
