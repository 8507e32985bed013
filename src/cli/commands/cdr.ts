/**
 * `cdr show status` in Asterisk's layout (cdr.c's handle_cli_status): logging on or off, the
 * mode, unanswered calls, the batch settings with the records waiting, and the backends. The
 * mode is always Batch here (writer.ts: the card is written in batches whatever cdr.conf says).
 */
import type { CdrStatus } from '../../cdr/status.ts';
import type { CommandRegistry } from '../registry.ts';

export function formatCdrStatus(s: CdrStatus | undefined): string {
  const yn = (b: boolean): string => (b ? 'Yes' : 'No');
  const out = ['', 'Call Detail Record (CDR) settings', '----------------------------------'];
  if (!s || !s.enabled) {
    out.push('  Logging:                    Disabled');
    return out.join('\n');
  }
  out.push(
    '  Logging:                    Enabled',
    '  Mode:                       Batch',
    `  Log unanswered calls:       ${yn(s.unanswered)}`,
    '',
    '* Batch Mode Settings',
    '  -------------------',
    `    Safe shutdown:              ${s.safeShutdown ? 'Enabled' : 'Disabled'}`,
    `    Threading model:            ${s.schedulerOnly ? 'Scheduler only' : 'Threaded'}`,
    `    Current batch size:         ${s.pending} record${s.pending === 1 ? '' : 's'}`,
    `    Maximum batch size:         ${s.batchSize} record${s.batchSize === 1 ? '' : 's'}`,
    `    Maximum batch time:         ${s.batchSeconds} second${s.batchSeconds === 1 ? '' : 's'}`,
    `    Next batch processing time: ${s.nextBatchSeconds === undefined ? '-' : `${s.nextBatchSeconds} second${s.nextBatchSeconds === 1 ? '' : 's'}`}`,
  );
  if (!s.configuredBatch) out.push('    (cdr.conf batch = no: records are still written in batches, to spare the flash card)');
  out.push(
    '',
    '* Registered Backends',
    '  -------------------',
    ...s.backends.map((b) => `    ${b}`),
    '',
    `  Records written:            ${s.written} to ${s.file}${s.volatile ? ' (in RAM: capped, lost at reboot)' : ''}`,
    `  Calls in progress:          ${s.active}`,
  );
  return out.join('\n');
}

export function registerCdrCommands(r: CommandRegistry, status: () => CdrStatus | undefined): void {
  r.add({
    words: ['cdr', 'show', 'status'],
    usage: 'cdr show status',
    summary: 'Display the CDR status',
    run: () => formatCdrStatus(status()),
  });
}
