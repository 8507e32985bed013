/**
 * `voicemail show mailqueue` (the notification mails waiting for the smarthost: attempts, next
 * try, last error) and `voicemail mailqueue flush` (try them all now, as `postqueue -f` does,
 * e.g. after the smarthost is back or a reload fixed its address).
 *
 * The queue is taken structurally (a getter, absent when voicemail does not run), so this file
 * does not depend on how the queue is built.
 */
import type { CommandRegistry } from '../registry.ts';
import { isoTime, table } from './format.ts';

export interface ConsoleMailQueue {
  list(): { id: string; kind: string; mailbox: string; to: string; attempts: number; nextTry: number; lastError?: string; bytes: number; sending: boolean }[];
  failedJobs(): number;
  flush(): void;
}

const NOT_RUNNING = 'Voicemail mail is not running (no voicemail configured).';

export function registerVoicemailMailCommands(r: CommandRegistry, queue: () => ConsoleMailQueue | undefined, wallNow: () => number): void {
  r.add({
    words: ['voicemail', 'show', 'mailqueue'],
    usage: 'voicemail show mailqueue',
    summary: 'List notification mails waiting to be sent',
    run: () => {
      const q = queue();
      if (!q) return NOT_RUNNING;
      const jobs = q.list();
      const now = wallNow();
      const rows = jobs.map((j) => [
        j.id,
        j.mailbox,
        j.kind === 'pager' ? `${j.to} (pager)` : j.to,
        String(j.attempts),
        j.sending ? 'sending' : j.nextTry <= now ? 'now' : isoTime(j.nextTry),
        String(j.bytes),
      ]);
      const out = jobs.length ? [table(['ID', 'Mailbox', 'To', 'Attempts', 'Next try', 'Bytes'], rows)] : [];
      for (const j of jobs) if (j.lastError) out.push(`${j.id}: ${j.lastError}`);
      const failed = q.failedJobs();
      out.push(`${jobs.length} mail${jobs.length === 1 ? '' : 's'} queued${failed ? `, ${failed} rejected and kept in .mailqueue/failed/` : ''}`);
      return out.join('\n');
    },
  });
  r.add({
    words: ['voicemail', 'mailqueue', 'flush'],
    usage: 'voicemail mailqueue flush',
    summary: 'Try every queued notification mail now',
    run: () => {
      const q = queue();
      if (!q) return NOT_RUNNING;
      const n = q.list().length;
      q.flush();
      return `Retrying ${n} queued mail${n === 1 ? '' : 's'} now.`;
    },
  });
}
