/**
 * A running dialplan for executor and application tests: extensions.conf text parsed by the
 * real parser, the real lookup, substitution and functions, the application registry, a
 * FakeClock, an in-memory AstDB and a fake channel (state, variables, a hangup that aborts).
 */
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';
import { parseDialplanText } from '../../../src/dialplan/parse/index.ts';
import { createLookup } from '../../../src/dialplan/match/index.ts';
import { withFunctions } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import { runDialplan, type ExecutorDeps } from '../../../src/dialplan/exec/index.ts';
import { createApplicationRegistry, type ApplicationRegistry, type ApplicationRegistryDeps } from '../../../src/dialplan/apps/registry.ts';
import type { AstDb, ChannelMedia, DialplanCallerId, DialplanChannel, Dialplan } from '../../../src/dialplan/types.ts';

export class FakeChannel implements DialplanChannel {
  name = 'SIP/2000-00000001';
  uniqueId = '1700000000.1';
  tech = 'SIP';
  state: DialplanChannel['state'] = 'Ring';
  callerId: DialplanCallerId = { name: 'Alice', number: '2000' };
  variables = new Map<string, string>();
  context = 'default';
  exten = 's';
  priority = 1;
  application = '';
  appData = '';
  language = 'en';
  format = undefined;
  cause: HangupCause | undefined;
  media: ChannelMedia | undefined;
  readonly events: string[] = [];
  private readonly ac = new AbortController();
  get hangupSignal(): AbortSignal {
    return this.ac.signal;
  }
  answer(): void {
    this.events.push('answer');
    this.state = 'Up';
  }
  ringing(): void {
    this.events.push('ringing');
  }
  progress(): void {
    this.events.push('progress');
  }
  hangup(cause: HangupCause): void {
    if (this.cause !== undefined) return;
    this.events.push(`hangup ${cause}`);
    this.cause = cause;
    this.ac.abort(new Error(`${this.name} hung up`));
  }
}

/** Digits only: onDigit listeners the test can press. */
export class FakeMedia implements ChannelMedia {
  readonly format = 'ulaw' as const;
  private readonly listeners = new Set<(d: string) => void>();
  send(): void {}
  onFrame(): () => void {
    return () => {};
  }
  onDigit(cb: (digit: string) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  async sendDigit(): Promise<void> {}
  press(digits: string): void {
    for (const d of digits) for (const l of [...this.listeners]) l(d);
  }
}

export class MemoryDb implements AstDb {
  readonly data = new Map<string, string>();
  get(family: string, key: string): string | undefined {
    return this.data.get(`/${family}/${key}`);
  }
  put(family: string, key: string, value: string): void {
    this.data.set(`/${family}/${key}`, value);
  }
  del(family: string, key: string): boolean {
    return this.data.delete(`/${family}/${key}`);
  }
  delTree(family: string, keyTree?: string): number {
    const prefix = keyTree ? `/${family}/${keyTree}` : `/${family}`;
    let n = 0;
    for (const k of [...this.data.keys()]) if (k === prefix || k.startsWith(`${prefix}/`)) n += Number(this.data.delete(k));
    return n;
  }
  entries(prefix?: string) {
    return [...this.data.entries()]
      .filter(([k]) => prefix === undefined || k.startsWith(`/${prefix}`))
      .sort()
      .map(([k, value]) => {
        const parts = k.split('/');
        return { family: parts.slice(1, -1).join('/'), key: parts[parts.length - 1]!, value };
      });
  }
}

export interface Harness {
  clock: FakeClock;
  logs: string[];
  db: MemoryDb;
  globals: Map<string, string>;
  dialplan: Dialplan;
  registry: ApplicationRegistry;
  deps: ExecutorDeps;
  /** Runs the channel to its end, advancing the fake clock whenever everything waits on it. */
  run(ch: DialplanChannel, opts?: { maxAdvanceMs?: number; during?: (elapsedMs: number) => void }): Promise<void>;
  /** Log lines containing `text`. */
  find(text: string): string[];
}

export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export function harness(text: string, o: { maxSteps?: number; app?: Partial<ApplicationRegistryDeps> } = {}): Harness {
  const parsed = parseDialplanText('extensions.conf', text);
  if (!parsed.dialplan) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const dialplan = parsed.dialplan;
  const lookup = createLookup(dialplan);
  const clock = new FakeClock();
  const logs: string[] = [];
  const log = {
    error: (m: string) => logs.push(`ERROR ${m}`),
    warning: (m: string) => logs.push(`WARNING ${m}`),
    notice: (m: string) => logs.push(`NOTICE ${m}`),
    verbose: (level: number, m: string) => logs.push(`V${level} ${m}`),
    debug: (_level: number, m: string) => logs.push(`DEBUG ${m}`),
  };
  const db = new MemoryDb();
  const globals = new Map<string, string>();
  const functions = createFunctionRegistry();
  const registry = createApplicationRegistry({ clock, log, db, ...o.app });
  const deps: ExecutorDeps = {
    dialplan: () => ({ lookup, autoFallthrough: dialplan.general.autoFallthrough }),
    applications: registry,
    functionEnv: (ch) =>
      withFunctions(
        {
          channel: ch,
          globals,
          db,
          lookup,
          now: () => clock.wallNow(),
          env: () => undefined,
          setEnv: () => {},
          log: (level, m) => logs.push(`${level.toUpperCase()} ${m}`),
        },
        functions,
      ),
    sounds: {
      find: () => undefined,
      frames: () => [],
    },
    clock,
    log,
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
  };
  return {
    clock,
    logs,
    db,
    globals,
    dialplan,
    registry,
    deps,
    async run(ch, r = {}) {
      let done = false;
      const p = runDialplan(ch, deps).then(() => (done = true));
      const start = clock.now();
      const limit = r.maxAdvanceMs ?? 3_600_000;
      for (;;) {
        // The executor yields to the event loop now and then: give it a few turns.
        let next: number | undefined;
        for (let i = 0; i < 5 && !done && next === undefined; i++) {
          await settle();
          next = clock.nextAt();
        }
        if (done) break;
        if (next === undefined || next - start > limit) throw new Error('dialplan is stuck: nothing to wait for');
        clock.advance(next - clock.now());
        r.during?.(clock.now() - start);
      }
      await p;
    },
    find: (t) => logs.filter((l) => l.includes(t)),
  };
}

/** A fake channel placed at `exten@context`. */
export function channelAt(exten: string, context = 'default'): FakeChannel {
  const ch = new FakeChannel();
  ch.exten = exten;
  ch.context = context;
  return ch;
}
