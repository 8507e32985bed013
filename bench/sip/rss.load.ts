/**
 * Memory of the running bundle, read as VmRSS from /proc/PID/status:
 *   1. idle: the built-in demo configuration (two phones), SIP moved to 127.0.0.1, SETTLE_MS after
 *      the console first answers; next to it, the same node running an empty setInterval, for scale;
 *   2. per registration: a configuration with USERS phones; RSS idle, then after every phone has
 *      registered once (distinct users, SIPp) and SETTLE_AFTER_MS have passed, so the REGISTER
 *      server transactions have ended (Timer J, 32 s over UDP) and only the bindings remain.
 *      Meanwhile a stand-in answers the qualify OPTIONS that phones from pbx.conf always get.
 *      (after - before) / USERS is the figure. RSS is what the box pays, so it includes whatever
 *      heap V8 keeps after the peak of the registration burst.
 * Goals from issue 2: idle ≤ 48 MB on x86-64, ≤ 1.2 KB per registration.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadResult } from '../run.ts';
import { demoConfig } from '../../src/config/demo.ts';
import { freePort, sleep } from '../../test/integration/harness.ts';
import { answerOptions } from '../lib/options-responder.ts';
import { benchSystemSection, makeUsers, phonesSection, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { rssBytes } from '../lib/proc.ts';
import { runSippLoad } from '../lib/sipp.ts';

const USERS = 10_000;
const SETTLE_MS = 5000;
/** Longer than Timer J (64 * T1 = 32 s), which keeps each REGISTER server transaction. */
const SETTLE_AFTER_MS = 40_000;
const SAMPLE_MS = 1000;

const MiB = 2 ** 20;
const mib = (b: number): string => (b / MiB).toFixed(1);

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

async function idleDemo(): Promise<{ rss: number; range: string }> {
  const conf = (demoConfig('@DIR@').files['pbx.conf'] as string).replace(/^sip = .*$/m, 'sip = 127.0.0.1:@PORT@');
  const pbx = await startBundlePbx({ conf, cpu: 0 });
  try {
    const s = await settle(pbx, SETTLE_MS);
    return { rss: s.median, range: `median of ${SETTLE_MS / 1000} samples, ${mib(s.low)}–${mib(s.high)} MiB, ${threads(pbx.pid)} threads` };
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
  const pbx = await startBundlePbx({ conf: benchSystemSection() + phonesSection(users), cpu: 0, startMs: 60_000 });
  try {
    const before = await settle(pbx, SETTLE_MS);
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
    let after: Sampled;
    try {
      after = await settle(pbx, SETTLE_AFTER_MS);
    } finally {
      await phones.close();
    }
    const contacts = Number(/(\d+) registered contacts?/.exec(pbx.rx('sip show registrations'))?.[1] ?? NaN);
    const perRegistration = (after.median - before.median) / USERS;
    console.log(`rss: done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return [
      { name: 'idle RSS, demo config', figure: `${mib(idle.rss)} MiB`, note: `VmRSS in the first ${SETTLE_MS / 1000} s after start-up, ${idle.range}; bare node ${process.version} (setInterval only): ${mib(bare)} MiB; goal ≤ 48 MB` },
      {
        name: `bytes per registration (${USERS.toLocaleString('en-US')} users)`,
        figure: `${Math.round(perRegistration).toLocaleString('en-US')} B`,
        note: [
          `RSS ${mib(before.median)} MiB idle with ${USERS.toLocaleString('en-US')} phones configured`,
          `${mib(peak)} MiB right after the last registration (${run.elapsedS.toFixed(1)} s, ${Math.round(USERS / run.elapsedS)} reg/s)`,
          `${mib(after.median)} MiB ${SETTLE_AFTER_MS / 1000} s later (median of the last 10 s, range ${mib(after.low)}–${mib(after.high)} MiB)`,
          `${contacts} contacts registered, ${phones.answered()} qualify OPTIONS answered by the stand-in`,
          'goal ≤ 1.2 KB',
        ].join('; '),
      },
    ];
  } finally {
    await pbx.stop();
  }
}
