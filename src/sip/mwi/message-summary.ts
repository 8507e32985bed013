/**
 * The `application/simple-message-summary` body of the `message-summary` event package
 * (RFC 3842 section 5.2):
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:2000@192.0.2.1
 *   Voice-Message: 2/8 (0/2)
 *
 * `Messages-Waiting` is yes when any new message waits (RFC 3842 5.2: "yes" if there are new
 * messages); the voice-message line counts new/old and, in parentheses, the urgent new/old.
 * Asterisk counts a box's INBOX (and Urgent) as new and its Old folder as old; a peer with
 * several boxes (`mailbox=2000,2001@sales`) gets the sums, as chan_sip reports them.
 */

export const MESSAGE_SUMMARY_EVENT = 'message-summary';
export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';

/** Counts of one box or of a peer's boxes together (the shape of store's MessageCounts). */
export interface MessageSummaryCounts {
  newMessages: number;
  oldMessages: number;
  urgentNew: number;
  urgentOld: number;
}

export const NO_MESSAGES: Readonly<MessageSummaryCounts> = Object.freeze({ newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 });

/** The sum of several boxes' counts (an empty list is no messages). */
export function sumCounts(list: readonly MessageSummaryCounts[]): MessageSummaryCounts {
  const total = { ...NO_MESSAGES };
  for (const c of list) {
    total.newMessages += c.newMessages;
    total.oldMessages += c.oldMessages;
    total.urgentNew += c.urgentNew;
    total.urgentOld += c.urgentOld;
  }
  return total;
}

export function sameCounts(a: MessageSummaryCounts, b: MessageSummaryCounts): boolean {
  return a.newMessages === b.newMessages && a.oldMessages === b.oldMessages && a.urgentNew === b.urgentNew && a.urgentOld === b.urgentOld;
}

/** The body for `account` (a SIP URI, `sip:BOX@HOST`), lines ending in CRLF. */
export function formatMessageSummary(account: string, counts: MessageSummaryCounts): string {
  const n = (v: number): number => Math.max(0, Math.floor(v));
  return (
    `Messages-Waiting: ${n(counts.newMessages) > 0 ? 'yes' : 'no'}\r\n` +
    `Message-Account: ${account}\r\n` +
    `Voice-Message: ${n(counts.newMessages)}/${n(counts.oldMessages)} (${n(counts.urgentNew)}/${n(counts.urgentOld)})\r\n`
  );
}

/** One box of a peer's `mailbox=` value. */
export interface MailboxRef {
  box: string;
  context: string;
}

/**
 * sip.conf `mailbox=`: boxes separated by `,` or `&`, each `BOX[@CONTEXT]` (context `default`
 * when absent, as Asterisk reads it). Empty entries are skipped; duplicates count once.
 */
export function parseMailboxList(value: string | undefined): MailboxRef[] {
  if (!value) return [];
  const seen = new Set<string>();
  const out: MailboxRef[] = [];
  for (const raw of value.split(/[,&]/)) {
    const item = raw.trim();
    if (!item) continue;
    const at = item.indexOf('@');
    const box = (at < 0 ? item : item.slice(0, at)).trim();
    const context = (at < 0 ? '' : item.slice(at + 1).trim()) || 'default';
    if (!box) continue;
    const key = `${box}@${context}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ box, context });
  }
  return out;
}

/** `sip:BOX@HOST` for the Message-Account line (IPv6 hosts bracketed). */
export function messageAccount(box: string, host: string): string {
  return `sip:${box}@${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}`;
}
