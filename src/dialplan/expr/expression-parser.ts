/**
 * The `$[ ]` grammar of Asterisk's main/ast_expr2.y as a precedence-climbing parser. Levels,
 * lowest first (all left-associative except the unary operators):
 *
 *   1  cond ? a :: b
 *   2  |
 *   3  &
 *   4  =  !=  <  >  <=  >=
 *   5  +  -
 *   6  *  /  %
 *   7  unary !  unary -          (bind looser than the regex operators below)
 *   8  :  =~  ~~
 *
 * Primaries are a token, `( expr )`, or `NAME(arg, arg, ...)` (a math function or a dialplan
 * function). A syntax error throws PbxError('DIALPLAN_EXPRESSION') with Asterisk's caret line.
 */
import { PbxError } from '../../core/errors.ts';
import { tokenize } from './expression-lexer.ts';
import type { Token, TokenKind } from './expression-lexer.ts';

export type BinaryOp = Exclude<TokenKind, 'compl' | 'cond' | 'coloncolon' | 'comma' | 'lp' | 'rp' | 'string' | 'number'>;

export type ExprNode =
  | { k: 'lit'; numeric: boolean; text: string }
  | { k: 'bin'; op: BinaryOp; l: ExprNode; r: ExprNode }
  | { k: 'neg'; e: ExprNode }
  | { k: 'not'; e: ExprNode }
  | { k: 'cond'; c: ExprNode; a: ExprNode; b: ExprNode }
  | { k: 'call'; name: string; args: ExprNode[] }
  /** The empty expression `$[]` (its value is the empty string). */
  | { k: 'empty' };

const BINARY_LEVEL: Partial<Record<TokenKind, number>> = {
  or: 2,
  and: 3,
  eq: 4,
  ne: 4,
  lt: 4,
  gt: 4,
  le: 4,
  ge: 4,
  plus: 5,
  minus: 5,
  mult: 6,
  div: 6,
  mod: 6,
  colon: 8,
  eqtilde: 8,
  tildetilde: 8,
};

const COND_LEVEL = 1;
const UNARY_LEVEL = 7;

const SHOWN: Partial<Record<TokenKind, string>> = { string: '<token>', number: '<token>' };

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  parse(): ExprNode {
    if (this.toks.length === 0) return { k: 'empty' };
    const e = this.expr(0);
    if (this.i < this.toks.length) this.fail(this.toks[this.i], 'expecting $end');
    return e;
  }

  /** Parse operators whose level is > minLevel. */
  private expr(minLevel: number): ExprNode {
    let left = this.unary();
    for (;;) {
      const t = this.toks[this.i];
      if (!t) return left;
      if (t.kind === 'cond') {
        if (COND_LEVEL <= minLevel) return left;
        this.i++;
        const a = this.expr(0);
        const sep = this.toks[this.i];
        if (!sep || sep.kind !== 'coloncolon') this.fail(sep, "expecting '::'");
        this.i++;
        const b = this.expr(COND_LEVEL);
        left = { k: 'cond', c: left, a, b };
        continue;
      }
      const level = BINARY_LEVEL[t.kind];
      if (level === undefined || level <= minLevel) return left;
      this.i++;
      const right = this.expr(level);
      left = { k: 'bin', op: t.kind as BinaryOp, l: left, r: right };
    }
  }

  private unary(): ExprNode {
    const t = this.toks[this.i];
    if (!t) this.fail(undefined, '');
    if (t.kind === 'compl' || t.kind === 'minus') {
      this.i++;
      const e = this.expr(UNARY_LEVEL);
      return t.kind === 'compl' ? { k: 'not', e } : { k: 'neg', e };
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const t = this.toks[this.i];
    if (t.kind === 'lp') {
      this.i++;
      const e = this.expr(0);
      const rp = this.toks[this.i];
      if (!rp || rp.kind !== 'rp') this.fail(rp, "expecting ')'");
      this.i++;
      return e;
    }
    if (t.kind === 'string' || t.kind === 'number') {
      this.i++;
      const next = this.toks[this.i];
      if (next && next.kind === 'lp') {
        this.i++;
        return { k: 'call', name: t.text, args: this.argList() };
      }
      return { k: 'lit', numeric: t.kind === 'number', text: t.text };
    }
    return this.fail(t, '');
  }

  /** `expr (, expr?)* )`: at least one argument; an empty argument after a comma is ''. */
  private argList(): ExprNode[] {
    const args: ExprNode[] = [this.expr(0)];
    for (;;) {
      const t = this.toks[this.i];
      if (!t) this.fail(undefined, "expecting ')'");
      if (t.kind === 'rp') {
        this.i++;
        return args;
      }
      if (t.kind !== 'comma') this.fail(t, "expecting ')'");
      this.i++;
      const n = this.toks[this.i];
      if (n && (n.kind === 'comma' || n.kind === 'rp')) args.push({ k: 'lit', numeric: false, text: '' });
      else args.push(this.expr(0));
    }
  }

  private fail(t: Token | undefined, expecting: string): never {
    const what = t ? `'${SHOWN[t.kind] ?? t.text}'` : '$end';
    const pos = t ? t.pos : this.src.length;
    const tail = expecting ? `, ${expecting}` : '';
    throw new PbxError(
      'DIALPLAN_EXPRESSION',
      `syntax error: syntax error, unexpected ${what}${tail}; Input:\n${this.src}\n${' '.repeat(pos)}^`,
    );
  }
}

export function parseExpression(src: string): ExprNode {
  return new Parser(tokenize(src), src).parse();
}
