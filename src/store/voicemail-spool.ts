/**
 * The voicemail spool on disk, in Asterisk's layout so a spool can be copied in from (or out to)
 * an Asterisk box:
 *
 *   ROOT/CONTEXT/BOX/FOLDER/msgNNNN.{wav,...,txt}   messages, NNNN gap-free from 0000
 *   ROOT/CONTEXT/BOX/{unavail,busy,greet,temp}.FMT  greetings
 *   ROOT/CONTEXT/BOX/secret.conf                    PIN changed from the phone ([general] password=)
 *   ROOT/CONTEXT/BOX/tmp/                           recordings in progress (as Asterisk's tmp/)
 *
 * Options (`VoicemailSpoolOptions`): `root` (`<data>/voicemail`); `maxMsg(context, box)` messages
 * per folder (voicemail.conf maxmsg, default 100); `maxBoxBytes` / `maxSpoolBytes` caps of the
 * stored audio of one box and of the whole spool (0 or absent: none); `clock` (wall time for
 * recovered messages and copies' msg_id); `log`; `minRecoverSecs` (an interrupted recording
 * shorter than this is dropped at recovery, default 1); `volatile` (override of the RAM check,
 * tests).
 *
 * Crash safety (SIGKILL or power cut at any point; checked by a kill -9 test). "A message exists"
 * means its msgNNNN.txt exists; the .txt is always the last file to appear and the first to go.
 * - Recording: startMessage writes a sidecar `tmp/ID.txt` (the caller's draft info, folder,
 *   formats), then the audio goes to `tmp/ID.FMT`.
 * - Commit (also move and copy, whose audio is hard-linked or copied into `tmp/` first): the
 *   sidecar is rewritten with the final info and `target=msgNNNN` (the intent), the audio files
 *   are renamed to FOLDER/msgNNNN.FMT, the .txt is written atomically, the sidecar removed.
 * - Remove: .txt deleted, audio deleted, then each later message renamed one down (audio first,
 *   .txt last), lowest first.
 * - Recovery when a box is first opened, in this order: (1) sidecars with a target are completed
 *   (remaining audio renamed, .txt written); (2) each folder: temp files deleted; a number with
 *   audio but no .txt followed by a number with a .txt is an interrupted rename and is completed;
 *   any other audio without .txt, or .txt without audio, is deleted; gaps are closed by renaming
 *   down; (3) a move whose source is still there (same message info) removes the source;
 *   (4) sidecars without a target (a recording cut by the crash) become a message with a .txt
 *   built from the sidecar, duration from the file size (WAV header repaired), as Asterisk keeps a
 *   message cut by a hangup; shorter than minRecoverSecs, or no room: deleted and logged.
 *
 * Caps: isFull is true when the folder holds maxMsg messages or a byte cap is reached; a message
 * in flight may overshoot a byte cap by its own size (bounded by maxsecs). A commit refused with
 * VM_FULL discards the recording. A write error (disk full) during a commit or a renumber throws
 * STORE_WRITE after undoing or repairing, so memory and disk still agree. Counts and sizes are
 * kept in memory and changed with every operation; this process is the spool's only writer.
 */
import { PbxError } from '../core/errors.ts';
import { ensureDir, fsyncDirectory, isDirectory, readTextIfExists, removeFile, renameFile, writeFileAtomic, paths } from '../platform/fs.ts';
import { regularFileInfo } from '../platform/file-info.ts';
import { createRecordingFile } from '../platform/recording-file.ts';
import type { RecordingFile } from '../platform/recording-file.ts';
import { copyFileSynced, filesystemKind, linkOrCopyFile, listDirIfExists, patchFile, readFileHead } from '../platform/spool-fs.ts';
import { VOICEMAIL_FOLDERS } from './voicemail-types.ts';
import type {
  GreetingKind,
  GreetingRecording,
  MessageCounts,
  MessageInfo,
  MessageRecording,
  SpoolChange,
  StoredMessage,
  VoicemailFolder,
  VoicemailSpool,
} from './voicemail-types.ts';

export type SpoolLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface VoicemailSpoolOptions {
  /** `<data>/voicemail`. */
  root: string;
  /** Messages per folder (voicemail.conf `maxmsg`, per box); default 100. */
  maxMsg?: (context: string, box: string) => number;
  /** Cap of one box's stored audio in bytes (0/absent: none); a function is asked at each check (reload). */
  maxBoxBytes?: number | (() => number);
  /** Cap of the whole spool's stored audio in bytes (0/absent: none); a function is asked at each check. */
  maxSpoolBytes?: number | (() => number);
  clock?: { wallNow(): number };
  log?: SpoolLog;
  /** Interrupted recordings shorter than this many seconds are dropped at recovery (default 1). */
  minRecoverSecs?: number;
  /** Override of the RAM filesystem check (tests). */
  volatile?: boolean;
}

/** The keys of `[message]` in the order app_voicemail writes them. */
export const MESSAGE_INFO_KEYS: readonly (keyof MessageInfo)[] = [
  'origmailbox',
  'context',
  'macrocontext',
  'exten',
  'rdnis',
  'priority',
  'callerchan',
  'callerid',
  'origdate',
  'origtime',
  'category',
  'msg_id',
  'flag',
  'duration',
];

/** msgNNNN.txt as app_voicemail writes it. */
export function formatMessageInfo(info: MessageInfo): string {
  let out = ';\n; Message Information file\n;\n[message]\n';
  for (const k of MESSAGE_INFO_KEYS) out += `${k}=${oneLine(info[k] ?? '')}\n`;
  return out;
}

/** A value must not break the line format (a caller ID with a newline would forge keys). */
function oneLine(v: string): string {
  return v.replace(/[\r\n]+/g, ' ');
}

/** Sections of an Asterisk-style .conf text: `;` comments, `key=value` or `key => value`, CRLF. */
function parseSections(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const section = /^\[([^\]]*)\]/.exec(line);
    if (section) {
      current = sections.get(section[1]!.trim()) ?? new Map<string, string>();
      sections.set(section[1]!.trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).replace(/^>/, '').trim();
    current.set(key, value);
  }
  return sections;
}

/** Read msgNNNN.txt tolerantly: unknown keys ignored, missing keys empty, `[message]` optional. */
export function parseMessageInfo(text: string): MessageInfo {
  const sections = parseSections(text);
  const msg = sections.get('message') ?? sections.get('') ?? new Map<string, string>();
  return infoFrom(msg);
}

function infoFrom(values: Map<string, string> | Partial<MessageInfo>): MessageInfo {
  const get = (k: keyof MessageInfo): string => (values instanceof Map ? values.get(k) : values[k]) ?? '';
  const info = {} as MessageInfo;
  for (const k of MESSAGE_INFO_KEYS) info[k] = get(k);
  return info;
}

const FOLDER_NAMES: readonly VoicemailFolder[] = [...VOICEMAIL_FOLDERS, 'Urgent'];
const GREETINGS: readonly GreetingKind[] = ['unavail', 'busy', 'greet', 'temp'];
const MSG_FILE = /^msg(\d{4})\.([A-Za-z0-9]+)$/;
const NAME_OK = /^[A-Za-z0-9_+\-][A-Za-z0-9_.+\-]*$/;
const FORMAT_OK = /^[A-Za-z0-9]+$/;

function msgName(n: number): string {
  return `msg${String(n).padStart(4, '0')}`;
}

/** Audio bytes per second of the raw formats (WAV reads it from its header). */
function rawByteRate(format: string): number {
  switch (format.toLowerCase()) {
    case 'sln':
    case 'raw':
      return 16000;
    case 'gsm':
      return 1650;
    default:
      return 8000;
  }
}

interface BoxState {
  context: string;
  box: string;
  dir: string;
  folders: Map<VoicemailFolder, StoredMessage[]>;
  bytes: number;
}

/** What a sidecar in BOX/tmp holds. */
interface Sidecar {
  id: string;
  info: MessageInfo;
  folder: VoicemailFolder;
  formats: string[];
  /** msgNNNN in `folder` once the commit has started. */
  target?: string;
  /** `FOLDER/msgNNNN` a move takes the message from (removed after the commit). */
  source?: string;
}

export class FileVoicemailSpool implements VoicemailSpool {
  readonly root: string;
  readonly volatile: boolean;
  private readonly boxes = new Map<string, BoxState>();
  private readonly listeners = new Set<(change: SpoolChange) => void>();
  private totalBytes = 0;
  private sequence = 0;
  /** Keeps temp ids of two runs in the same millisecond apart (no pid here: store/ has no node:*). */
  private readonly runTag = Math.floor(Math.random() * 0x7fffffff).toString(36);
  private readonly msgIdBase = Math.floor(Math.random() * 0x7fffffff);

  constructor(private readonly opts: VoicemailSpoolOptions) {
    this.root = opts.root;
    const kind = filesystemKind(opts.root);
    this.volatile = opts.volatile ?? (kind === 'tmpfs' || kind === 'ramfs');
    // Open (and recover) every box now: the spool-wide byte cap needs every box's size.
    for (const context of listDirIfExists(this.root)) {
      if (!NAME_OK.test(context) || !isDirectory(paths.join(this.root, context))) continue;
      for (const box of listDirIfExists(paths.join(this.root, context))) {
        if (NAME_OK.test(box) && isDirectory(paths.join(this.root, context, box))) this.state(context, box);
      }
    }
  }

  counts(context: string, box: string): MessageCounts {
    const s = this.state(context, box);
    const c: MessageCounts = { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 };
    for (const [folder, list] of s.folders) {
      const urgent = list.filter((m) => m.info.flag.toLowerCase() === 'urgent').length;
      if (folder === 'INBOX' || folder === 'Urgent') {
        c.newMessages += list.length;
        c.urgentNew += folder === 'Urgent' ? list.length : urgent;
      } else if (folder === 'Old') {
        c.oldMessages += list.length;
        c.urgentOld += urgent;
      }
    }
    return c;
  }

  list(context: string, box: string, folder: VoicemailFolder): StoredMessage[] {
    this.checkFolder(folder);
    return (this.state(context, box).folders.get(folder) ?? []).map(copyMessage);
  }

  isFull(context: string, box: string, folder: VoicemailFolder): boolean {
    this.checkFolder(folder);
    const s = this.state(context, box);
    if ((s.folders.get(folder)?.length ?? 0) >= this.maxMsg(context, box)) return true;
    const maxBox = capOf(this.opts.maxBoxBytes);
    const maxSpool = capOf(this.opts.maxSpoolBytes);
    if (maxBox > 0 && s.bytes >= maxBox) return true;
    if (maxSpool > 0 && this.totalBytes >= maxSpool) return true;
    return false;
  }

  usage(context?: string, box?: string): number {
    if (context === undefined) return this.totalBytes;
    if (box !== undefined) return this.state(context, box).bytes;
    let sum = 0;
    for (const s of this.boxes.values()) if (s.context === context) sum += s.bytes;
    return sum;
  }

  startMessage(context: string, box: string, folder: VoicemailFolder, formats: string[], draft: Partial<MessageInfo> = {}): MessageRecording {
    this.checkFolder(folder);
    this.checkFormats(formats);
    const s = this.state(context, box);
    const id = this.newId();
    const tmpDir = paths.join(s.dir, 'tmp');
    const sidecar: Sidecar = { id, info: infoFrom(draft), folder, formats: [...formats] };
    // The sidecar comes first: audio in tmp/ without one is garbage of a discard and is deleted.
    this.writeSidecar(s, sidecar);
    const files = new Map<string, RecordingFile>();
    let done = false;
    try {
      for (const f of formats) {
        const p = paths.join(tmpDir, `${id}.${f}`);
        files.set(f, createRecordingFile(p, { tempPath: p }));
      }
    } catch (e) {
      for (const file of files.values()) file.discard();
      removeFile(this.sidecarPath(s, id));
      throw e;
    }
    const audio = recordingAccess(files, () => done);
    return {
      ...audio,
      commit: (info: MessageInfo): StoredMessage => {
        if (done) throw new PbxError('VM_INVALID', 'voicemail: this recording was already committed or discarded');
        done = true;
        if (this.isFull(context, box, folder)) {
          // It cannot be stored: dropped now, else the next open would recover it past the cap.
          for (const file of files.values()) file.discard();
          removeFile(this.sidecarPath(s, id));
          throw new PbxError('VM_FULL', `voicemail: mailbox ${box}@${context} ${folder} is full`);
        }
        const stored = this.commitFiles(s, { ...sidecar, info: infoFrom(info) }, (f, to) => files.get(f)!.commit(to));
        this.emit(s);
        return stored;
      },
      discard: (): void => {
        if (done) return;
        done = true;
        for (const file of files.values()) file.discard();
        removeFile(this.sidecarPath(s, id));
      },
    };
  }

  remove(message: StoredMessage): void {
    const s = this.state(message.context, message.box);
    const index = this.findIndex(s, message);
    if (index < 0) return;
    this.removeAt(s, message.folder, index);
    this.emit(s);
  }

  move(message: StoredMessage, folder: VoicemailFolder): StoredMessage {
    this.checkFolder(folder);
    const s = this.state(message.context, message.box);
    const index = this.findIndex(s, message);
    if (index < 0) throw new PbxError('VM_INVALID', `voicemail: message ${message.basePath} no longer exists`);
    const current = s.folders.get(message.folder)![index]!;
    if (folder === message.folder) return copyMessage(current);
    if ((s.folders.get(folder)?.length ?? 0) >= this.maxMsg(s.context, s.box)) {
      throw new PbxError('VM_FULL', `voicemail: mailbox ${s.box}@${s.context} ${folder} is full`);
    }
    const sidecar: Sidecar = {
      id: this.newId(),
      info: current.info,
      folder,
      formats: [...current.formats],
      source: `${message.folder}/${msgName(index)}`,
    };
    const stored = this.transfer(s, current, sidecar, linkOrCopyFile);
    // The source goes only after the target is whole: a crash in between leaves the sidecar,
    // and recovery removes the source then.
    this.removeAt(s, message.folder, index);
    removeFile(this.sidecarPath(s, sidecar.id));
    fsyncDirectory(paths.join(s.dir, 'tmp'));
    this.emit(s);
    return stored;
  }

  copy(message: StoredMessage, context: string, box: string): StoredMessage {
    const from = this.state(message.context, message.box);
    const index = this.findIndex(from, message);
    if (index < 0) throw new PbxError('VM_INVALID', `voicemail: message ${message.basePath} no longer exists`);
    const current = from.folders.get(message.folder)![index]!;
    if (this.isFull(context, box, 'INBOX')) throw new PbxError('VM_FULL', `voicemail: mailbox ${box}@${context} INBOX is full`);
    const s = this.state(context, box);
    // A copy is another message: it gets its own msg_id (Asterisk's copy_message does the same).
    const info = { ...current.info, msg_id: this.newMsgId() };
    const sidecar: Sidecar = { id: this.newId(), info, folder: 'INBOX', formats: [...current.formats] };
    const stored = this.transfer(s, current, sidecar, copyFileSynced);
    this.emit(s);
    return stored;
  }

  greeting(context: string, box: string, kind: GreetingKind): { basePath: string; formats: string[] } | undefined {
    this.checkGreeting(kind);
    const s = this.state(context, box);
    const formats: string[] = [];
    for (const name of listDirIfExists(s.dir)) {
      const dot = name.indexOf('.');
      if (dot > 0 && name.slice(0, dot) === kind && FORMAT_OK.test(name.slice(dot + 1))) formats.push(name.slice(dot + 1));
    }
    return formats.length ? { basePath: paths.join(s.dir, kind), formats } : undefined;
  }

  startGreeting(context: string, box: string, kind: GreetingKind, formats: string[]): GreetingRecording {
    this.checkGreeting(kind);
    this.checkFormats(formats);
    const s = this.state(context, box);
    const files = new Map<string, RecordingFile>();
    for (const f of formats) files.set(f, createRecordingFile(paths.join(s.dir, `${kind}.${f}`)));
    let done = false;
    return {
      ...recordingAccess(files, () => done),
      commit: (): void => {
        if (done) return;
        done = true;
        // Each format replaces the old file whole (rename over it); formats not recorded now go.
        for (const file of files.values()) file.commit();
        for (const old of this.greeting(context, box, kind)?.formats ?? []) {
          if (!files.has(old)) removeFile(paths.join(s.dir, `${kind}.${old}`));
        }
      },
      discard: (): void => {
        if (done) return;
        done = true;
        for (const file of files.values()) file.discard();
      },
    };
  }

  removeGreeting(context: string, box: string, kind: GreetingKind): void {
    const g = this.greeting(context, box, kind);
    if (!g) return;
    for (const f of g.formats) removeFile(`${g.basePath}.${f}`);
    fsyncDirectory(this.state(context, box).dir);
  }

  storedPin(context: string, box: string): string | undefined {
    const text = readTextIfExists(paths.join(this.state(context, box).dir, 'secret.conf'));
    if (text === undefined) return undefined;
    const pin = parseSections(text).get('general')?.get('password');
    return pin === undefined || pin === '' ? undefined : pin;
  }

  setStoredPin(context: string, box: string, pin: string): void {
    if (!/^[0-9*#A-Da-d]+$/.test(pin)) throw new PbxError('VM_INVALID', 'voicemail: a PIN is digits only');
    const s = this.state(context, box);
    ensureDir(s.dir);
    writeFileAtomic(paths.join(s.dir, 'secret.conf'), `[general]\npassword=${pin}\n`);
  }

  onChange(listener: (change: SpoolChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- internals ---------------------------------------------------------------------------

  private maxMsg(context: string, box: string): number {
    return Math.min(9999, this.opts.maxMsg?.(context, box) ?? 100);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.opts.log?.(level, message);
  }

  private emit(s: BoxState): void {
    for (const l of [...this.listeners]) {
      try {
        l({ context: s.context, box: s.box });
      } catch (e) {
        this.log('error', `voicemail: a spool listener failed: ${(e as Error).message}`);
      }
    }
  }

  private checkFolder(folder: VoicemailFolder): void {
    if (!FOLDER_NAMES.includes(folder)) throw new PbxError('VM_INVALID', `voicemail: no folder named ${folder}`);
  }

  private checkGreeting(kind: GreetingKind): void {
    if (!GREETINGS.includes(kind)) throw new PbxError('VM_INVALID', `voicemail: no greeting named ${kind}`);
  }

  private checkFormats(formats: string[]): void {
    if (formats.length === 0 || formats.some((f) => !FORMAT_OK.test(f) || f.toLowerCase() === 'txt')) {
      throw new PbxError('VM_INVALID', `voicemail: bad format list ${formats.join('|')}`);
    }
  }

  private newId(): string {
    return `${Math.floor(this.wallNow())}-${this.runTag}-${++this.sequence}`;
  }

  /** Asterisk's msg_id shape: `<seconds>-<8 hex counter>`; the counter starts at random per run. */
  private newMsgId(): string {
    const n = (this.msgIdBase + ++this.sequence) >>> 0;
    return `${Math.floor(this.wallNow() / 1000)}-${n.toString(16).padStart(8, '0')}`;
  }

  private wallNow(): number {
    return this.opts.clock?.wallNow() ?? Date.now();
  }

  private state(context: string, box: string): BoxState {
    if (!NAME_OK.test(context) || !NAME_OK.test(box) || context.length > 80 || box.length > 80) {
      throw new PbxError('VM_INVALID', `voicemail: ${box}@${context} is not a usable mailbox name`);
    }
    const key = `${context}/${box}`;
    let s = this.boxes.get(key);
    if (!s) {
      s = { context, box, dir: paths.join(this.root, context, box), folders: new Map(), bytes: 0 };
      this.boxes.set(key, s);
      try {
        this.recover(s);
      } catch (e) {
        // A disk error must not keep the PBX from starting: the box is read as it is.
        this.log('error', `voicemail: STORE_WRITE recovery of ${s.dir} failed: ${(e as Error).message}`);
        this.totalBytes -= s.bytes;
        s.bytes = 0;
        s.folders.clear();
      }
      for (const folder of FOLDER_NAMES) this.loadFolder(s, folder);
    }
    return s;
  }

  private folderDir(s: BoxState, folder: VoicemailFolder): string {
    return paths.join(s.dir, folder);
  }

  private loadFolder(s: BoxState, folder: VoicemailFolder): void {
    const dir = this.folderDir(s, folder);
    const byNumber = groupMessages(listDirIfExists(dir));
    const list: StoredMessage[] = [];
    for (const [n, files] of byNumber) {
      const text = readTextIfExists(paths.join(dir, `${msgName(n)}.txt`));
      if (text === undefined || !files.audio.length) continue;
      list.push(this.describe(s, folder, list.length, parseMessageInfo(text), files.audio));
    }
    this.setFolder(s, folder, list);
  }

  private describe(s: BoxState, folder: VoicemailFolder, index: number, info: MessageInfo, formats: string[]): StoredMessage {
    const basePath = paths.join(this.folderDir(s, folder), msgName(index));
    let bytes = 0;
    for (const f of formats) bytes += regularFileInfo(`${basePath}.${f}`)?.size ?? 0;
    return { context: s.context, box: s.box, folder, index, info, basePath, formats: [...formats], bytes };
  }

  private setFolder(s: BoxState, folder: VoicemailFolder, list: StoredMessage[]): void {
    const before = (s.folders.get(folder) ?? []).reduce((a, m) => a + m.bytes, 0);
    const after = list.reduce((a, m) => a + m.bytes, 0);
    if (list.length) s.folders.set(folder, list);
    else s.folders.delete(folder);
    s.bytes += after - before;
    this.totalBytes += after - before;
  }

  private findIndex(s: BoxState, message: StoredMessage): number {
    const list = s.folders.get(message.folder) ?? [];
    // A caller may hold a StoredMessage from before a renumber: msg_id finds it again.
    if (message.info.msg_id) {
      const i = list.findIndex((m) => m.info.msg_id === message.info.msg_id);
      if (i >= 0) return i;
    }
    const at = list[message.index];
    return at && at.basePath === message.basePath && sameInfo(at.info, message.info) ? message.index : -1;
  }

  private sidecarPath(s: BoxState, id: string): string {
    return paths.join(s.dir, 'tmp', `${id}.txt`);
  }

  private writeSidecar(s: BoxState, c: Sidecar): void {
    let text = formatMessageInfo(c.info);
    text += `[spool]\nfolder=${c.folder}\nformats=${c.formats.join('|')}\n`;
    if (c.target) text += `target=${c.target}\n`;
    if (c.source) text += `source=${c.source}\n`;
    writeFileAtomic(this.sidecarPath(s, c.id), text);
  }

  private readSidecar(s: BoxState, id: string): Sidecar | undefined {
    const text = readTextIfExists(this.sidecarPath(s, id));
    if (text === undefined) return undefined;
    const sections = parseSections(text);
    const spool = sections.get('spool');
    const folder = spool?.get('folder') as VoicemailFolder | undefined;
    const formats = (spool?.get('formats') ?? '').split('|').filter((f) => FORMAT_OK.test(f));
    if (!folder || !FOLDER_NAMES.includes(folder) || !formats.length) return undefined;
    const target = spool?.get('target');
    const source = spool?.get('source');
    return {
      id,
      info: infoFrom(sections.get('message') ?? new Map<string, string>()),
      folder,
      formats,
      ...(target && /^msg\d{4}$/.test(target) ? { target } : {}),
      ...(source ? { source } : {}),
    };
  }

  /**
   * The commit protocol: intent (sidecar with target) -> audio renamed into the folder -> .txt
   * written atomically -> sidecar removed (unless a move still has to remove its source).
   * `place(format, finalPath)` puts one format's audio (renames the temp file).
   */
  private commitFiles(s: BoxState, c: Sidecar, place: (format: string, to: string) => void, keepSidecar = false): StoredMessage {
    const list = s.folders.get(c.folder) ?? [];
    const index = list.length;
    const target = msgName(index);
    const dir = this.folderDir(s, c.folder);
    ensureDir(dir);
    this.writeSidecar(s, { ...c, target });
    try {
      for (const f of c.formats) place(f, paths.join(dir, `${target}.${f}`));
      writeFileAtomic(paths.join(dir, `${target}.txt`), formatMessageInfo(c.info));
    } catch (e) {
      // A write error (disk full): undo so memory and disk agree and the number stays free.
      const leftovers = listDirIfExists(dir).filter((n) => n.startsWith(`.${target}.txt.`));
      for (const name of [`${target}.txt`, ...c.formats.map((f) => `${target}.${f}`), ...leftovers]) removeQuietly(paths.join(dir, name));
      for (const f of c.formats) removeQuietly(paths.join(s.dir, 'tmp', `${c.id}.${f}`));
      removeQuietly(this.sidecarPath(s, c.id));
      throw new PbxError('STORE_WRITE', `voicemail: could not store ${c.folder}/${target} of ${s.box}@${s.context}: ${(e as Error).message}`);
    }
    if (!keepSidecar) {
      removeFile(this.sidecarPath(s, c.id));
      fsyncDirectory(paths.join(s.dir, 'tmp'));
    }
    const stored = this.describe(s, c.folder, index, c.info, c.formats);
    this.setFolder(s, c.folder, [...list, stored]);
    return copyMessage(stored);
  }

  /** Move/copy: the audio gets a second name (link or copy) in tmp/, then the commit protocol. */
  private transfer(s: BoxState, from: StoredMessage, c: Sidecar, duplicate: (from: string, to: string) => void): StoredMessage {
    const tmpDir = paths.join(s.dir, 'tmp');
    ensureDir(tmpDir);
    const temps = new Map<string, string>();
    try {
      for (const f of c.formats) {
        const t = paths.join(tmpDir, `${c.id}.${f}`);
        duplicate(`${from.basePath}.${f}`, t);
        temps.set(f, t);
      }
    } catch (e) {
      for (const t of temps.values()) removeFile(t);
      throw e;
    }
    return this.commitFiles(s, c, (f, to) => renameFile(temps.get(f)!, to), c.source !== undefined);
  }

  /** Delete message `index` of a folder and rename the later ones one down (lowest first). */
  private removeAt(s: BoxState, folder: VoicemailFolder, index: number): void {
    const list = s.folders.get(folder) ?? [];
    const gone = list[index];
    if (!gone) return;
    const dir = this.folderDir(s, folder);
    removeFile(`${gone.basePath}.txt`);
    for (const f of gone.formats) removeFile(`${gone.basePath}.${f}`);
    const rest: StoredMessage[] = list.slice(0, index);
    try {
      for (let i = index + 1; i < list.length; i++) {
        const m = list[i]!;
        const to = paths.join(dir, msgName(i - 1));
        moveMessageFiles(m.basePath, to, m.formats);
        rest.push({ ...m, index: i - 1, basePath: to });
      }
      fsyncDirectory(dir);
    } catch (e) {
      // Cut short by an I/O error: repair as after a crash and read the folder back.
      try {
        this.repairFolder(s, folder);
      } finally {
        this.loadFolder(s, folder);
      }
      throw new PbxError('STORE_WRITE', `voicemail: renumbering ${folder} of ${s.box}@${s.context} failed: ${(e as Error).message}`);
    }
    this.setFolder(s, folder, rest);
  }

  // --- recovery ----------------------------------------------------------------------------

  private recover(s: BoxState): void {
    if (!isDirectory(s.dir)) return;
    // Temp files of atomic writes and greeting recordings cut by a crash.
    const drop = (path: string): void => {
      removeFile(path);
      this.log('debug', `voicemail: removed the temp file ${path} of an operation cut short`);
    };
    for (const name of listDirIfExists(s.dir)) if (isTempName(name)) drop(paths.join(s.dir, name));
    const tmpDir = paths.join(s.dir, 'tmp');
    const tmpNames = listDirIfExists(tmpDir);
    for (const name of tmpNames) if (name.startsWith('.')) drop(paths.join(tmpDir, name));
    const sidecars: Sidecar[] = [];
    const ids = new Set<string>();
    for (const name of tmpNames) {
      if (name.startsWith('.') || !name.endsWith('.txt')) continue;
      const id = name.slice(0, -4);
      const c = this.readSidecar(s, id);
      if (c) {
        sidecars.push(c);
        ids.add(id);
      } else {
        this.log('warn', `voicemail: removed unreadable recording state ${paths.join(tmpDir, name)}`);
        removeFile(paths.join(tmpDir, name));
      }
    }
    // Audio in tmp/ without a sidecar: a discard or a finished commit cut short.
    for (const name of listDirIfExists(tmpDir)) {
      const dot = name.indexOf('.');
      if (dot > 0 && !ids.has(name.slice(0, dot))) drop(paths.join(tmpDir, name));
    }
    // (1) commits in flight.
    for (const c of sidecars) if (c.target) this.completeCommit(s, c);
    // (2) every folder consistent and gap-free.
    for (const folder of FOLDER_NAMES) this.repairFolder(s, folder);
    // (3) moves whose source is still there.
    for (const c of sidecars) {
      if (!c.source) continue;
      const [folder, name] = c.source.split('/') as [VoicemailFolder, string];
      if (FOLDER_NAMES.includes(folder) && /^msg\d{4}$/.test(name ?? '')) {
        const base = paths.join(this.folderDir(s, folder), name);
        const text = readTextIfExists(`${base}.txt`);
        // Only once the target is whole: never lose the one copy there is.
        const moved = c.target ? readTextIfExists(paths.join(this.folderDir(s, c.folder), `${c.target}.txt`)) : undefined;
        if (text !== undefined && moved !== undefined && sameInfo(parseMessageInfo(text), c.info) && sameInfo(parseMessageInfo(moved), c.info)) {
          this.loadFolder(s, folder);
          this.removeAt(s, folder, Number(name.slice(3)));
          this.log('info', `voicemail: finished moving ${c.source} of ${s.box}@${s.context} to ${c.folder}`);
        }
      }
      removeFile(this.sidecarPath(s, c.id));
    }
    // (4) recordings cut by the crash.
    for (const c of sidecars) if (!c.target && !c.source) this.recoverRecording(s, c);
    // state() loads the folders afresh; undo what the steps above counted.
    this.totalBytes -= s.bytes;
    s.bytes = 0;
    s.folders.clear();
  }

  private completeCommit(s: BoxState, c: Sidecar): void {
    const dir = this.folderDir(s, c.folder);
    const base = paths.join(dir, c.target!);
    const tmpDir = paths.join(s.dir, 'tmp');
    if (regularFileInfo(`${base}.txt`) === undefined) {
      let present = 0;
      for (const f of c.formats) {
        const t = paths.join(tmpDir, `${c.id}.${f}`);
        if (regularFileInfo(t)) {
          ensureDir(dir);
          renameFile(t, `${base}.${f}`);
        }
        if (regularFileInfo(`${base}.${f}`)) present++;
      }
      if (present) {
        writeFileAtomic(`${base}.txt`, formatMessageInfo(c.info));
        this.log('info', `voicemail: completed ${c.folder}/${c.target} of ${s.box}@${s.context} after a crash`);
      }
    }
    for (const f of c.formats) removeFile(paths.join(tmpDir, `${c.id}.${f}`));
    if (!c.source) removeFile(this.sidecarPath(s, c.id));
  }

  private repairFolder(s: BoxState, folder: VoicemailFolder): void {
    const dir = this.folderDir(s, folder);
    const names = listDirIfExists(dir);
    if (!names.length) return;
    let changed = false;
    for (const name of names) {
      if (name.startsWith('.')) {
        removeFile(paths.join(dir, name));
        changed = true;
      }
    }
    const groups = [...groupMessages(names)];
    const kept: { n: number; audio: string[] }[] = [];
    for (let i = 0; i < groups.length; i++) {
      const [n, files] = groups[i]!;
      const base = paths.join(dir, msgName(n));
      if (files.txt && files.audio.length) {
        kept.push({ n, audio: files.audio });
        continue;
      }
      changed = true;
      const next = groups[i + 1];
      if (!files.txt && next?.[1].txt) {
        // A rename one down cut short: the audio already here, the rest (and the .txt) above.
        const from = paths.join(dir, msgName(next[0]));
        moveMessageFiles(from, base, next[1].audio);
        kept.push({ n, audio: [...new Set([...files.audio, ...next[1].audio])] });
        i++;
        this.log('info', `voicemail: finished renumbering ${folder}/${msgName(next[0])} of ${s.box}@${s.context}`);
        continue;
      }
      if (files.txt) removeFile(`${base}.txt`);
      for (const f of files.audio) removeFile(`${base}.${f}`);
      this.log('warn', `voicemail: removed the incomplete ${folder}/${msgName(n)} of ${s.box}@${s.context}`);
    }
    kept.forEach((m, rank) => {
      if (m.n === rank) return;
      changed = true;
      moveMessageFiles(paths.join(dir, msgName(m.n)), paths.join(dir, msgName(rank)), m.audio);
    });
    if (changed) fsyncDirectory(dir);
  }

  private recoverRecording(s: BoxState, c: Sidecar): void {
    const tmpDir = paths.join(s.dir, 'tmp');
    const present = c.formats.filter((f) => regularFileInfo(paths.join(tmpDir, `${c.id}.${f}`)));
    const drop = (why: string): void => {
      for (const f of c.formats) removeFile(paths.join(tmpDir, `${c.id}.${f}`));
      removeFile(this.sidecarPath(s, c.id));
      this.log('warn', `voicemail: dropped a recording of ${s.box}@${s.context} cut by a crash: ${why}`);
    };
    if (!present.length) return drop('no audio');
    let seconds = Infinity;
    for (const f of present) seconds = Math.min(seconds, repairAudio(paths.join(tmpDir, `${c.id}.${f}`), f));
    const duration = Math.floor(seconds);
    if (!(duration >= (this.opts.minRecoverSecs ?? 1))) return drop(`${Number.isFinite(seconds) ? seconds.toFixed(1) : 0} s of audio`);
    this.loadFolder(s, c.folder);
    const maxBox = capOf(this.opts.maxBoxBytes);
    const boxFull = maxBox > 0 && s.bytes >= maxBox;
    if ((s.folders.get(c.folder)?.length ?? 0) >= this.maxMsg(s.context, s.box) || boxFull) return drop(`${c.folder} is full`);
    const now = this.wallNow();
    const info: MessageInfo = {
      ...c.info,
      origmailbox: c.info.origmailbox || s.box,
      origtime: c.info.origtime || String(Math.floor(now / 1000)),
      origdate: c.info.origdate || new Date(now).toUTCString(),
      msg_id: c.info.msg_id || this.newMsgId(),
      duration: String(duration),
    };
    const stored = this.commitFiles(s, { ...c, info, formats: present }, (f, to) => renameFile(paths.join(tmpDir, `${c.id}.${f}`), to));
    this.log('info', `voicemail: kept ${stored.folder}/${msgName(stored.index)} of ${s.box}@${s.context} (${duration} s) recorded before a crash`);
  }
}

function removeQuietly(path: string): void {
  try {
    removeFile(path);
  } catch {
    // Best effort while undoing a failed write; recovery at the next open finishes the job.
  }
}

function isTempName(name: string): boolean {
  return name.startsWith('.') && (name.endsWith('.rec') || name.endsWith('.tmp'));
}

function copyMessage(m: StoredMessage): StoredMessage {
  return { ...m, info: { ...m.info }, formats: [...m.formats] };
}

function sameInfo(a: MessageInfo, b: MessageInfo): boolean {
  return MESSAGE_INFO_KEYS.every((k) => (a[k] ?? '') === (b[k] ?? ''));
}

/** msgNNNN files of a folder by number: whether the .txt is there and the audio formats. */
function groupMessages(names: string[]): Map<number, { txt: boolean; audio: string[] }> {
  const out = new Map<number, { txt: boolean; audio: string[] }>();
  for (const name of names) {
    const m = MSG_FILE.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    const g = out.get(n) ?? { txt: false, audio: [] };
    if (m[2]!.toLowerCase() === 'txt') g.txt = true;
    else g.audio.push(m[2]!);
    out.set(n, g);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** Rename one message's files (audio first, .txt last: the .txt says the message is whole). */
function moveMessageFiles(fromBase: string, toBase: string, formats: string[]): void {
  for (const f of formats) {
    if (regularFileInfo(`${fromBase}.${f}`)) renameFile(`${fromBase}.${f}`, `${toBase}.${f}`);
  }
  if (regularFileInfo(`${fromBase}.txt`)) renameFile(`${fromBase}.txt`, `${toBase}.txt`);
}

/**
 * Seconds of audio in a recording cut by a crash; a WAV's header (written with sizes patched at
 * the end) is repaired to match the file. 0 when there is no audio.
 */
function repairAudio(path: string, format: string): number {
  const size = regularFileInfo(path)?.size ?? 0;
  if (format.toLowerCase() !== 'wav') return size / rawByteRate(format);
  const head = readFileHead(path, 512);
  const ascii = (o: number) => String.fromCharCode(...head.subarray(o, o + 4));
  if (head.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') return 0;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let byteRate = 16000;
  let off = 12;
  while (off + 8 <= head.length) {
    const id = ascii(off);
    const len = view.getUint32(off + 4, true);
    if (id === 'fmt ' && off + 20 <= head.length) byteRate = view.getUint32(off + 16, true) || 16000;
    if (id === 'data') {
      const start = off + 8;
      if (size <= start) return 0;
      const data = size - start;
      const patch = new Uint8Array(4);
      const pv = new DataView(patch.buffer);
      pv.setUint32(0, size - 8, true);
      patchFile(path, 4, patch);
      pv.setUint32(0, data, true);
      patchFile(path, off + 4, patch);
      return data / byteRate;
    }
    off += 8 + len + (len & 1);
  }
  return 0;
}

/** append/writeAt/truncate/size over one temp file per format. */
function recordingAccess(files: Map<string, RecordingFile>, finished: () => boolean) {
  const file = (format: string): RecordingFile => {
    const f = files.get(format);
    if (!f) throw new PbxError('VM_INVALID', `voicemail: this recording has no format ${format}`);
    if (finished()) throw new PbxError('VM_INVALID', 'voicemail: this recording is finished');
    return f;
  };
  return {
    append: (format: string, bytes: Uint8Array): void => file(format).append(bytes),
    writeAt: (format: string, offset: number, bytes: Uint8Array): void => file(format).writeAt(offset, bytes),
    truncate: (format: string, size: number): void => file(format).truncate(size),
    size: (format: string): number => files.get(format)?.size ?? 0,
  };
}

/** A byte cap given as a number or asked from the configuration in force; 0 when none. */
function capOf(cap: number | (() => number) | undefined): number {
  return (typeof cap === 'function' ? cap() : cap) ?? 0;
}
