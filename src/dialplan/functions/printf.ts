/**
 * A C printf formatter for one conversion at a time (%[flags][width][.precision]conv), used by
 * SPRINTF and MATH so their output matches what Asterisk's snprintf produces.
 */

export interface Conversion {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  conv: string;
}

function pad(body: string, sign: string, c: Conversion, zeroAllowed: boolean): string {
  const width = c.width ?? 0;
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  if (c.flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (c.flags.includes('0') && zeroAllowed) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

function signOf(negative: boolean, flags: string): string {
  if (negative) return '-';
  if (flags.includes('+')) return '+';
  if (flags.includes(' ')) return ' ';
  return '';
}

/** %e body: mantissa with `precision` decimals and a two-digit exponent. */
function expo(x: number, precision: number, upper: boolean): string {
  const [m, e] = x.toExponential(precision).split('e');
  const ev = Number(e);
  const s = `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  return upper ? s.toUpperCase() : s;
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  const [m, e] = s.split(/(?=[eE])/);
  const t = m.replace(/0+$/, '').replace(/\.$/, '');
  return e ? t + e : t;
}

/** %g body. */
function general(x: number, precision: number, upper: boolean, alt: boolean): string {
  const p = precision === 0 ? 1 : precision;
  if (x === 0) return alt ? (0).toFixed(p - 1) : '0';
  const exp = Number(x.toExponential(p - 1).split('e')[1]);
  const s = exp < -4 || exp >= p ? expo(x, p - 1, upper) : x.toFixed(Math.max(0, p - 1 - exp));
  return alt ? s : stripZeros(s);
}

export function formatFloat(x: number, c: Conversion): string {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const upper = c.conv === c.conv.toUpperCase();
  let body: string;
  if (!Number.isFinite(a)) body = Number.isNaN(a) ? 'nan' : 'inf';
  else {
    const p = c.precision ?? 6;
    switch (c.conv.toLowerCase()) {
      case 'e':
        body = expo(a, p, upper);
        break;
      case 'g':
        body = general(a, p, upper, c.flags.includes('#'));
        break;
      default:
        body = a.toFixed(p);
    }
  }
  if (upper) body = body.toUpperCase();
  return pad(body, signOf(neg, c.flags), c, Number.isFinite(a));
}

export function formatInteger(n: number, c: Conversion): string {
  const conv = c.conv;
  let v = Math.trunc(n);
  let neg = false;
  let body: string;
  if (conv === 'd' || conv === 'i') {
    v = v | 0;
    neg = v < 0;
    body = String(Math.abs(v));
  } else {
    v = v >>> 0;
    body = conv === 'o' ? v.toString(8) : conv === 'x' ? v.toString(16) : conv === 'X' ? v.toString(16).toUpperCase() : String(v);
    if (c.flags.includes('#') && v !== 0) body = conv === 'o' ? '0' + body : conv === 'x' ? '0x' + body : conv === 'X' ? '0X' + body : body;
  }
  if (c.precision !== undefined) body = body.padStart(c.precision, '0');
  const sign = conv === 'd' || conv === 'i' ? signOf(neg, c.flags) : '';
  return pad(body, sign, c, c.precision === undefined);
}

export function formatString(s: string, c: Conversion): string {
  const body = c.precision !== undefined ? s.slice(0, c.precision) : s;
  return pad(body, '', c, false);
}
