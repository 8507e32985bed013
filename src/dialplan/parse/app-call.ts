/**
 * The application part of a priority line, as pbx_config reads it:
 *
 *   App(args)        modern form; the arguments run from the first `(` to the LAST `)`
 *   App              no arguments
 *   App,arg1|arg2    Asterisk 1.2/1.4 form: a comma before any `(` ends the name, the rest is the
 *                    data (its `|` separators are honoured when the executor splits it)
 *
 * Arguments stay raw: substitution and splitting happen when the priority runs. What we check
 * here is what would make the line misbehave at run time: an empty or impossible application
 * name, a missing closing parenthesis, and `(`/`${`/`$[` nesting that does not balance.
 */

export interface AppCall {
  app: string;
  data: string;
  /** Written in the 1.4 `App,args` form. */
  legacy: boolean;
}

export interface AppCallResult {
  call?: AppCall;
  errors: string[];
  warnings: string[];
}

const APP_NAME = /^[A-Za-z0-9_]+$/;

export function parseAppCall(text: string): AppCallResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const src = text.trim();
  const comma = src.indexOf(',');
  const paren = src.indexOf('(');
  let app: string;
  let data = '';
  let legacy = false;
  if (comma >= 0 && (paren < 0 || comma < paren)) {
    app = src.slice(0, comma).trim();
    data = src.slice(comma + 1);
    legacy = true;
  } else if (paren < 0) {
    app = src;
  } else {
    app = src.slice(0, paren).trim();
    const close = src.lastIndexOf(')');
    if (close < paren) {
      errors.push(`missing ')' after the arguments of ${app || 'the application'}: '${src}'`);
      data = src.slice(paren + 1);
    } else {
      data = src.slice(paren + 1, close);
      const after = src.slice(close + 1).trim();
      if (after !== '') warnings.push(`text after ')' is ignored: '${after}'`);
    }
  }
  if (app === '') {
    errors.push(`empty application name in '${src}'`);
    return { errors, warnings };
  }
  if (!APP_NAME.test(app)) {
    const why = /[$]/.test(app) ? 'an application name cannot come from a variable' : `expected Application(arguments)`;
    errors.push(`'${app}' is not an application name (${why})`);
    return { errors, warnings };
  }
  if (errors.length === 0) {
    const problem = checkNesting(data);
    if (problem) errors.push(`${problem} in the arguments of ${app}: '${data}'`);
  }
  if (!data.includes(',') && data.includes('|')) data = legacyFunctionPipes(data);
  return { call: { app, data, legacy }, errors, warnings };
}

/**
 * A line written for Asterisk 1.4 (no comma anywhere) separates function arguments with `|` too:
 * `${CUT(LIST|-|2)}`. Those become commas here, once, at load; the application's own `|`
 * separators stay for splitAppArgs (Set's 1.4 multi-pair form needs them), and `|` inside
 * `$[ ]` stays the OR operator, inside quotes a character.
 */
export function legacyFunctionPipes(data: string): string {
  const stack: ('var' | 'expr' | 'paren')[] = [];
  let quote = false;
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === '\\') {
      out += c + (data[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quote = !quote;
    else if (!quote && c === '$' && data[i + 1] === '{') {
      stack.push('var');
      out += '${';
      i++;
      continue;
    } else if (!quote && c === '$' && data[i + 1] === '[') {
      stack.push('expr');
      out += '$[';
      i++;
      continue;
    } else if (!quote && c === '(') stack.push('paren');
    else if (!quote && (c === ')' || c === '}' || c === ']')) stack.pop();
    else if (!quote && c === '|' && stack[stack.length - 1] === 'paren' && innermostScope(stack) === 'var') {
      out += ',';
      continue;
    }
    out += c;
  }
  return out;
}

function innermostScope(stack: readonly ('var' | 'expr' | 'paren')[]): 'var' | 'expr' | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i] !== 'paren') return stack[i] as 'var' | 'expr';
  return undefined;
}

/**
 * Checks that `(`...`)`, `${`...`}` and `$[`...`]` nest properly (a backslash escapes the next
 * character; parentheses inside double quotes are text). A `}` or `]` outside any `${`/`$[` is
 * plain text, as in Asterisk. Returns a reason, or undefined when the text is balanced.
 */
export function checkNesting(text: string): string | undefined {
  const stack: string[] = [];
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') {
      quote = !quote;
      continue;
    }
    if (c === '$' && (text[i + 1] === '{' || text[i + 1] === '[')) {
      stack.push(text[i + 1] === '{' ? '}' : ']');
      i++;
      continue;
    }
    if (c === '(' && !quote) stack.push(')');
    else if (c === ')' && !quote) {
      if (top !== ')') return top === undefined ? `unbalanced ')'` : `')' closes before ${opener(top)} is closed`;
      stack.pop();
    } else if (c === '{' && stack.includes('}')) stack.push('}');
    else if (c === '[' && stack.includes(']')) stack.push(']');
    else if ((c === '}' || c === ']') && stack.includes(c)) {
      if (top !== c) return `'${c}' closes before ${opener(top)} is closed`;
      stack.pop();
    }
  }
  if (stack.length > 0) return `${opener(stack[stack.length - 1])} is never closed`;
  return undefined;
}

function opener(closer: string | undefined): string {
  return closer === ')' ? `'('` : closer === '}' ? `'\${'` : `'$['`;
}
