/**
 * The contract of the voicemail spool (voicemail-spool.ts implements it): Asterisk's layout
 * under `<data>/voicemail/CONTEXT/BOX/FOLDER/msgNNNN.{wav,txt}` and the greetings
 * `<data>/voicemail/CONTEXT/BOX/{unavail,busy,greet,temp}.wav`. The voicemail applications, the
 * mail notifier and MWI use only this.
 */

/** Asterisk's folder names in its folder-number order (INBOX is 0, Old 1 ... Cust5 9). */
export const VOICEMAIL_FOLDERS = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5'] as const;
export type VoicemailFolder = (typeof VOICEMAIL_FOLDERS)[number] | 'Urgent';

export type GreetingKind = 'unavail' | 'busy' | 'greet' | 'temp';

/**
 * The `[message]` section of msgNNNN.txt, as Asterisk writes it (`origmailbox=2000`,
 * `callerid="Alice" <2000>`, `origtime=1733580000`, `duration=7` ...). Values as strings.
 */
export interface MessageInfo {
  origmailbox: string;
  context: string;
  macrocontext: string;
  exten: string;
  rdnis: string;
  priority: string;
  callerchan: string;
  callerid: string;
  /** `Sat Dec  7 02:03:04 PM UTC 2026` (Asterisk's "%c" in the box's zone). */
  origdate: string;
  /** Seconds since the epoch. */
  origtime: string;
  category: string;
  msg_id: string;
  /** '' or 'Urgent'. */
  flag: string;
  /** Whole seconds of audio. */
  duration: string;
}

export interface StoredMessage {
  context: string;
  box: string;
  folder: VoicemailFolder;
  /** NNNN of msgNNNN (0-based, gap-free within a folder). */
  index: number;
  info: MessageInfo;
  /** Path without extension (`.../INBOX/msg0000`); add `.wav` (or another stored format). */
  basePath: string;
  /** Formats present on disk (`wav`, ...). */
  formats: string[];
  /** Bytes of all its audio files. */
  bytes: number;
}

export interface MessageCounts {
  /** INBOX (and Urgent) messages: new. */
  newMessages: number;
  /** Messages in every other folder (Asterisk counts Old for MWI; we count Old only, as it does). */
  oldMessages: number;
  urgentNew: number;
  urgentOld: number;
}

/** Audio being recorded into temp files, one per format; nothing is visible until committed. */
export interface AudioRecording {
  /** Append encoded audio for `format` (one of the formats given to startMessage). */
  append(format: string, bytes: Uint8Array): void;
  /** Overwrite bytes at an offset of one format's file (wav header patches). */
  writeAt(format: string, offset: number, bytes: Uint8Array): void;
  /** Cut one format's file (drop trailing silence or the key tone). */
  truncate(format: string, size: number): void;
  size(format: string): number;
  /** Drop it (too short, caller hung up during a prompt ...). */
  discard(): void;
}

/** One message being recorded. */
export interface MessageRecording extends AudioRecording {
  /**
   * Give the message the next free number in the folder and make it appear whole (.txt and
   * audio) or not at all; throws PbxError('VM_FULL') when the folder or the caps are full.
   */
  commit(info: MessageInfo): StoredMessage;
}

/** A greeting being recorded: commit() replaces the old one of that kind whole. */
export interface GreetingRecording extends AudioRecording {
  commit(): void;
}

export type SpoolChange = { context: string; box: string };

export interface VoicemailSpool {
  /** `<data>/voicemail`. */
  readonly root: string;
  /** true when the data directory is in RAM (tmpfs): messages do not survive a reboot. */
  readonly volatile: boolean;
  counts(context: string, box: string): MessageCounts;
  list(context: string, box: string, folder: VoicemailFolder): StoredMessage[];
  /** A folder cannot take another message (maxmsg) or a cap is reached. */
  isFull(context: string, box: string, folder: VoicemailFolder): boolean;
  /**
   * `draft`: what is known when the recording starts (caller ID, origtime, msg_id ...); kept in a
   * sidecar so a recording cut by a crash is recovered as a message with it.
   */
  startMessage(context: string, box: string, folder: VoicemailFolder, formats: string[], draft?: Partial<MessageInfo>): MessageRecording;
  /** Remove a message; the folder is renumbered so numbers stay gap-free (as Asterisk does). */
  remove(message: StoredMessage): void;
  /** Move to another folder of the same box (INBOX -> Old when heard, `9` save); returns the new place. */
  move(message: StoredMessage, folder: VoicemailFolder): StoredMessage;
  /** Copy into another box's INBOX (forward, VoiceMail to several boxes). */
  copy(message: StoredMessage, context: string, box: string): StoredMessage;
  /** Path without extension of a greeting, or undefined when the box has none of that kind. */
  greeting(context: string, box: string, kind: GreetingKind): { basePath: string; formats: string[] } | undefined;
  startGreeting(context: string, box: string, kind: GreetingKind, formats: string[]): GreetingRecording;
  removeGreeting(context: string, box: string, kind: GreetingKind): void;
  /** A PIN changed from the phone (Asterisk's passwordlocation=spooldir: BOX/secret.conf). */
  storedPin(context: string, box: string): string | undefined;
  setStoredPin(context: string, box: string, pin: string): void;
  /** Called after every change of a box's messages (MWI, AMI). */
  onChange(listener: (change: SpoolChange) => void): () => void;
  /** Bytes of audio stored, per box and in total. */
  usage(context?: string, box?: string): number;
}
