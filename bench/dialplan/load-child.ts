/**
 * One fresh process's measurement for load.bench.ts (run as `node --expose-gc --import tsx
 * bench/dialplan/load-child.ts`): the 5,000-line extensions.conf of generate.ts parsed, turned
 * into a lookup and asked its first question, timed the first time in this process (cold: the
 * parser's code has never run, as at boot), then repeated warm (a reload on a running PBX).
 * The JS heap the loaded dialplan keeps is measured after forced full GCs. Prints one JSON line.
 *
 * A separate process, because cold means nothing ran before: in the bench runner the other
 * dialplan benchmarks would already have compiled the parser.
 */
import { performance } from 'node:perf_hooks';
import { createLookup } from '../../src/dialplan/match/index.ts';
import { parseDialplanText } from '../../src/dialplan/parse/index.ts';
import type { Dialplan, DialplanLookup } from '../../src/dialplan/types.ts';
import { benchParseOptions, largeConfText } from './generate.ts';

export interface LoadSample {
  lines: number;
  /** Characters of the extensions.conf text. */
  textBytes: number;
  contexts: number;
  globals: number;
  extensions: number;
  priorities: number;
  /** Cold, ms: parse, createLookup, first find, and the three together. */
  cold: { parse: number; lookup: number; find: number; total: number };
  /** Warm medians over `warmRuns`, ms. */
  warm: { parse: number; lookup: number; find: number; total: number };
  warmRuns: number;
  /** JS heap kept, bytes, after full GCs: the dialplan + lookup after the first find, then with every context prepared. */
  heapAfterFirstFind: number | undefined;
  heapAllPrepared: number | undefined;
}

const AT = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));
/** The first question: an outbound number from the first department, found through its includes. */
const FIRST = { context: 'dept-0', exten: '95551234', callerId: '10001' };

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number | undefined {
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function loadOnce(text: string): { dialplan: Dialplan; lookup: DialplanLookup; times: [number, number, number] } {
  const t0 = performance.now();
  const result = parseDialplanText('extensions.conf', text, undefined, benchParseOptions);
  const t1 = performance.now();
  if (!result.dialplan) throw new Error(`bench extensions.conf does not load: ${result.errors.slice(0, 3).map(String).join('; ')}`);
  const lookup = createLookup(result.dialplan);
  const t2 = performance.now();
  const found = lookup.find(FIRST.context, FIRST.exten, 1, FIRST.callerId, AT);
  const t3 = performance.now();
  if (found?.extension.name !== '_9NXXXXXX' || found.context !== 'outbound') throw new Error(`bench first lookup found ${found?.extension.name} in ${found?.context}`);
  return { dialplan: result.dialplan, lookup, times: [t1 - t0, t2 - t1, t3 - t2] };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The heap baseline is taken before the text exists and the text is dropped before the readings,
// so the deltas are what the loaded dialplan keeps, including any of the text it still refers to
// (V8 substrings can keep their parent string alive).
const base = heapUsed();
let conf: ReturnType<typeof largeConfText> | undefined = largeConfText(5000);
const { lines, extensions, text: confText } = conf;
const textBytes = confText.length;
const first = loadOnce(confText);
conf = undefined;
const heap1 = heapUsed();
for (const [name, ctx] of first.dialplan.contexts) {
  const ext = ctx.extensions[0];
  if (ext) first.lookup.find(name, ext.name.startsWith('_') ? '10000' : ext.name, 1, undefined, AT);
}
const heap2 = heapUsed();

const warmRuns = 30;
const warm: [number, number, number][] = [];
for (let i = 0; i < warmRuns; i++) warm.push(loadOnce(largeConfText(5000).text).times);

let priorities = 0;
for (const ctx of first.dialplan.contexts.values()) for (const e of ctx.extensions) priorities += e.priorities.length;
const [p, l, f] = first.times;
const sample: LoadSample = {
  lines,
  textBytes,
  contexts: first.dialplan.contexts.size,
  globals: first.dialplan.globals.length,
  extensions,
  priorities,
  cold: { parse: p, lookup: l, find: f, total: p + l + f },
  warm: {
    parse: median(warm.map((w) => w[0])),
    lookup: median(warm.map((w) => w[1])),
    find: median(warm.map((w) => w[2])),
    total: median(warm.map((w) => w[0] + w[1] + w[2])),
  },
  warmRuns,
  heapAfterFirstFind: base !== undefined && heap1 !== undefined ? heap1 - base : undefined,
  heapAllPrepared: base !== undefined && heap2 !== undefined ? heap2 - base : undefined,
};
console.log(JSON.stringify(sample));
