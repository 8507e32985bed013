/**
 * `pbx check --config DIR`: validate a configuration directory and say what is wrong, one
 * `file:line: reason` per error, then warnings prefixed `warning: `, then a one-line summary.
 * The caller turns `ok` into the exit status.
 */
import { formatErrors, loadConfig, type ConfigSource, type LoadResult } from './load.ts';

export interface CheckResult {
  ok: boolean;
  output: string;
}

export function checkConfigDir(dir: string): CheckResult {
  return checkConfig({ dir });
}

export function checkConfig(source: ConfigSource): CheckResult {
  return describe(loadConfig(source));
}

function describe(result: LoadResult): CheckResult {
  const lines: string[] = [];
  if (result.errors.length > 0) lines.push(formatErrors(result.errors));
  if (result.warnings.length > 0) lines.push(formatErrors(result.warnings, 'warning: '));
  const c = result.config;
  if (c) {
    const phones = c.phones.size;
    const peers = c.peers.size;
    lines.push(`configuration OK (${c.sources.join(', ')}): ${plural(phones, 'phone')}, ${plural(peers, 'SIP peer')}`);
    let boxes = 0;
    for (const ctx of c.voicemail.contexts.values()) boxes += ctx.size;
    if (boxes > 0) lines.push(`voicemail OK: ${plural(boxes, 'mailbox')}, mail notification ${c.voicemail.smtp ? `through ${c.voicemail.smtp.host}:${c.voicemail.smtp.port}` : 'off (no smtp in pbx.conf [voicemail])'}`);
  } else {
    lines.push(`configuration has ${plural(result.errors.length, 'error')}; nothing was applied`);
  }
  return { ok: result.errors.length === 0, output: `${lines.join('\n')}\n` };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('x') ? 'es' : 's'}`;
}
