/**
 * `pbx check`: the configuration files (config/check.ts) and then the dialplan they imply
 * (extensions.conf + the pbx.conf phones), with the real application registry so an unknown or
 * not-yet-available application is reported at file:line, then the analog ports the dialplan and
 * the box must agree with (analog-check.ts). Touches no data directory.
 */
import { checkConfig, formatErrors, loadConfig, type CheckResult, type ConfigSource } from '../config/index.ts';
import { silentLogger } from '../log/index.ts';
import { checkDialplan } from './dialplan-service.ts';
import { checkAnalog } from './analog-check.ts';
import { readDahdiProc, type DahdiProcFile } from '../platform/dahdi-proc.ts';

export interface CheckDeps {
  /** /proc/dahdi's span files (default: the real ones); undefined = DAHDI not loaded. */
  readDahdiProc?: () => DahdiProcFile[] | undefined;
}

export function checkAll(source: ConfigSource, deps: CheckDeps = {}): CheckResult {
  const base = checkConfig(source);
  const loaded = loadConfig(source);
  if (!loaded.config) return base;
  const dp = checkDialplan(source, loaded.config, silentLogger('dialplan'));
  const lines = [base.output.trimEnd()];
  if (dp.errors.length > 0) lines.push(formatErrors(dp.errors));
  if (dp.warnings.length > 0) lines.push(formatErrors(dp.warnings, 'warning: '));
  if (dp.dialplan) {
    const contexts = [...dp.dialplan.contexts.values()];
    const extensions = contexts.reduce((n, c) => n + c.extensions.length, 0);
    lines.push(`dialplan OK: ${extensions} extension${extensions === 1 ? '' : 's'} in ${contexts.length} context${contexts.length === 1 ? '' : 's'}`);
  } else {
    lines.push(`dialplan has ${dp.errors.length} error${dp.errors.length === 1 ? '' : 's'}; nothing was applied`);
  }
  const analog = checkAnalog(loaded.config, dp.dialplan, deps.readDahdiProc ?? (() => readDahdiProc()));
  if (analog.errors.length > 0) lines.push(formatErrors(analog.errors));
  if (analog.warnings.length > 0) lines.push(formatErrors(analog.warnings, 'warning: '));
  if (loaded.config.analog) {
    const a = loaded.config.analog;
    if (analog.errors.length === 0) lines.push(`analog ports OK (${a.backend} backend): ${a.ports.map((p) => `${p.port} ${p.kind}`).join(', ')}`);
    else lines.push(`analog ports have ${analog.errors.length} error${analog.errors.length === 1 ? '' : 's'}`);
  } else if (analog.errors.length > 0) {
    lines.push(`analog ports have ${analog.errors.length} error${analog.errors.length === 1 ? '' : 's'}`);
  }
  return { ok: base.ok && dp.errors.length === 0 && analog.errors.length === 0, output: `${lines.join('\n')}\n` };
}
