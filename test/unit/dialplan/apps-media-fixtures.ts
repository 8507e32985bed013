/**
 * Fakes for the media application tests: a channel whose ChannelMedia records what was sent and
 * lets the test inject digits and frames, a lookup over a small extension table, sounds made of
 * numbered frames (frame k of a prompt carries the byte k, so order and count are checkable),
 * and a runner that drives an application with the manual media clock.
 */
import { PbxError } from '../../../src/core/errors.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';
import type { AudioFrame, MediaFormat } from '../../../src/media/frame.ts';
import { SAMPLES_PER_FRAME } from '../../../src/media/frame.ts';
import { ManualMediaClock, settle } from '../../../src/media/manual-clock.ts';
import type { AppContext, AppResult, ChannelMedia, DialplanApplication, DialplanCallerId, DialplanChannel, DialplanLookup, FunctionEnv, SoundLookup } from '../../../src/dialplan/types.ts';

export class FakeMedia implements ChannelMedia {
  format: MediaFormat = 'ulaw';
  readonly sent: AudioFrame[] = [];
  readonly sentDigits: string[] = [];
  readonly frameListeners = new Set<(f: AudioFrame) => void>();
  readonly digitListeners = new Set<(d: string) => void>();

  send(frame: AudioFrame): void {
    this.sent.push(frame);
  }
  onFrame(cb: (f: AudioFrame) => void): () => void {
    this.frameListeners.add(cb);
    return () => this.frameListeners.delete(cb);
  }
  onDigit(cb: (d: string) => void): () => void {
    this.digitListeners.add(cb);
    return () => this.digitListeners.delete(cb);
  }
  sendDigit(digit: string): Promise<void> {
    this.sentDigits.push(digit);
    return Promise.resolve();
  }
  /** The caller presses keys (RFC 4733 ends). */
  press(keys: string): void {
    for (const k of keys) for (const l of [...this.digitListeners]) l(k);
  }
  /** The caller sends one audio frame. */
  receive(frame: AudioFrame): void {
    for (const l of [...this.frameListeners]) l(frame);
  }
}

export class FakeChannel implements DialplanChannel {
  readonly name = 'SIP/alice-00000001';
  readonly uniqueId = '1700000000.1';
  readonly tech = 'SIP';
  state: DialplanChannel['state'] = 'Ring';
  callerId: DialplanCallerId = { number: '201', name: 'Alice' };
  readonly variables = new Map<string, string>();
  context = 'ivr';
  exten = 's';
  priority = 1;
  application = '';
  appData = '';
  language = 'en';
  cause: HangupCause | undefined;
  answers = 0;
  private readonly controller = new AbortController();

  constructor(readonly media: FakeMedia | undefined = new FakeMedia()) {}

  get format(): MediaFormat | undefined {
    return this.media?.format;
  }
  get hangupSignal(): AbortSignal {
    return this.controller.signal;
  }
  answer(): void {
    if (this.state !== 'Up') this.answers++;
    this.state = 'Up';
  }
  ringing(): void {}
  progress(): void {}
  hangup(cause: HangupCause): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.controller.abort();
  }
  /** The far end hangs up. */
  farHangup(): void {
    this.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }
}

/** Extensions per context: name -> highest priority. */
export function fakeLookup(table: Record<string, Record<string, number>>): DialplanLookup {
  const exts = (ctx: string): Record<string, number> => table[ctx] ?? {};
  return {
    find: (ctx, exten, priority) => {
      const max = exts(ctx)[exten];
      if (max === undefined || priority < 1 || priority > max) return undefined;
      return {
        context: ctx,
        extension: { name: exten, priorities: [], source: { file: 't', line: 1 } },
        priority: { priority, app: 'NoOp', appData: '', source: { file: 't', line: 1 } },
      };
    },
    findLabel: () => undefined,
    exists: (ctx, exten) => exts(ctx)[exten] !== undefined,
    canMatch: (ctx, exten) => Object.keys(exts(ctx)).some((e) => e.startsWith(exten)),
    matchMore: (ctx, exten) => Object.keys(exts(ctx)).some((e) => e.startsWith(exten) && e.length > exten.length),
    hasContext: (ctx) => ctx in table,
  };
}

/** Prompts of `n` frames each; frame k of every prompt is filled with byte (base + k) & 0xff. */
export class FakeSounds implements SoundLookup {
  readonly played: string[] = [];
  constructor(readonly prompts: Record<string, number>) {}

  static frameByte(name: string, k: number): number {
    let base = 0;
    for (const c of name) base = (base * 31 + c.charCodeAt(0)) & 0x7f;
    return (base + k) & 0xff;
  }

  find(name: string): string | undefined {
    return name in this.prompts ? `/sounds/en/${name}.ulaw` : undefined;
  }
  frames(name: string, language: string, format: MediaFormat): AudioFrame[] {
    const n = this.prompts[name];
    if (n === undefined) throw new PbxError('SOUND_NOT_FOUND', `File ${name} does not exist in any format (language ${language})`);
    this.played.push(name);
    const out: AudioFrame[] = [];
    for (let k = 0; k < n; k++) {
      const data = new Uint8Array(SAMPLES_PER_FRAME).fill(FakeSounds.frameByte(name, k));
      out.push(format === 'slin' ? { format: 'slin', timestamp: k * 160, data: new Int16Array(SAMPLES_PER_FRAME) } : { format, timestamp: k * 160, data });
    }
    return out;
  }
}

export interface LogLine {
  level: string;
  message: string;
}

export interface Harness {
  clock: ManualMediaClock;
  channel: FakeChannel;
  media: FakeMedia;
  logs: LogLine[];
  ctx(args: string): AppContext;
  /** Start the application; the promise settles as the test ticks the clock. */
  start(app: DialplanApplication, args: string): Running;
}

export interface Running {
  result: AppResult | undefined;
  done: Promise<AppResult>;
}

export function harness(opts: { lookup?: DialplanLookup; sounds?: SoundLookup; media?: FakeMedia | null } = {}): Harness {
  const clock = new ManualMediaClock();
  const media = opts.media === null ? undefined : (opts.media ?? new FakeMedia());
  const channel = new FakeChannel(media);
  const logs: LogLine[] = [];
  const lookup = opts.lookup ?? fakeLookup({});
  const sounds = opts.sounds ?? new FakeSounds({});
  const ctx = (rawArgs: string): AppContext => ({
    channel,
    args: rawArgs === '' ? [] : rawArgs.split(','),
    rawArgs,
    lookup,
    functions: {} as FunctionEnv,
    substitute: (t) => t,
    runApp: () => Promise.resolve({ kind: 'next' }),
    runSubroutine: () => Promise.resolve({ kind: 'next' }),
    sounds,
    now: () => 0,
    sleep: () => Promise.resolve(),
    log: (level, message) => logs.push({ level, message }),
  });
  return {
    clock,
    channel,
    media: media!,
    logs,
    ctx,
    start(app, args) {
      const running: Running = { result: undefined, done: undefined as unknown as Promise<AppResult> };
      running.done = app.run(ctx(args)).then((r) => {
        running.result = r;
        return r;
      });
      return running;
    },
  };
}

/** Tick until the application returned (or `max` ticks); returns how many ticks it took. */
export async function finish(h: Harness, r: Running, max = 10_000): Promise<number> {
  const n = await h.clock.runUntil(() => r.result !== undefined, max);
  await settle();
  return n;
}

export function find(apps: DialplanApplication[], name: string): DialplanApplication {
  const app = apps.find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (!app) throw new Error(`no application ${name}`);
  return app;
}

export { settle };
