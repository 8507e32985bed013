/**
 * MailboxCount and MailboxStatus (Asterisk's action_mailboxcount / action_mailboxstatus): the
 * message counts of `box[@context]` (several boxes joined by `,` or `&` are summed, as
 * ast_app_inboxcount does), and whether new messages are waiting.
 */
import type { AmiAction, AmiFields } from '../../action.ts';
import { success, withHeaders } from '../reply.ts';
import type { CallActionDeps, MailboxCounts } from './types.ts';

/** Sum of the counts of every box named; boxes voicemail does not know count as empty. */
export function mailboxCounts(spec: string, deps: CallActionDeps): MailboxCounts {
  const total: MailboxCounts = { newMessages: 0, oldMessages: 0, urgentMessages: 0 };
  for (const one of spec.split(/[,&]/)) {
    const t = one.trim();
    if (t === '') continue;
    const at = t.indexOf('@');
    const c = deps.mailbox(at < 0 ? t : t.slice(0, at), at < 0 ? 'default' : t.slice(at + 1) || 'default');
    if (!c) continue;
    total.newMessages += c.newMessages;
    total.oldMessages += c.oldMessages;
    total.urgentMessages += c.urgentMessages;
  }
  return total;
}

/**
 * Both actions: `Mailbox` is required, its boxes' counts summed; `fields` says them after the
 * Mailbox header.
 */
function mailboxAction(name: string, synopsis: string, message: string, fields: (c: MailboxCounts) => AmiFields): AmiAction<CallActionDeps> {
  return {
    name,
    privilege: 'call',
    synopsis,
    run: withHeaders(
      [['Mailbox', 'Mailbox not specified']],
      ([mailbox], _request, _session, deps) => success(message, [['Mailbox', mailbox], ...fields(mailboxCounts(mailbox, deps))]),
      'trimmed',
    ),
  };
}

export const mailboxCountAction = mailboxAction('MailboxCount', 'Check Mailbox Message Count', 'Mailbox Message Count', (c) => [
  ['UrgMessages', String(c.urgentMessages)],
  ['NewMessages', String(c.newMessages)],
  ['OldMessages', String(c.oldMessages)],
]);

export const mailboxStatusAction = mailboxAction('MailboxStatus', 'Check mailbox', 'Mailbox Status', (c) => [['Waiting', c.newMessages + c.urgentMessages > 0 ? '1' : '0']]);
