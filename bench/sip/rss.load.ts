/**
 * Memory of the running bundle, read as VmRSS from /proc/PID/status:
 *   1. idle: the built-in demo configuration (two phones), SIP moved to 127.0.0.1, median over the
 *      first SETTLE_MS after the console answers; next to it, the same node running an empty
 *      setInterval, for scale;
 *   2. per registration: a configuration with USERS phones, started with the inspector on
 *      127.0.0.1 so the bench can force full garbage collections. RSS and JS heap after a forced
 *      GC while idle; then every phone registers once (distinct users, SIPp); after
 *      SETTLE_AFTER_MS (longer than Timer J, which keeps each REGISTER server transaction 32 s over
 *      UDP) RSS as it stands, then RSS and heap after a forced GC. Meanwhile a stand-in answers
 *      the qualify OPTIONS that phones from pbx.conf always get.
 *      The figure is (RSS after - RSS before) / USERS, both after a forced GC: without it the
 *      number depends on when V8 gives pages back (2.7 to 8.5 KB in three runs).
 * Goals from issue 2: idle ≤ 48 MB on x86-64, ≤ 1.2 KB per registration.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadResult } from '../run.ts';
import { demoConfig } from '../../src/config/demo.ts';
import { freePort, sleep } from '../../test/integration/harness.ts';
import { collectGarbage } from '../lib/inspector.ts';
import { answerOptions } from '../lib/options-responder.ts';
import { benchSystemSection, makeUsers, phonesSection, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { rssBytes, rssParts } from '../lib/proc.ts';
import { runSippLoad } from '../lib/sipp.ts';

const USERS = 10_000;
const SETTLE_MS = 5000;
const SETTLE_AFTER_MS = 40_000;
const SAMPLE_MS = 1000;

const MiB = 2 ** 20;
const mib = (b: number): string => (b / MiB).toFixed(1);
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Sampled {
  /** Median of the last 10 samples. */
  median: number;
  low: number;
  high: number;
}

/**
 * RSS sampled every SAMPLE_MS for `ms`; the median and range of the last 10 samples. The median,
 * because with thousands of phones a qualify round (every 60 s) is often in flight and moves RSS
 * by some MiB for a few seconds.
 */
async function settle(pbx: BundlePbx, ms: number): Promise<Sampled> {
  const samples: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(SAMPLE_MS);
    samples.push(rssBytes(pbx.pid));
  }
  const tail = samples.slice(-10).sort((a, b) => a - b);
  const mid = Math.floor(tail.length / 2);
  const median = tail.length % 2 ? (tail[mid] as number) : ((tail[mid - 1] as number) + (tail[mid] as number)) / 2;
  return { median, low: tail[0] as number, high: tail.at(-1) as number };
}

/** Full GC in the PBX, a moment for the allocator, then RSS and the JS heap in use. */
async function afterGc(pbx: BundlePbx): Promise<{ rss: number; heap: number }> {
  const url = pbx.inspectorUrl();
  if (!url) throw new Error(`the PBX printed no inspector URL:\n${pbx.tail()}`);
  const heap = collectGarbage(url);
  await sleep(SAMPLE_MS);
  return { rss: rssBytes(pbx.pid), heap: heap.usedSize };
}

/** The same node, doing nothing, for scale: what the runtime alone costs on this machine. */
async function bareNode(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(SETTLE_MS);
    return rssBytes(child.pid as number);
  } finally {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  }
}

function threads(pid: number): string {
  return /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

async function idleDemo(): Promise<{ rss: number; note: string }> {
  const conf = (demoConfig('@DIR@').files['pbx.conf'] as string).replace(/^sip = .*$/m, 'sip = 127.0.0.1:@PORT@');
  const pbx = await startBundlePbx({ conf, cpu: 0 });
  try {
    const s = await settle(pbx, SETTLE_MS);
    const parts = rssParts(pbx.pid);
    return {
      rss: s.median,
      note: `median over the first ${SETTLE_MS / 1000} s (${mib(s.low)}–${mib(s.high)} MiB); ${mib(parts.anon)} MiB anonymous + ${mib(parts.file)} MiB file-backed (node binary, ICU data); ${threads(pbx.pid)} threads`,
    };
  } finally {
    await pbx.stop();
  }
}

export default async function rssLoad(): Promise<LoadResult[]> {
  const started = Date.now();
  const bare = await bareNode();
  const idle = await idleDemo();
  console.log(`rss: idle demo ${mib(idle.rss)} MiB (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const users = makeUsers(USERS);
  const pbx = await startBundlePbx({ conf: benchSystemSection() + phonesSection(users), cpu: 0, startMs: 60_000, nodeArgs: ['--inspect=127.0.0.1:0'] });
  try {
    await settle(pbx, SETTLE_MS);
    const before = await afterGc(pbx);
    const localPort = await freePort();
    const run = await runSippLoad({
      scenario: 'register-load.xml',
      port: pbx.port,
      users,
      calls: USERS,
      rate: 10_000,
      limit: 100,
      timeoutS: 300,
      cpu: 1,
      localPort,
      args: ['-aa'],
    });
    if (run.successful !== USERS) throw new Error(`only ${run.successful} of ${USERS} registrations succeeded\n${run.stderr}`);
    const peak = rssBytes(pbx.pid);
    console.log(`rss: ${USERS} registered in ${run.elapsedS.toFixed(1)} s; settling ${SETTLE_AFTER_MS / 1000} s`);
    const phones = await answerOptions(localPort);
    let settled: Sampled;
    let after: { rss: number; heap: number };
    try {
      settled = await settle(pbx, SETTLE_AFTER_MS);
      after = await afterGc(pbx);
    } finally {
      await phones.close();
    }
    const contacts = Number(/(\d+) registered contacts?/.exec(pbx.rx('sip show registrations'))?.[1] ?? NaN);
    console.log(`rss: done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const k = (USERS / 1000).toLocaleString('en-US');
    return [
      { name: 'idle RSS, demo config', figure: `${mib(idle.rss)} MiB`, note: `${idle.note}; bare node ${process.version} (setInterval only): ${mib(bare)} MiB; goal ≤ 48 MB` },
      {
        name: `bytes per registration (${k}k users, after full GC)`,
        figure: `${int((after.rss - before.rss) / USERS)} B RSS`,
        note: [
          `JS heap in use ${int((after.heap - before.heap) / USERS)} B per registration (${mib(before.heap)} → ${mib(after.heap)} MiB)`,
          `RSS after GC ${mib(before.rss)} → ${mib(after.rss)} MiB (inspector on)`,
          `without forcing GC: ${mib(peak)} MiB right after the last registration, ${mib(settled.median)} MiB ${SETTLE_AFTER_MS / 1000} s later (${int((settled.median - before.rss) / USERS)} B each)`,
          `${int(USERS / run.elapsedS)} reg/s; ${contacts} contacts registered; ${phones.answered()} qualify OPTIONS answered by the stand-in`,
          'goal ≤ 1.2 KB',
        ].join('; '),
      },
    ];
  } finally {
    await pbx.stop();
  }
}
