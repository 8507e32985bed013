/** Header values the call actions share: caller ID, priorities, variable lists. */

/**
 * Asterisk's ast_callerid_parse: `"Name" <number>`, `Name <number>`, `<number>`, or a bare
 * value that is a number when it looks like one (digits, `+`, `*`, `#`) and a name otherwise.
 */
export function parseCallerId(text: string): { name?: string; number?: string } {
  const t = text.trim();
  if (t === '') return {};
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(t);
  if (m) {
    const name = m[1]!.trim().replace(/^"(.*)"$/, '$1').trim();
    const number = m[2]!.trim();
    return { ...(name ? { name } : {}), ...(number ? { number } : {}) };
  }
  const bare = t.replace(/^"(.*)"$/, '$1').trim();
  return /^[+]?[0-9*#\-() .]+$/.test(bare) ? { number: bare.replace(/[-() .]/g, '') } : { name: bare };
}

/** `Priority`: absent -> 1, a number >= 1, or a label of the extension; undefined when invalid. */
export function parsePriority(text: string | undefined, findLabel: (label: string) => number | undefined): number | undefined {
  const t = text?.trim() ?? '';
  if (t === '') return 1;
  if (/^\d+$/.test(t)) return Number(t) >= 1 ? Number(t) : undefined;
  return findLabel(t);
}

/**
 * `Variable` headers: each `NAME=value`, or several in one header separated by commas
 * (`A=1,B=2`), as Asterisk's astman_get_variables reads them; entries without `=` are skipped.
 */
export function parseVariables(headers: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const h of headers) {
    for (const part of h.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (name !== '') out.push([name, part.slice(eq + 1)]);
    }
  }
  return out;
}
