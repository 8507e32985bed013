/**
 * Console tables for the analog ports, as pure functions of engine state (the CLI registers the
 * commands). `dahdi show channels` follows the column layout of Asterisk's chan_dahdi
 * ("Chan Extension Context Language MOH Interpret Blocked State"); `sim show` is ours.
 */
import type { NativeSimPortStatus } from '../platform/native.ts';

const HEARS: Readonly<Record<string, string>> = {
  dial: 'dial tone',
  dialrecall: 'stutter dial',
  ringback: 'ringback',
  busy: 'busy tone',
  congestion: 'congestion tone',
  silence: 'silence',
  tone: 'an unknown tone',
  audio: 'audio',
  ringing: 'ringing',
  nothing: '-',
};

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s.padEnd(n);
}

/** `sim show`: one line per port, what each sim phone hears and what each sim line received. */
export function formatSimShow(ports: readonly NativeSimPortStatus[]): string {
  const lines = [`${pad('Port', 6)}${pad('Sim', 7)}${pad('State', 10)}${pad('Hears', 17)}Digits / Caller ID`];
  for (const p of ports) {
    const what = p.kind === 'fxs' ? 'phone' : 'line';
    const hears = p.kind === 'fxs' ? (HEARS[p.hears] ?? p.hears) : p.hears === 'silence' ? '-' : `plays ${HEARS[p.hears] ?? p.hears}`;
    const extra: string[] = [];
    if (p.vmwi) extra.push(`VMWI ${p.vmwi}`);
    if (p.tones) extra.push(`tones ${p.tones} Hz`);
    if (p.alerts) extra.push(`call waiting alerts ${p.alerts}`);
    if (p.digits) extra.push(p.kind === 'fxs' ? `heard DTMF ${p.digits}` : `PBX dialed ${p.digits}`);
    if (p.callerAbsence) extra.push(`CID ${p.callerAbsence}${p.callerName ? ` "${p.callerName}"` : ''}`);
    else if (p.callerNumber || p.callerName) extra.push(`CID ${p.callerNumber} "${p.callerName}"`);
    lines.push(`${pad(String(p.port), 6)}${pad(what, 7)}${pad(p.state, 10)}${pad(hears, 17)}${extra.join(', ') || '-'}`);
  }
  lines.push(`${ports.length} sim port${ports.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export interface DahdiChannelRow {
  channel: number;
  extension: string;
  context: string;
  language: string;
  mohInterpret: string;
  blocked: boolean;
  /** 'In Service', 'Out of Service', ... as chan_dahdi prints */
  state: string;
}

/** `dahdi show channels` in chan_dahdi's layout, pseudo channel first as Asterisk prints it. */
export function formatDahdiChannels(rows: readonly DahdiChannelRow[]): string {
  const fmt = (a: string, b: string, c: string, d: string, e: string, f: string, g: string): string =>
    `${a.padStart(7)} ${b.padEnd(10)} ${c.padEnd(10)} ${d.padEnd(10)} ${e.padEnd(10)} ${f.padEnd(9)} ${g}`.trimEnd();
  const out = [fmt('Chan', 'Extension', 'Context', 'Language', 'MOH Interpret', 'Blocked', 'State')];
  out.push(fmt('pseudo', '', 'default', '', 'default', '', 'In Service'));
  for (const r of rows) {
    out.push(fmt(String(r.channel), r.extension, r.context, r.language, r.mohInterpret, r.blocked ? 'Yes' : '', r.state));
  }
  return out.join('\n');
}
