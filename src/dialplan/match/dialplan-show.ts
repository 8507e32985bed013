/**
 * `dialplan show [context]` in Asterisk's output shape (show_dialplan_helper in main/pbx.c), so
 * what users read and the scripts they wrote against Asterisk keep working:
 *
 *   [ Context 'default' created by 'pbx_config' ]
 *     '100' =>          hint: SIP/100                                 [extensions.conf:11]
 *                       1. Dial(SIP/100,20)                           [extensions.conf:12]
 *                       2. Hangup()                                   [extensions.conf:13]
 *     Include =>        'other'                                       [pbx_config]
 *     Ignore pattern => '9'                                           [pbx_config]
 *
 *   -= 1 extension (3 priorities) in 1 context. =-
 *
 * Columns are `  %-17s %-45s [%s]`. Extensions appear in match order (literals, then patterns
 * most specific first), a hint first among its extension's lines (it is priority -1 in
 * Asterisk), labels of later priorities as `   [label]`. Contexts appear in file order.
 */
import type { Context, Dialplan, Extension } from '../types.ts';
import { sortExtensions } from './lookup.ts';
import { patternMatches } from './pattern.ts';

const REGISTRAR = 'pbx_config';

function row(left: string, middle: string, right: string): string {
  return `  ${left.padEnd(17)} ${middle.padEnd(45)} [${right}]`;
}

function extensionLines(e: Extension): { lines: string[]; priorities: number } {
  const lines: string[] = [];
  const head = e.callerId === undefined ? `'${e.name}' =>` : `'${e.name}' (CID match '${e.callerId}') => `;
  const steps: { label: string; text: string; where: string }[] = [];
  if (e.hint) steps.push({ label: '', text: `hint: ${e.hint.value}`, where: `${e.hint.source.file}:${e.hint.source.line}` });
  for (const p of e.priorities) {
    steps.push({ label: p.label ?? '', text: `${p.priority}. ${p.app}(${p.appData})`, where: `${p.source.file}:${p.source.line}` });
  }
  steps.forEach((s, i) => lines.push(row(i === 0 ? head : s.label === '' ? '' : `   [${s.label}]`, s.text, s.where)));
  return { lines, priorities: steps.length };
}

function contextLines(c: Context, totals: { extensions: number; priorities: number }, exten?: string): string[] {
  const lines = [`[ Context '${c.name}' created by '${REGISTRAR}' ]`];
  for (const e of sortExtensions(c.extensions)) {
    if (exten !== undefined && e.name !== exten && !patternMatches(e.name, exten)) continue;
    const out = extensionLines(e);
    if (out.priorities === 0) continue;
    lines.push(...out.lines);
    totals.extensions++;
    totals.priorities += out.priorities;
  }
  // `exten@context` shows only what dials that extension (Asterisk leaves out includes there too).
  if (exten !== undefined) {
    lines.push('');
    return lines;
  }
  for (const inc of c.includes) {
    // Asterisk prints the include as written; a 1.4-style spec was joined with '|'.
    const sep = inc.time && inc.time.text.includes('|') && !inc.time.text.includes(',') ? '|' : ',';
    const name = inc.time ? `${inc.context}${sep}${inc.time.text}` : inc.context;
    lines.push(`  Include =>        ${`'${name}'`.padEnd(45)} [${REGISTRAR}]`);
  }
  for (const pat of c.ignorePatterns) lines.push(`  Ignore pattern => ${`'${pat}'`.padEnd(45)} [${REGISTRAR}]`);
  lines.push('');
  return lines;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The text `dialplan show` prints, ending with a newline: every context, only `context`, or
 * with `exten@context` (`exten@` for every context) only the extensions that match `exten`,
 * patterns included, as Asterisk's `dialplan show 800@demo` does.
 */
export function formatDialplanShow(dialplan: Dialplan, what?: string): string {
  const at = what?.indexOf('@') ?? -1;
  const exten = what !== undefined && at >= 0 ? what.slice(0, at) : undefined;
  const context = what !== undefined && at >= 0 ? what.slice(at + 1) || undefined : what;
  const selected = context === undefined ? [...dialplan.contexts.values()] : [dialplan.contexts.get(context)].filter((c): c is Context => c !== undefined);
  if (context !== undefined && selected.length === 0) return `There is no existence of '${context}' context\n`;
  const totals = { extensions: 0, priorities: 0 };
  let shown = 0;
  const lines = selected.flatMap((c) => {
    const before = totals.extensions;
    const part = contextLines(c, totals, exten);
    // With an extension, contexts where nothing matches are left out.
    if (exten !== undefined && totals.extensions === before) return [];
    shown++;
    return part;
  });
  if (exten !== undefined && shown === 0) return `There is no existence of '${what}' extension\n`;
  lines.push(
    `-= ${plural(totals.extensions, 'extension', 'extensions')} (${plural(totals.priorities, 'priority', 'priorities')}) in ${plural(shown, 'context', 'contexts')}. =-`,
  );
  return `${lines.join('\n')}\n`;
}
