/**
 * pbx.conf [analog]: which ports are phones (FXS) and which are lines (FXO), which extension
 * rings each phone, where line calls go, and the backend (sim or real DAHDI cards):
 *
 *   [analog]
 *   backend = sim        ; sim | dahdi
 *   fxs = 1-2            ; phones on ports 1 and 2 (lists: 1,3 or 1-2,4)
 *   fxo = 3              ; a line from the exchange on port 3
 *   1 = 2100             ; the phone on FXS port 1 is extension 2100
 *   context = from-pstn  ; incoming line calls start here at `s` (default: default)
 *   group = 1            ; the FXO ports form line group 1 for Dial(DAHDI/g1/NUMBER)
 *
 * A port named twice, an extension given to a port that is not an FXS port, an extension used
 * twice (or also a [phones] line) and, with the sim backend, a gap in the numbering are errors
 * at their line, so `pbx check` names them.
 *
 * chan_dahdi.conf (chan-dahdi-conf.ts) may define ports too: they are merged here. A port in
 * both files is an error; `N = EXT` may give a chan_dahdi.conf phone port its extension. With
 * chan_dahdi.conf ports and no `backend =`, the backend is dahdi.
 */
import type { ConfSection } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { PHONES_CONTEXT, type AnalogConfig, type AnalogPortConfig } from './model.ts';
import { parseInteger } from './values.ts';

export const ANALOG_KEYS = ['backend', 'fxs', 'fxo', 'context', 'group'] as const;
/** Ports a box can have (DAHDI numbers channels from 1; 32 covers two quad cards and an E1). */
export const MAX_ANALOG_PORT = 32;

/** `1-2,4` -> [1, 2, 4]; undefined (with the reason) when malformed. */
export function parsePortList(text: string): number[] | string {
  const out: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d{1,2})(?:\s*-\s*(\d{1,2}))?$/.exec(part);
    if (!m) return `'${part}' is not a port or range (e.g. 1, 1-4, 1,3)`;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (from < 1 || to > MAX_ANALOG_PORT || to < from) return `'${part}': ports are 1 to ${MAX_ANALOG_PORT}, low to high`;
    for (let p = from; p <= to; p++) out.push(p);
  }
  return out;
}

/**
 * Reads [analog]; `phoneExtensions` are the [phones] numbers (an FXS extension may not reuse one);
 * `external` are the chan_dahdi.conf ports.
 */
export function readAnalog(
  section: ConfSection,
  phoneExtensions: ReadonlySet<string>,
  diag: Diagnostics,
  external: readonly AnalogPortConfig[] = [],
): AnalogConfig | undefined {
  const origin: Origin = { file: section.file, line: section.line };
  let backend: 'sim' | 'dahdi' = external.length > 0 ? 'dahdi' : 'sim';
  const externalByPort = new Map(external.map((p) => [p.port, p]));
  let context = 'default';
  let group: number | undefined;
  const kinds = new Map<number, { kind: 'fxs' | 'fxo'; at: Origin }>();
  const extensions: { port: number; extension: string; at: Origin }[] = [];
  const seen = new Map<string, Origin>();
  const errorsBefore = diag.errors.length;

  for (const e of section.entries) {
    const at = { file: e.file, line: e.line };
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    if (/^\d+$/.test(key)) {
      if (!/^[0-9*#]{1,20}$/.test(v)) diag.error(at, `invalid extension '${v}' for port ${key}: expected digits`);
      else extensions.push({ port: Number(key), extension: v, at });
      continue;
    }
    if (!(ANALOG_KEYS as readonly string[]).includes(key)) {
      diag.error(at, `unknown key '${e.key}' in [analog]${didYouMean(e.key, ANALOG_KEYS)} (a port's extension is written '1 = 2100')`);
      continue;
    }
    const first = seen.get(key);
    if (first && key !== 'fxs' && key !== 'fxo') {
      diag.error(at, `duplicate key '${e.key}' in [analog] (first at ${first.file}:${first.line})`);
      continue;
    }
    seen.set(key, at);
    switch (key) {
      case 'backend':
        if (v === 'sim' || v === 'dahdi') backend = v;
        else diag.error(at, `invalid backend '${v}': expected sim or dahdi`);
        break;
      case 'context':
        if (/^[A-Za-z0-9_.+-]+$/.test(v)) context = v;
        else diag.error(at, `invalid context '${v}'`);
        break;
      case 'group': {
        const g = parseInteger(v, 0, 63);
        if (g.ok) group = g.value;
        else diag.error(at, `invalid group '${v}': ${g.why}`);
        break;
      }
      default: {
        const list = parsePortList(v);
        if (typeof list === 'string') {
          diag.error(at, `invalid ${key} '${v}': ${list}`);
          break;
        }
        for (const p of list) {
          const prev = kinds.get(p);
          const ext = externalByPort.get(p);
          if (prev) diag.error(at, `port ${p} is listed twice (first as ${prev.kind} at ${prev.at.file}:${prev.at.line})`);
          else if (ext) diag.error(at, `port ${p} is also defined in ${ext.origin ? `${ext.origin.file}:${ext.origin.line}` : 'chan_dahdi.conf'}: define each port in one file`);
          else kinds.set(p, { kind: key as 'fxs' | 'fxo', at });
        }
      }
    }
  }

  const byPort = new Map<number, string>();
  const byExtension = new Map<string, number>();
  for (const [p, ext] of externalByPort) if (!kinds.has(p)) kinds.set(p, { kind: ext.kind, at: ext.origin ?? origin });
  for (const x of extensions) {
    const k = kinds.get(x.port);
    if (!k) diag.error(x.at, `port ${x.port} does not exist: list it in fxs = (ports are ${describePorts(kinds)})`);
    else if (k.kind !== 'fxs') diag.error(x.at, `port ${x.port} is an FXO port (a line): only FXS ports (phones) have an extension`);
    else if (byPort.has(x.port)) diag.error(x.at, `port ${x.port} is given an extension twice`);
    else if (byExtension.has(x.extension)) diag.error(x.at, `extension ${x.extension} is already FXS port ${byExtension.get(x.extension)}`);
    else if (phoneExtensions.has(x.extension)) diag.error(x.at, `extension ${x.extension} is already a phone in [phones]`);
    else {
      byPort.set(x.port, x.extension);
      byExtension.set(x.extension, x.port);
    }
  }
  const numbers = [...kinds.keys()].sort((a, b) => a - b);
  if (backend === 'sim') {
    const gap = numbers.findIndex((p, i) => p !== i + 1);
    if (gap >= 0) diag.error(origin, `sim ports are numbered 1 to N without gaps: port ${gap + 1} is missing`);
  }
  if (numbers.length === 0) diag.warn(origin, '[analog] lists no port (fxs = / fxo =)');
  if (diag.errors.length > errorsBefore) return undefined;

  const ports: AnalogPortConfig[] = numbers.map((port) => {
    const kind = kinds.get(port)!.kind;
    const extension = byPort.get(port);
    const ext = externalByPort.get(port);
    if (ext) return { ...ext, ...(extension !== undefined ? { extension } : {}) };
    if (kind === 'fxs') return { port, kind, context: PHONES_CONTEXT, ...(extension !== undefined ? { extension } : {}) };
    return { port, kind, context, ...(group !== undefined ? { group } : {}) };
  });
  return { backend, ports, origin };
}

function describePorts(kinds: Map<number, { kind: 'fxs' | 'fxo' }>): string {
  const fxs = [...kinds].filter(([, k]) => k.kind === 'fxs').map(([p]) => p);
  return fxs.length > 0 ? `fxs ${fxs.join(',')}` : 'no FXS port';
}
