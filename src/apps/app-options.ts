/**
 * Asterisk's application option strings (`r`, `m(class)`, `g(6)`, `d(ctx)`): each letter, with
 * the text in the parentheses after it ('' when none), as app.h's option parser reads them.
 */
export function parseAppOptions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < text.length; i++) {
    const letter = text[i]!;
    if (/\s/.test(letter)) continue;
    let arg = '';
    if (text[i + 1] === '(') {
      const close = text.indexOf(')', i + 2);
      arg = close < 0 ? text.slice(i + 2) : text.slice(i + 2, close);
      i = close < 0 ? text.length : close;
    }
    out.set(letter, arg);
  }
  return out;
}
