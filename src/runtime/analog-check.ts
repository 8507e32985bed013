/**
 * `pbx check` for analog ports: configuration that names a port that does not exist fails with
 * the reason. Two sources of such names:
 *  - the dialplan: a literal `Dial(DAHDI/7)`, `Dial(DAHDI/g2/...)` (or the old `Zap/`) whose port
 *    or group no analog configuration defines -> error at the extensions.conf line;
 *  - the box: with the dahdi backend, every configured channel must be one DAHDI knows, with the
 *    matching signalling (/proc/dahdi). Without /proc/dahdi (DAHDI not loaded, or not this box)
 *    that cannot be verified: a warning says so.
 * Pure apart from the injected /proc reader.
 */
import { ConfigError } from '../core/errors.ts';
import type { AnalogConfig, AnalogPortConfig, PbxConfig } from '../config/index.ts';
import type { Dialplan } from '../dialplan/types.ts';
import type { DahdiProcFile } from '../platform/dahdi-proc.ts';

export interface AnalogCheckResult {
  errors: ConfigError[];
  warnings: ConfigError[];
}

/** One channel line of a /proc/dahdi span file: `   3 WCTDM/0/2 FXSKS (In use)`. */
export interface DahdiProcChannel {
  channel: number;
  /** DAHDI's signalling name (FXOKS, FXSLS...); undefined when the channel is not configured. */
  signalling?: string;
  /** The line as DAHDI wrote it (trimmed), for messages. */
  line: string;
}

export function parseDahdiProc(files: readonly DahdiProcFile[]): Map<number, DahdiProcChannel> {
  const out = new Map<number, DahdiProcChannel>();
  for (const f of files) {
    for (const raw of f.text.split('\n')) {
      const m = /^\s+(\d+)\s+(\S+)(?:\s+(\S+))?/.exec(raw);
      if (!m) continue;
      const sig = m[3] !== undefined && /^[A-Z][A-Z0-9&_]*$/.test(m[3]) ? m[3] : undefined;
      out.set(Number(m[1]), { channel: Number(m[1]), ...(sig ? { signalling: sig } : {}), line: raw.trim() });
    }
  }
  return out;
}

export function checkAnalog(config: PbxConfig, dialplan: Dialplan | undefined, readProc: () => DahdiProcFile[] | undefined): AnalogCheckResult {
  const result: AnalogCheckResult = { errors: [], warnings: [] };
  if (dialplan) checkDialplanPorts(config.analog, dialplan, result);
  const analog = config.analog;
  if (analog?.backend === 'dahdi' && analog.ports.length > 0) checkProc(analog, readProc(), result);
  return result;
}

/** `DAHDI/7`, `Zap/g1/555`, `DAHDI/R2/555` in a Dial's device list -> what it names. */
export function dahdiTargets(appData: string): { device: string; port?: number; group?: number }[] {
  const devices = (appData.split(',')[0] ?? '').split('&').map((d) => d.trim());
  const out: { device: string; port?: number; group?: number }[] = [];
  for (const d of devices) {
    const m = /^(?:DAHDI|Zap)\/([^/]*)/i.exec(d);
    if (!m || m[1].includes('$')) continue; // not DAHDI, or computed at run time
    const port = /^(\d+)$/.exec(m[1]);
    const group = /^[gGrR](\d+)$/.exec(m[1]);
    if (port) out.push({ device: m[0], port: Number(port[1]) });
    else if (group) out.push({ device: m[0], group: Number(group[1]) });
  }
  return out;
}

function checkDialplanPorts(analog: AnalogConfig | undefined, dialplan: Dialplan, result: AnalogCheckResult): void {
  const ports = analog?.ports ?? [];
  const numbers = ports.map((p) => p.port);
  const groups = [...new Set(ports.flatMap(groupsOf))].sort((a, b) => a - b);
  const none = 'no analog ports are configured: pbx.conf [analog] or chan_dahdi.conf';
  for (const ctx of dialplan.contexts.values()) {
    for (const ext of ctx.extensions) {
      for (const p of ext.priorities) {
        if (p.app.toLowerCase() !== 'dial') continue;
        for (const t of dahdiTargets(p.appData)) {
          const at = p.source;
          if (t.port !== undefined && !numbers.includes(t.port)) {
            const why = ports.length === 0 ? none : `ports are ${numbers.join(',')}`;
            result.errors.push(new ConfigError(at.file, at.line, `${t.device}: no analog port ${t.port} (${why})`));
          } else if (t.group !== undefined && !groups.includes(t.group)) {
            const why = ports.length === 0 ? none : groups.length === 0 ? 'no port is in a group' : `groups are ${groups.join(',')}`;
            result.errors.push(new ConfigError(at.file, at.line, `${t.device}: no analog port is in group ${t.group} (${why})`));
          }
        }
      }
    }
  }
}

function groupsOf(p: AnalogPortConfig): number[] {
  return p.groups ?? (p.group !== undefined ? [p.group] : []);
}

function checkProc(analog: AnalogConfig, files: DahdiProcFile[] | undefined, result: AnalogCheckResult): void {
  if (files === undefined) {
    result.warnings.push(new ConfigError(analog.origin.file, analog.origin.line, 'cannot verify DAHDI channels: DAHDI not loaded (no /proc/dahdi)'));
    return;
  }
  const proc = parseDahdiProc(files);
  const known = [...proc.keys()].sort((a, b) => a - b);
  for (const port of analog.ports) {
    const at = port.origin ?? analog.origin;
    const ch = proc.get(port.port);
    const what = `DAHDI channel ${port.port} (${port.kind === 'fxs' ? 'FXS port, a phone' : 'FXO port, a line'})`;
    if (!ch) {
      result.errors.push(new ConfigError(at.file, at.line, `${what}: not in /proc/dahdi (${known.length > 0 ? `DAHDI has channels ${ranges(known)}` : 'DAHDI has no channels: no card found?'})`));
      continue;
    }
    // DAHDI names the signalling the PBX uses: a phone port runs FXO signalling (fxoks in
    // system.conf), a line port FXS signalling.
    const want = port.signalling ? port.signalling.replace('_', '').toUpperCase() : undefined;
    const family = port.kind === 'fxs' ? 'FXO' : 'FXS';
    if (!ch.signalling) {
      result.errors.push(new ConfigError(at.file, at.line, `${what}: not configured in DAHDI (/proc/dahdi: '${ch.line}'; set ${(want ?? `${family}KS`).toLowerCase()} in system.conf and run dahdi_cfg)`));
    } else if (want ? ch.signalling !== want : !ch.signalling.startsWith(family)) {
      result.errors.push(new ConfigError(at.file, at.line, `${what}: needs ${want ?? `${family}xx`} signalling, /proc/dahdi says ${ch.signalling} ('${ch.line}')`));
    }
  }
}

/** [1,2,3,5] -> '1-3,5'. */
function ranges(ns: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ns.length; i++) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j] + 1) j++;
    parts.push(j > i ? `${ns[i]}-${ns[j]}` : `${ns[i]}`);
    i = j;
  }
  return parts.join(',');
}
