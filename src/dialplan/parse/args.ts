/**
 * Application argument splitting (Asterisk's AST_STANDARD_APP_ARGS over the substituted data), and
 * the legacy separator rule: data written for Asterisk 1.2/1.4 (`Dial,SIP/100|20`,
 * `Dial(SIP/100|20)`) separates arguments with `|`, so when the text has no top-level comma but
 * does have a top-level `|`, `|` is the separator.
 *
 * Protection follows __ast_app_separate_args: parentheses and square brackets nest, double quotes
 * toggle and are removed (nesting is counted inside them too, as Asterisk does), a backslash makes the next character literal and is removed. Curly
 * braces also nest (a `${...}` the executor left unsubstituted keeps its commas). An empty text
 * has no arguments; a trailing separator adds an empty one, as in Asterisk.
 */

/** Split substituted application data into arguments (`,`, or legacy `|` when no top-level `,`). */
export function splitAppArgs(rawSubstituted: string): string[] {
  if (rawSubstituted === '') return [];
  const delim = hasTopLevel(rawSubstituted, ',') || !hasTopLevel(rawSubstituted, '|') ? ',' : '|';
  return separate(rawSubstituted, delim);
}

/** True when `ch` occurs outside quotes, nesting and escapes. */
export function hasTopLevel(text: string, ch: string): boolean {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') quote = !quote;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ch && depth === 0 && !quote) return true;
  }
  return false;
}

function separate(text: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '';
  let paren = 0;
  let bracket = 0;
  let brace = 0;
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      // The escaped character is taken literally (even a quote or the separator).
      if (i + 1 < text.length) cur += text[++i];
      continue;
    }
    if (c === '"') {
      quote = !quote;
      continue;
    }
    // Nesting counts inside quotes too, as in Asterisk; only the separator test looks at quotes.
    if (c === '(') paren++;
    else if (c === ')') paren = Math.max(0, paren - 1);
    else if (c === '[') bracket++;
    else if (c === ']') bracket = Math.max(0, bracket - 1);
    else if (c === '{') brace++;
    else if (c === '}') brace = Math.max(0, brace - 1);
    else if (c === delim && !quote && paren === 0 && bracket === 0 && brace === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}
