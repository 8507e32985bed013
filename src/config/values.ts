/**
 * Value syntaxes shared by pbx.conf and sip.conf: booleans the Asterisk way, ports, addresses,
 * host[:port] and caller ID. Each parser returns the value, or a string saying what is wrong
 * (the caller adds the file, line and key), never throws.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(why: string): Parsed<T> => ({ ok: false, why });

const TRUE_WORDS = new Set(['yes', 'true', 'y', 't', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'false', 'n', 'f', 'off', '0']);

/** Asterisk's yes/no words (ast_true/ast_false accept the same set). */
export function parseBool(s: string): Parsed<boolean> {
  const v = s.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return ok(true);
  if (FALSE_WORDS.has(v)) return ok(false);
  return bad(`expected yes or no`);
}

/** A whole decimal number in [min, max]. */
export function parseInteger(s: string, min: number, max: number): Parsed<number> {
  const v = s.trim();
  if (!/^-?\d+$/.test(v)) return bad(`expected a whole number from ${min} to ${max}`);
  const n = Number(v);
  if (n < min || n > max) return bad(`must be from ${min} to ${max}`);
  return ok(n);
}

export function parsePort(s: string): Parsed<number> {
  const v = s.trim();
  if (!/^\d+$/.test(v)) return bad(`port '${v}' is not a number`);
  const n = Number(v);
  if (n < 1 || n > 65535) return bad(`port ${n} is out of range 1-65535`);
  return ok(n);
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && !(p.length > 1 && p[0] === '0'));
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length < 2) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | undefined => {
    if (h === '') return [];
    const g = h.split(':');
    // An embedded IPv4 address counts as two groups and may only come last.
    const last = g[g.length - 1];
    if (last.includes('.')) {
      if (!isIPv4(last)) return undefined;
      g.splice(g.length - 1, 1, '0', '0');
    }
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : undefined;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return false;
  if (halves.length === 2 && halves[0].includes('.')) return false;
  const n = head.length + tail.length;
  return halves.length === 2 ? n <= 7 : n === 8;
}

/** RFC 1123 host name (letters, digits, hyphens; dot-separated labels of at most 63). */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s
    .replace(/\.$/, '')
    .split('.')
    .every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

export function isHost(s: string): boolean {
  return isIPv4(s) || isIPv6(s) || isHostname(s);
}

/**
 * `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT`, or a bare IPv6 address (which cannot carry a port).
 * The port is undefined when not given so callers pick their own default.
 */
export function parseHostPort(s: string): Parsed<{ host: string; port?: number }> {
  const v = s.trim();
  if (v === '') return bad('no host given');
  let host: string;
  let portText: string | undefined;
  if (v.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(v);
    if (!m || !isIPv6(m[1])) return bad(`'${v}' is not a valid [IPv6]:PORT`);
    host = m[1];
    portText = m[2];
  } else if (isIPv6(v)) {
    return ok({ host: v });
  } else {
    const i = v.lastIndexOf(':');
    host = i < 0 ? v : v.slice(0, i);
    portText = i < 0 ? undefined : v.slice(i + 1);
    if (!isHost(host)) return bad(`'${host}' is not a valid host name or address`);
  }
  if (portText === undefined) return ok({ host });
  const p = parsePort(portText);
  return p.ok ? ok({ host, port: p.value }) : p;
}

/** Caller ID as Asterisk writes it: `"Name" <number>`, `Name <number>`, `<number>`, `number`, or `Name`. */
export function parseCallerId(s: string): Parsed<{ name?: string; number?: string }> {
  const v = s.trim();
  if (v === '') return bad('empty caller ID');
  const angle = /^(.*?)\s*<([^<>]*)>$/.exec(v);
  if (angle) {
    const name = unquote(angle[1].trim());
    const number = angle[2].trim();
    if (number !== '' && !/^[0-9*#+]+$/.test(number)) return bad(`caller ID number '${number}' may hold only digits, *, # and +`);
    return ok({ ...(name ? { name } : {}), ...(number ? { number } : {}) });
  }
  if (/^[0-9*#+]+$/.test(v)) return ok({ number: v });
  if (/[<>]/.test(v)) return bad(`expected "Name" <number>`);
  return ok({ name: unquote(v) });
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\"/g, '"') : s;
}

/** Split a comma/space separated list, dropping empty items. */
export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** IPv4 address to a 32-bit number, for subnet checks. */
export function ipv4ToNumber(s: string): number {
  return s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Whether two IPv4 addresses share the first `prefix` bits. */
export function sameIPv4Subnet(a: string, b: string, prefix: number): boolean {
  if (prefix === 0) return true;
  const size = 2 ** (32 - prefix);
  return Math.floor(ipv4ToNumber(a) / size) === Math.floor(ipv4ToNumber(b) / size);
}
