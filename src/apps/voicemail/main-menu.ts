/**
 * VoiceMailMain after login (Asterisk's vm_execmain, English prompts): "you have N new and M old
 * messages", then the menu until `#` or hangup. Main level: 1 first message, 2 change folder,
 * 3 advanced (on a message: 3 its envelope), 0 mailbox options, `*` help, `#` goodbye. On a
 * message: 4 previous, 5 repeat, 6 next, 7 delete/undelete, 8 forward to another box, 9 save
 * to a folder; while its audio plays `*` rewinds and `#` skips by `skipms`, any other key
 * stops it and counts as the command. Changes to the open folder are applied when it is left
 * (FolderView.close), also on hangup.
 */
import type { Mailbox } from '../../config/voicemail-model.ts';
import { sayNumber } from '../../media/say.ts';
import { VOICEMAIL_FOLDERS } from '../../store/voicemail-types.ts';
import type { VoicemailFolder } from '../../store/voicemail-types.ts';
import { boxTimeZone, sayCallerId, sayReceived } from './main-envelope.ts';
import { FolderView } from './main-folder.ts';
import type { Heard, MenuIo } from './main-io.ts';
import { readString } from './main-io.ts';
import { findBox } from './main-login.ts';
import { mailboxOptions } from './main-options.ts';
import type { PinRule } from './main-options.ts';
import type { VoicemailRuntime } from './runtime.ts';

/** Asterisk waits 6 s for a menu key and gives up after three silent rounds. */
const MENU_WAIT_MS = 6_000;
const MAX_SILENT_ROUNDS = 3;
const FOLDER_WAIT_MS = 5_000;

export interface MainMenuOptions {
  /** `a(folder)`: open this folder first instead of INBOX (or Old when INBOX is empty). */
  startFolder?: VoicemailFolder;
  /** Which new PINs are refused (the dialplan wrapper passes the configuration's rule). */
  pinProblem: PinRule;
}

/** `a(2)`, `a(Work)`: a folder by number 0-9 or by name (any case). */
export function parseFolder(text: string): VoicemailFolder | undefined {
  const t = text.trim();
  if (/^[0-9]$/.test(t)) return VOICEMAIL_FOLDERS[Number(t)];
  return VOICEMAIL_FOLDERS.find((f) => f.toLowerCase() === t.toLowerCase());
}

const folderPrompt = (f: VoicemailFolder): string => `vm-${f}`;
const num = (n: number): string[] => sayNumber(n) ?? [];
const messagesWord = (n: number): string => (n === 1 ? 'vm-message' : 'vm-messages');

/** "You have 2 new messages and 1 old message" (vm_intro_en). */
export function introPrompts(newCount: number, oldCount: number): string[] {
  const out = ['vm-youhave'];
  if (newCount > 0) out.push(...num(newCount), 'vm-INBOX', messagesWord(newCount));
  if (newCount > 0 && oldCount > 0) out.push('vm-and');
  if (oldCount > 0) out.push(...num(oldCount), 'vm-Old', messagesWord(oldCount));
  if (newCount === 0 && oldCount === 0) out.push('vm-no', 'vm-messages');
  return out;
}

class Session {
  private view: FolderView;
  /** The message the caller is on, -1 before the first one was played (Asterisk's "starting"). */
  private cur = -1;

  constructor(
    private readonly io: MenuIo,
    private readonly runtime: VoicemailRuntime,
    private readonly mailbox: Mailbox,
    folder: VoicemailFolder,
    private readonly pinProblem: PinRule,
  ) {
    this.view = this.open(folder);
  }

  private open(folder: VoicemailFolder): FolderView {
    return new FolderView(this.runtime.spool, this.mailbox.context, this.mailbox.box, folder, (m) => this.io.log('warning', m));
  }

  close(): void {
    this.view.close();
  }

  private get onMessage(): boolean {
    return this.cur >= 0 && this.cur < this.view.count;
  }

  private instructions(): string[] {
    if (!this.onMessage) {
      const out: string[] = [];
      if (this.view.count > 0) out.push('vm-onefor', folderPrompt(this.view.folder), 'vm-messages');
      out.push('vm-opts');
      return out;
    }
    const out: string[] = [];
    if (this.cur > 0) out.push('vm-prev');
    out.push('vm-advopts', 'vm-repeat');
    if (this.cur < this.view.count - 1) out.push('vm-next');
    out.push(this.view.deleted.has(this.cur) ? 'vm-undelete' : 'vm-delete', 'vm-toforward', 'vm-savemessage', 'vm-helpexit');
    return out;
  }

  /** The menu loop: `exit` after `#` (or three silent rounds), `hangup` when the caller left. */
  async run(first: Heard): Promise<'exit' | 'hangup'> {
    let key: Heard = first;
    let silent = 0;
    for (;;) {
      if (key.kind === 'hangup') return 'hangup';
      if (key.kind !== 'digit') {
        // Nothing pressed yet: the instructions, then a wait for a key.
        if (key.kind === 'timeout' && ++silent >= MAX_SILENT_ROUNDS) return 'exit';
        key = await this.io.play(this.instructions());
        if (key.kind === 'done') key = await this.io.waitKey(MENU_WAIT_MS);
        continue;
      }
      silent = 0;
      if (key.digit === '#') return 'exit';
      key = await this.command(key.digit);
    }
  }

  /** One menu key; what it returns is the next key (a key that stopped a prompt) or `done`. */
  private async command(digit: string): Promise<Heard> {
    switch (digit) {
      case '1':
        return this.playFrom(0);
      case '5':
        return this.playFrom(this.onMessage ? this.cur : 0);
      case '4':
        if (this.onMessage && this.cur > 0) return this.playFrom(this.cur - 1);
        return this.io.play(['vm-nomore']);
      case '6':
        if (this.cur < this.view.count - 1) return this.playFrom(this.cur + 1);
        return this.io.play(['vm-nomore']);
      case '2':
        return this.changeFolder();
      case '3':
        return this.advanced();
      case '7':
        if (!this.onMessage) return { kind: 'done' };
        return this.io.play([this.view.toggleDelete(this.cur) ? 'vm-deleted' : 'vm-undeleted']);
      case '8':
        return this.onMessage ? this.forward() : { kind: 'done' };
      case '9':
        return this.onMessage ? this.save() : { kind: 'done' };
      case '0': {
        const end = await mailboxOptions(this.io, this.runtime, this.mailbox, this.pinProblem);
        return end === 'hangup' ? { kind: 'hangup' } : { kind: 'done' };
      }
      default:
        // `*` (help) and keys without a meaning: the instructions again.
        return { kind: 'done' };
    }
  }

  /** play_message: "first"/"last", "message N", envelope/caller ID as configured, the audio. */
  private async playFrom(i: number): Promise<Heard> {
    if (this.view.count === 0) return this.io.play(['vm-youhave', 'vm-no', folderPrompt(this.view.folder), 'vm-messages']);
    this.cur = i;
    const config = this.runtime.config();
    const msg = this.view.messages[i]!;
    const intro: string[] = [];
    if (i === 0) intro.push('vm-first');
    else if (i === this.view.count - 1) intro.push('vm-last');
    intro.push('vm-message');
    if (i !== 0 && i !== this.view.count - 1) intro.push(...num(i + 1));
    if (this.mailbox.options.envelope ?? config.general.envelope) intro.push(...this.received(msg.info.origtime));
    if (this.mailbox.options.saycid ?? config.general.saycid) intro.push(...sayCallerId(msg, config, this.mailbox.context));
    const r = await this.io.play(intro);
    if (r.kind !== 'done') return r;
    return this.playAudio(i);
  }

  private received(origtime: string): string[] {
    const sec = Number(origtime);
    if (!Number.isFinite(sec) || sec <= 0) return [];
    return sayReceived(sec, this.io.now(), boxTimeZone(this.runtime.config(), this.mailbox));
  }

  /** The audio with `*` rewind and `#` skip; the message counts as heard once it starts. */
  private async playAudio(i: number): Promise<Heard> {
    const msg = this.view.messages[i]!;
    const skip = this.runtime.config().general.skipMs > 0 ? this.runtime.config().general.skipMs : 3000;
    this.view.heard.add(i);
    let from = 0;
    for (;;) {
      const r = await this.io.playMessage(msg.basePath, from);
      if (r.end.kind !== 'digit') return r.end.kind === 'hangup' ? r.end : { kind: 'done' };
      if (r.end.digit === '*') from = Math.max(0, r.atMs - skip);
      else if (r.end.digit === '#') {
        from = r.atMs + skip;
        if (from >= r.lengthMs) return { kind: 'done' };
      } else return r.end;
    }
  }

  /** get_folder: "change to which folder?" and the list, then 0-9 (`#` cancels). */
  private async pickFolder(prompt: string): Promise<VoicemailFolder | Heard> {
    const list: string[] = [prompt];
    VOICEMAIL_FOLDERS.forEach((f, n) => list.push('vm-press', `digits/${n}`, 'vm-for', folderPrompt(f), 'vm-messages'));
    let r = await this.io.play(list);
    if (r.kind === 'done') r = await this.io.waitKey(FOLDER_WAIT_MS);
    if (r.kind !== 'digit') return r.kind === 'hangup' ? r : { kind: 'done' };
    return /^[0-9]$/.test(r.digit) ? VOICEMAIL_FOLDERS[Number(r.digit)]! : { kind: 'done' };
  }

  private async changeFolder(): Promise<Heard> {
    const picked = await this.pickFolder('vm-changeto');
    if (typeof picked !== 'string') return picked;
    this.view.close();
    this.view = this.open(picked);
    this.cur = -1;
    return this.io.play(['vm-youhave', ...(this.view.count > 0 ? num(this.view.count) : ['vm-no']), folderPrompt(picked), messagesWord(this.view.count)]);
  }

  /** `3`: the advanced options this PBX has: 3 the envelope, `*` back. */
  private async advanced(): Promise<Heard> {
    if (!this.onMessage) return { kind: 'done' };
    let r = await this.io.play(['vm-tohearenv', 'vm-starmain']);
    if (r.kind === 'done') r = await this.io.waitKey(MENU_WAIT_MS);
    if (r.kind !== 'digit') return r.kind === 'hangup' ? r : { kind: 'done' };
    if (r.digit !== '3') return { kind: 'done' };
    const msg = this.view.messages[this.cur]!;
    return this.io.play([...this.received(msg.info.origtime), ...sayCallerId(msg, this.runtime.config(), this.mailbox.context)]);
  }

  /** `8`: a copy into another box of this context (forward_message without prepending). */
  private async forward(): Promise<Heard> {
    const typed = await readString(this.io, ['vm-extension'], 80);
    if (typed.end === 'hangup') return { kind: 'hangup' };
    if (typed.digits === '') return { kind: 'done' };
    const target = findBox(this.runtime.config(), typed.digits, this.mailbox.context);
    if (!target) return this.io.play(['pbx-invalid']);
    if (this.runtime.spool.isFull(target.context, target.box, 'INBOX')) return this.io.play(['vm-mailboxfull']);
    try {
      this.runtime.spool.copy(this.view.messages[this.cur]!, target.context, target.box);
    } catch (e) {
      this.io.log('warning', `VoiceMailMain: forward to ${target.box}@${target.context} failed: ${e instanceof Error ? e.message : String(e)}`);
      return this.io.play(['vm-mailboxfull']);
    }
    this.io.log('verbose', `VoiceMailMain: message forwarded from ${this.mailbox.box}@${this.mailbox.context} to ${target.box}@${target.context}`);
    return this.io.play(['vm-msgforwarded']);
  }

  /** `9`: moved to the chosen folder when this one is left; "message N saved to <folder>". */
  private async save(): Promise<Heard> {
    const picked = await this.pickFolder('vm-savefolder');
    if (typeof picked !== 'string') return picked;
    if (picked !== this.view.folder && this.runtime.spool.isFull(this.mailbox.context, this.mailbox.box, picked)) return this.io.play(['vm-mailboxfull']);
    this.view.save(this.cur, picked);
    return this.io.play(['vm-message', ...num(this.cur + 1), 'vm-savedto', folderPrompt(picked), 'vm-messages']);
  }

  /** Which folder to start in: `a(...)`, else INBOX, or Old when INBOX is empty and Old is not. */
  static startFolder(runtime: VoicemailRuntime, mailbox: Mailbox, wanted: VoicemailFolder | undefined): VoicemailFolder {
    if (wanted) return wanted;
    const counts = runtime.spool.counts(mailbox.context, mailbox.box);
    return counts.newMessages === 0 && counts.oldMessages > 0 ? 'Old' : 'INBOX';
  }
}

/** The session of one logged-in caller; `#` ends with `vm-goodbye` (the dialplan continues). */
export async function mainMenu(io: MenuIo, runtime: VoicemailRuntime, mailbox: Mailbox, opts: MainMenuOptions): Promise<'exit' | 'hangup'> {
  const counts = runtime.spool.counts(mailbox.context, mailbox.box);
  const session = new Session(io, runtime, mailbox, Session.startFolder(runtime, mailbox, opts.startFolder), opts.pinProblem);
  let end: 'exit' | 'hangup';
  try {
    const first = await io.play(introPrompts(counts.newMessages, counts.oldMessages));
    end = await session.run(first.kind === 'done' ? { kind: 'done' } : first);
  } finally {
    session.close();
  }
  if (end === 'hangup' || io.hungUp) return 'hangup';
  return (await io.playAll(['vm-goodbye'])) === 'hangup' ? 'hangup' : 'exit';
}
