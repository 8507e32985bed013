/**
 * One folder as VoiceMailMain has it open (Asterisk's vm_state): the messages listed when it
 * was opened and what the caller did to them. Nothing changes on disk while the folder is open,
 * so message numbers stay those the caller heard; close() applies it all, as Asterisk's
 * close_mailbox does: deleted messages are removed, saved ones moved to their folder, heard
 * INBOX messages moved to Old. The spool renumbers the folder after each removal.
 */
import type { StoredMessage, VoicemailFolder, VoicemailSpool } from '../../store/voicemail-types.ts';

export class FolderView {
  readonly messages: StoredMessage[];
  readonly deleted = new Set<number>();
  readonly heard = new Set<number>();
  /** `9`: moved to this folder on close. */
  readonly saveTo = new Map<number, VoicemailFolder>();
  private closed = false;

  constructor(
    private readonly spool: VoicemailSpool,
    readonly context: string,
    readonly box: string,
    readonly folder: VoicemailFolder,
    private readonly log: (message: string) => void = () => {},
  ) {
    this.messages = spool.list(context, box, folder).sort((a, b) => a.index - b.index);
  }

  get count(): number {
    return this.messages.length;
  }

  toggleDelete(i: number): boolean {
    if (this.deleted.has(i)) this.deleted.delete(i);
    else {
      this.deleted.add(i);
      this.saveTo.delete(i);
    }
    return this.deleted.has(i);
  }

  save(i: number, folder: VoicemailFolder): void {
    this.deleted.delete(i);
    if (folder === this.folder) this.saveTo.delete(i);
    else this.saveTo.set(i, folder);
  }

  /** Apply the changes; highest number first so a removal never renumbers one still to do. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const msg = this.messages[i]!;
      try {
        if (this.deleted.has(i)) this.spool.remove(msg);
        else if (this.saveTo.has(i)) this.spool.move(msg, this.saveTo.get(i)!);
        else if (this.folder === 'INBOX' && this.heard.has(i)) this.spool.move(msg, 'Old');
      } catch (e) {
        // A full target folder keeps the message where it is; the others are still applied.
        this.log(`VoiceMailMain: could not update ${msg.basePath}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
