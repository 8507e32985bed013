/**
 * Test doubles for substitution and function tests: a fake channel, an in-memory AstDB, a tiny
 * dialplan lookup and a SubstEnv that records what it logs.
 */
import type { AstDb, DialplanChannel, DialplanLookup, FoundPriority } from '../../../src/dialplan/types.ts';
import type { SubstEnv } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';

export class MemoryAstDb implements AstDb {
  readonly data = new Map<string, string>();
  private path(family: string, key: string): string {
    return `/${family}/${key}`;
  }
  get(family: string, key: string): string | undefined {
    return this.data.get(this.path(family, key));
  }
  put(family: string, key: string, value: string): void {
    this.data.set(this.path(family, key), value);
  }
  del(family: string, key: string): boolean {
    return this.data.delete(this.path(family, key));
  }
  delTree(family: string, keyTree?: string): number {
    const prefix = keyTree ? `/${family}/${keyTree}` : `/${family}`;
    let n = 0;
    for (const k of [...this.data.keys()]) {
      if (k === prefix || k.startsWith(prefix + '/')) {
        this.data.delete(k);
        n++;
      }
    }
    return n;
  }
  entries(prefix?: string): { family: string; key: string; value: string }[] {
    const out: { family: string; key: string; value: string }[] = [];
    for (const [path, value] of [...this.data.entries()].sort()) {
      if (prefix !== undefined && !path.startsWith('/' + prefix)) continue;
      const slash = path.lastIndexOf('/');
      out.push({ family: path.slice(1, slash), key: path.slice(slash + 1), value });
    }
    return out;
  }
}

export interface FakeChannelInit {
  name?: string;
  exten?: string;
  context?: string;
  priority?: number;
  callerName?: string;
  callerNumber?: string;
  variables?: Record<string, string>;
}

export function fakeChannel(init: FakeChannelInit = {}): DialplanChannel {
  return {
    name: init.name ?? 'SIP/2000-00000001',
    uniqueId: '1700000000.1',
    tech: 'SIP',
    state: 'Up',
    callerId: { name: init.callerName, number: init.callerNumber },
    variables: new Map(Object.entries(init.variables ?? {})),
    context: init.context ?? 'default',
    exten: init.exten ?? '100',
    priority: init.priority ?? 1,
    application: '',
    appData: '',
    language: 'en',
    format: undefined,
    cause: undefined,
    hangupSignal: new AbortController().signal,
    answer() {},
    ringing() {},
    progress() {},
    hangup() {},
    media: undefined,
  };
}

/** A dialplan of `context -> extension -> priorities (number or [number, label])`. */
export function fakeLookup(plan: Record<string, Record<string, (number | [number, string])[]>>): DialplanLookup {
  const prio = (ctx: string, exten: string): [number, string | undefined][] | undefined =>
    plan[ctx]?.[exten]?.map((p) => (Array.isArray(p) ? [p[0], p[1]] : [p, undefined]));
  return {
    find(context, exten, priority): FoundPriority | undefined {
      const p = prio(context, exten)?.find(([n]) => n === priority);
      if (!p) return undefined;
      return {
        context,
        extension: { name: exten, priorities: [], source: { file: 'extensions.conf', line: 1 } },
        priority: { priority: p[0], label: p[1], app: 'NoOp', appData: '', source: { file: 'extensions.conf', line: 1 } },
      };
    },
    findLabel(context, exten, label) {
      return prio(context, exten)?.find(([, l]) => l === label)?.[0];
    },
    exists(context, exten) {
      return prio(context, exten)?.some(([n]) => n === 1) ?? false;
    },
    canMatch() {
      return false;
    },
    matchMore() {
      return false;
    },
    hasContext(context) {
      return context in plan;
    },
  };
}

export interface TestEnv extends SubstEnv {
  logged: { level: string; message: string }[];
  environment: Map<string, string>;
}

export interface TestEnvInit {
  channel?: DialplanChannel;
  globals?: Record<string, string>;
  db?: MemoryAstDb;
  nowMs?: number;
  lookup?: DialplanLookup;
  files?: Record<string, { size: number; mtimeMs: number; isDirectory: boolean }>;
}

export function testEnv(init: TestEnvInit = {}): TestEnv {
  const logged: { level: string; message: string }[] = [];
  const environment = new Map<string, string>();
  const files = init.files ?? {};
  return {
    channel: init.channel,
    globals: new Map(Object.entries(init.globals ?? {})),
    db: init.db ?? new MemoryAstDb(),
    lookup: init.lookup ?? fakeLookup({}),
    now: () => init.nowMs ?? 1_700_000_000_000,
    env: (name) => environment.get(name),
    setEnv: (name, value) => {
      if (value === '') environment.delete(name);
      else environment.set(name, value);
    },
    stat: (path) => files[path],
    log: (level, message) => {
      logged.push({ level, message });
    },
    functions: createFunctionRegistry(),
    logged,
    environment,
  };
}
