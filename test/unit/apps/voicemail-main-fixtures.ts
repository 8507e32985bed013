/**
 * Fakes for the VoiceMailMain tests: an in-memory spool that keeps Asterisk's rules that the
 * menus rely on (gap-free numbering after remove/move, INBOX/Old counts, greetings, a PIN changed
 * from the phone), a login guard that locks a source after a few failures, sounds that record
 * what was played (a message is recognised by its path), and a runner over the media fixtures'
 * fake channel and manual clock.
 */
import type { ApplicationDeps } from '../../../src/dialplan/apps/deps.ts';
import { voicemailMainApplications } from '../../../src/dialplan/apps/voicemail-main.ts';
import type { LoginGuard, VoicemailRuntime } from '../../../src/apps/voicemail/runtime.ts';
import type { Mailbox, VoicemailConfig, VoicemailGeneral } from '../../../src/config/voicemail-model.ts';
import type { AppResult, DialplanApplication, SoundLookup } from '../../../src/dialplan/types.ts';
import { SAMPLES_PER_FRAME } from '../../../src/media/frame.ts';
import type { AudioFrame, MediaFormat } from '../../../src/media/frame.ts';
import { settle } from '../../../src/media/manual-clock.ts';
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
} from '../../../src/store/voicemail-types.ts';
import { harness } from '../dialplan/apps-media-fixtures.ts';
import type { Harness, Running } from '../dialplan/apps-media-fixtures.ts';

interface Entry {
  info: MessageInfo;
}

export function info(callerid: string, origtime = 1_765_000_000, msgId = callerid): MessageInfo {
  return {
    origmailbox: '2000', context: 'default', macrocontext: '', exten: '2000', rdnis: '', priority: '1', callerchan: 'SIP/x-1',
    callerid, origdate: '', origtime: String(origtime), category: '', msg_id: msgId, flag: '', duration: '3',
  };
}

class Recording implements GreetingRecording {
  readonly data = new Map<string, number>();
  constructor(private readonly done: () => void) {}
  append(format: string, bytes: Uint8Array): void {
    this.data.set(format, (this.data.get(format) ?? 0) + bytes.length);
  }
  writeAt(): void {}
  truncate(format: string, size: number): void {
    this.data.set(format, size);
  }
  size(format: string): number {
    return this.data.get(format) ?? 0;
  }
  discard(): void {}
  commit(): void {
    this.done();
  }
}

export class MemorySpool implements VoicemailSpool {
  readonly root = '/vm';
  readonly volatile = false;
  readonly folders = new Map<string, Entry[]>();
  readonly greetings = new Set<string>();
  readonly pins = new Map<string, string>();
  changes = 0;
  maxMsg = 100;

  private key(context: string, box: string, folder: string): string {
    return `${context}/${box}/${folder}`;
  }
  private entries(context: string, box: string, folder: string): Entry[] {
    const k = this.key(context, box, folder);
    let e = this.folders.get(k);
    if (!e) this.folders.set(k, (e = []));
    return e;
  }
  /** Message ids of a folder in number order. */
  ids(context: string, box: string, folder: VoicemailFolder): string[] {
    return this.entries(context, box, folder).map((e) => e.info.msg_id);
  }
  add(context: string, box: string, folder: VoicemailFolder, i: MessageInfo): void {
    this.entries(context, box, folder).push({ info: i });
  }
  counts(context: string, box: string): MessageCounts {
    return { newMessages: this.entries(context, box, 'INBOX').length, oldMessages: this.entries(context, box, 'Old').length, urgentNew: 0, urgentOld: 0 };
  }
  list(context: string, box: string, folder: VoicemailFolder): StoredMessage[] {
    return this.entries(context, box, folder).map((e, index) => ({
      context, box, folder, index, info: e.info,
      basePath: `/vm/${context}/${box}/${folder}/msg${String(index).padStart(4, '0')}`,
      formats: ['wav'], bytes: 100,
    }));
  }
  isFull(context: string, box: string, folder: VoicemailFolder): boolean {
    return this.entries(context, box, folder).length >= this.maxMsg;
  }
  startMessage(): MessageRecording {
    throw new Error('not used by VoiceMailMain');
  }
  private take(m: StoredMessage): Entry {
    const list = this.entries(m.context, m.box, m.folder);
    const at = list.findIndex((e) => e.info.msg_id === m.info.msg_id);
    if (at !== m.index) throw new Error(`stale message ${m.basePath} (now at ${at})`);
    this.changes++;
    return list.splice(at, 1)[0]!;
  }
  remove(m: StoredMessage): void {
    this.take(m);
  }
  move(m: StoredMessage, folder: VoicemailFolder): StoredMessage {
    const e = this.take(m);
    const list = this.entries(m.context, m.box, folder);
    list.push(e);
    return this.list(m.context, m.box, folder)[list.length - 1]!;
  }
  copy(m: StoredMessage, context: string, box: string): StoredMessage {
    const list = this.entries(context, box, 'INBOX');
    list.push({ info: { ...m.info } });
    this.changes++;
    return this.list(context, box, 'INBOX')[list.length - 1]!;
  }
  greeting(context: string, box: string, kind: GreetingKind): { basePath: string; formats: string[] } | undefined {
    return this.greetings.has(this.key(context, box, kind)) ? { basePath: `/vm/${context}/${box}/${kind}`, formats: ['wav'] } : undefined;
  }
  startGreeting(context: string, box: string, kind: GreetingKind): GreetingRecording {
    return new Recording(() => this.greetings.add(this.key(context, box, kind)));
  }
  removeGreeting(context: string, box: string, kind: GreetingKind): void {
    this.greetings.delete(this.key(context, box, kind));
  }
  storedPin(context: string, box: string): string | undefined {
    return this.pins.get(`${context}/${box}`);
  }
  setStoredPin(context: string, box: string, pin: string): void {
    this.pins.set(`${context}/${box}`, pin);
  }
  onChange(_listener: (change: SpoolChange) => void): () => void {
    return () => {};
  }
  usage(): number {
    return 0;
  }
}

/** Locks a source after `limit` failures in a row (the real guard adds time). */
export class CountingGuard implements LoginGuard {
  readonly failures = new Map<string, number>();
  constructor(readonly limit = 5) {}
  allowed(key: string): boolean {
    return (this.failures.get(key) ?? 0) < this.limit;
  }
  failed(key: string): void {
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }
  succeeded(key: string): void {
    this.failures.delete(key);
  }
}

export function mailbox(box: string, pin: string | undefined, context = 'default'): Mailbox {
  return { context, box, pin, pinLocked: false, fullName: `User ${box}`, options: { other: {} }, fromPbxConf: pin === undefined, origin: { file: 'voicemail.conf', line: 1 } };
}

export function config(boxes: Mailbox[], general: Partial<VoicemailGeneral> = {}): VoicemailConfig {
  const contexts = new Map<string, Map<string, Mailbox>>();
  for (const b of boxes) {
    if (!contexts.has(b.context)) contexts.set(b.context, new Map());
    contexts.get(b.context)!.set(b.box, b);
  }
  return {
    general: {
      formats: ['wav'], serverEmail: 'asterisk', attach: true, maxMsg: 100, maxSecs: 0, minSecs: 0, maxGreet: 0, maxSilence: 0,
      silenceThreshold: 128, maxLogins: 3, skipMs: 3000, review: false, operator: false, saycid: false, envelope: false, delete: false,
      emailDateFormat: '%A, %B %d, %Y at %r', minPassword: 4, maxBoxBytes: 1 << 26, maxSpoolBytes: 1 << 28, origin: { file: 'voicemail.conf', line: 1 },
      ...general,
    },
    zones: new Map(),
    contexts,
  };
}

/** Every prompt is one frame; a message (a path under /vm) is MESSAGE_FRAMES frames. */
export const MESSAGE_FRAMES = 500;
/** Every byte of a message frame (prompts carry another), so a test can count message audio sent. */
export const MESSAGE_BYTE = 0x7f;

export class RecordingSounds implements SoundLookup {
  readonly played: string[] = [];
  find(name: string): string | undefined {
    return `/sounds/${name}.wav`;
  }
  frames(name: string, _language: string, format: MediaFormat): AudioFrame[] {
    this.played.push(name);
    const message = name.startsWith('/vm/');
    const n = message ? MESSAGE_FRAMES : 1;
    return Array.from({ length: n }, (_, k) => ({ format: format as 'ulaw', timestamp: k * 160, data: new Uint8Array(SAMPLES_PER_FRAME).fill(message ? MESSAGE_BYTE : 0x11) }));
  }
}

export interface VmHarness {
  h: Harness;
  spool: MemorySpool;
  guard: CountingGuard;
  sounds: RecordingSounds;
  runtime: VoicemailRuntime;
  apps: Map<string, DialplanApplication>;
  start(app: 'VoiceMailMain' | 'VMAuthenticate', args: string): Running;
  /** Press keys, then tick `ticks` media clock ticks (20 ms each). */
  press(keys: string, ticks?: number): Promise<void>;
  tick(n: number): Promise<void>;
  /** Tick until the application returned; throws if it does not within `max` ticks. */
  finish(r: Running, max?: number): Promise<AppResult>;
}

export function vmHarness(boxes: Mailbox[], general: Partial<VoicemailGeneral> = {}, guard = new CountingGuard()): VmHarness {
  const sounds = new RecordingSounds();
  const h = harness({ sounds });
  const spool = new MemorySpool();
  const cfg = config(boxes, general);
  const runtime: VoicemailRuntime = { config: () => cfg, spool, messageLeft: () => {}, logins: guard };
  const deps = { voicemail: () => runtime } as unknown as ApplicationDeps;
  const apps = new Map(voicemailMainApplications(deps, { clock: h.clock }).map((a) => [a.name, a]));
  const tick = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      h.clock.tick();
      await settle();
    }
  };
  return {
    h, spool, guard, sounds, runtime, apps,
    start: (app, args) => h.start(apps.get(app)!, args),
    async press(keys, ticks = 5) {
      await settle();
      h.media.press(keys);
      await tick(ticks);
    },
    tick,
    async finish(r, max = 20_000) {
      for (let i = 0; i < max && r.result === undefined; i++) await tick(1);
      if (r.result === undefined) throw new Error(`still running; prompts so far: ${sounds.played.join(' ')}`);
      return r.result;
    },
  };
}
