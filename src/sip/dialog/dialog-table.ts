/**
 * The dialogs a UA holds, keyed by dialog ID (RFC 3261 12: Call-ID, local tag, remote tag), each
 * with the user (session) that owns it. A second index holds UAC requests still collecting
 * responses, by Call-ID and local (From) tag: a forking proxy may return responses with To tags
 * no dialog has yet (12.1.2, 13.2.2.4), and those must reach the session that sent the INVITE.
 */
import { callId, fromTag, toTag } from '../message/headers.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { dialogKey, type Dialog } from './dialog.ts';

export interface DialogEntry<U> {
  dialog: Dialog;
  user: U;
}

/** A response's match: the dialog with its To tag, or (dialog undefined) the UAC owner of a new fork. */
export interface ResponseMatch<U> {
  dialog: Dialog | undefined;
  user: U;
}

function pendingKey(callIdValue: string, localTag: string): string {
  return callIdValue + '\n' + localTag;
}

export class DialogTable<U> {
  private readonly dialogs = new Map<string, DialogEntry<U>>();
  private readonly pending = new Map<string, U>();

  get size(): number {
    return this.dialogs.size;
  }

  get pendingSize(): number {
    return this.pending.size;
  }

  add(dialog: Dialog, user: U): void {
    this.dialogs.set(dialog.id, { dialog, user });
  }

  /** Removes the dialog if it is the one stored under its ID. */
  remove(dialog: Dialog): void {
    const e = this.dialogs.get(dialog.id);
    if (e && e.dialog === dialog) this.dialogs.delete(dialog.id);
  }

  get(id: string): DialogEntry<U> | undefined {
    return this.dialogs.get(id);
  }

  entries(): IterableIterator<DialogEntry<U>> {
    return this.dialogs.values();
  }

  /** A UAC request (INVITE) waiting for responses that may fork. */
  addPending(callIdValue: string, localTag: string, user: U): void {
    this.pending.set(pendingKey(callIdValue, localTag), user);
  }

  removePending(callIdValue: string, localTag: string, user: U): void {
    const k = pendingKey(callIdValue, localTag);
    if (this.pending.get(k) === user) this.pending.delete(k);
  }

  /** An incoming request: our tag is in To, the peer's in From (12.2.2). */
  matchRequest(req: SipRequest): DialogEntry<U> | undefined {
    try {
      const local = toTag(req);
      if (local === undefined) return undefined;
      return this.dialogs.get(dialogKey(callId(req), local, fromTag(req) ?? ''));
    } catch {
      return undefined;
    }
  }

  /**
   * A response to our request: our tag is in From, the peer's in To. A known dialog wins; a
   * response of a fork we have not seen yet goes to the pending owner with dialog undefined.
   */
  matchResponse(res: SipResponse): ResponseMatch<U> | undefined {
    try {
      const cid = callId(res);
      const local = fromTag(res) ?? '';
      const remote = toTag(res);
      if (remote !== undefined) {
        const e = this.dialogs.get(dialogKey(cid, local, remote));
        if (e) return { dialog: e.dialog, user: e.user };
      }
      const owner = this.pending.get(pendingKey(cid, local));
      return owner === undefined ? undefined : { dialog: undefined, user: owner };
    } catch {
      return undefined;
    }
  }

  clear(): void {
    this.dialogs.clear();
    this.pending.clear();
  }
}
