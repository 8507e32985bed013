/**
 * Questions the dialplan asks about mailboxes (MailboxExists, HasVoicemail, VMCOUNT, VM_INFO,
 * MAILBOX_EXISTS): the 1.2/1.4 `vmbox/folder@context` spellings and live message counts from
 * the spool.
 */
import type { VoicemailRuntime } from './runtime.ts';
import { findBox } from './deposit.ts';
import type { VoicemailFolder } from '../../store/voicemail-types.ts';

/** `vmbox[/folder][@context]` or `vmbox[@context][:folder]` (both spellings of 1.2/1.4). */
export function parseBoxFolder(text: string): { box: string; context: string; folder: string } {
  let t = text.trim();
  let folder = 'INBOX';
  const colon = t.indexOf(':');
  if (colon >= 0) {
    folder = t.slice(colon + 1) || folder;
    t = t.slice(0, colon);
  }
  const at = t.indexOf('@');
  const left = at < 0 ? t : t.slice(0, at);
  const context = at < 0 ? 'default' : t.slice(at + 1) || 'default';
  const slash = left.indexOf('/');
  const box = slash < 0 ? left : left.slice(0, slash);
  if (slash >= 0) folder = left.slice(slash + 1) || folder;
  return { box, context, folder };
}

/**
 * Messages in one folder of a box (0 for an unknown box or folder). INBOX also counts the
 * Urgent folder, as app_voicemail's messagecount does.
 */
export function countMessages(vm: VoicemailRuntime | undefined, box: string, context: string, folder: string): number {
  if (!vm || !findBox(vm.config(), box, context)) return 0;
  const known: VoicemailFolder[] = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5', 'Urgent'];
  const f = known.find((k) => k.toLowerCase() === folder.trim().toLowerCase());
  if (!f) return 0;
  const n = vm.spool.list(context, box, f).length;
  return f === 'INBOX' ? n + vm.spool.list(context, box, 'Urgent').length : n;
}
