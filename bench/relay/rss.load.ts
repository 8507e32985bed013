/**
 * Memory per active call: RSS (and JS heap) of the built bundle with 0, then LEVELS active
 * relayed calls, without media and with RTP flowing (50 packets/s each way per call, from
 * rtp-load.c), all after a forced full GC (the PBX runs with the inspector on 127.0.0.1, as in
 * bench/sip/rss.load.ts, since without it the figure depends on when V8 gives pages back).
 *
 * For each level: a baseline with no call (after GC), N calls set up by bulk-calls.ts (two legs
 * each, two RTP/RTCP port pairs, bridged by the relay), GC, RSS "no media"; then the generator
 * sends for MEDIA_MS, then (while it goes on sending) GC and RSS "with media"; then every call is hung up. All
 * of it happens well within the RTP timeout (30 s), so no call ends on its own.
 * Bytes per call = (RSS with N calls - baseline) / N.
 */
import type { LoadResult } from '../run.ts';
import { sleep } from '../../test/integration/harness.ts';
import { collectGarbage } from '../lib/inspector.ts';
import { makeUsers, phonesSection, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { rssBytes } from '../lib/proc.ts';
import { PEER_CPU, SERVER_CPU, activeChannels, calleeExtensionsConf, calleeSipConf, callSystemSection, int, loadAverage, prioritiseSelf, waitNoChannels } from '../calls/common.ts';
import { BulkCalls } from './bulk-calls.ts';
import { compileBinaries, startGenerator } from './native.ts';

const LEVELS = [100, 500];
const CALLEE = '9000';
const MEDIA_MS = 6000;
const GEN_BASE_PORT = 40_000;
const MiB = 2 ** 20;
const mib = (b: number): string => (b / MiB).toFixed(1);

interface Snapshot {
  rss: number;
  heap: number;
}

/** Full GC, then RSS and the JS heap; synchronous, so it can run while the generator sends. */
function snapshotNow(pbx: BundlePbx): Snapshot {
  const url = pbx.inspectorUrl();
  if (!url) throw new Error(`the PBX printed no inspector URL:\n${pbx.tail()}`);
  const heap = collectGarbage(url);
  return { rss: rssBytes(pbx.pid), heap: heap.usedSize };
}

/** Full GC, a moment for the allocator to return pages, then RSS and the JS heap. */
async function snapshot(pbx: BundlePbx): Promise<Snapshot> {
  snapshotNow(pbx);
  await sleep(500);
  return snapshotNow(pbx);
}

interface Level {
  calls: number;
  base: Snapshot;
  idle: Snapshot;
  media: Snapshot;
  channels: number;
  received: number;
  sent: number;
  left: number;
}

export default async function rssLoad(): Promise<LoadResult[]> {
  const started = Date.now();
  const prio = prioritiseSelf(PEER_CPU);
  const bin = compileBinaries();
  const users = makeUsers(Math.max(...LEVELS));
  const ua = new BulkCalls();
  await ua.open();
  const loadBefore = loadAverage();
  const pbx = await startBundlePbx({
    conf: callSystemSection() + phonesSection(users),
    files: { 'sip.conf': calleeSipConf(CALLEE, ua.uasPort, false), 'extensions.conf': calleeExtensionsConf(CALLEE) },
    cpu: SERVER_CPU,
    startMs: 60_000,
    nodeArgs: ['--inspect=127.0.0.1:0'],
  });
  ua.pbxPort = pbx.port;
  const levels: Level[] = [];
  try {
    // One small round first, so code paths are compiled and pools exist before the baseline.
    {
      const gen = await startGenerator(bin.generator, { calls: 20, basePort: GEN_BASE_PORT, warmupMs: 1000, measureMs: 1000, drainMs: 200, lateUs: 20_000, cpu: PEER_CPU });
      const calls = await ua.setUp(users.slice(0, 20), CALLEE, gen.ports, 20);
      await gen.run(calls.flatMap((c) => [c?.pbxCallerPort ?? 0, c?.pbxCalleePort ?? 0]), { onStart: () => undefined, onEnd: () => undefined });
      await gen.stop();
      await ua.hangupAll(20);
      await waitNoChannels(pbx, 10_000);
    }
    for (const n of LEVELS) {
      const base = await snapshot(pbx);
      const gen = await startGenerator(bin.generator, { calls: n, basePort: GEN_BASE_PORT, warmupMs: MEDIA_MS, measureMs: 3000, drainMs: 200, lateUs: 20_000, cpu: PEER_CPU });
      try {
        const calls = await ua.setUp(users.slice(0, n), CALLEE, gen.ports, 40);
        const failures = ua.failures.splice(0);
        if (failures.length > 0) throw new Error(`${failures.length} of ${n} calls failed to set up; first: ${failures[0]}`);
        const channels = activeChannels(pbx);
        const idle = await snapshot(pbx);
        // Taken when the generator's measured window opens: RTP has flowed for MEDIA_MS and
        // keeps flowing while the PBX collects garbage.
        let media: Snapshot | undefined;
        const r = await gen.run(calls.flatMap((c) => [c?.pbxCallerPort ?? 0, c?.pbxCalleePort ?? 0]), {
          onStart: () => {
            media = snapshotNow(pbx);
          },
          onEnd: () => undefined,
        });
        if (!media) throw new Error('no snapshot with media');
        const left = (await ua.hangupAll(40), await waitNoChannels(pbx, 10_000));
        levels.push({ calls: n, base, idle, media, channels, received: r.received, sent: r.sent, left });
        console.log(`rss: ${n} calls: base ${mib(base.rss)} MiB, no media ${mib(idle.rss)} MiB, media ${mib(media.rss)} MiB (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      } finally {
        await gen.stop();
      }
    }
  } finally {
    ua.close();
    await pbx.stop();
    bin.remove();
    prio.restore();
  }
  const rows: LoadResult[] = [];
  for (const l of levels) {
    const per = (s: Snapshot): number => (s.rss - l.base.rss) / l.calls;
    const heapPer = (s: Snapshot): number => (s.heap - l.base.heap) / l.calls;
    rows.push(
      {
        name: `bytes per active call, ${l.calls} calls, no media (after full GC)`,
        figure: `${int(per(l.idle))} B RSS`,
        note: `JS heap ${int(heapPer(l.idle))} B per call; RSS ${mib(l.base.rss)} → ${mib(l.idle.rss)} MiB, heap ${mib(l.base.heap)} → ${mib(l.idle.heap)} MiB; ${l.channels} channels (2 per call); inspector on`,
      },
      {
        name: `bytes per active call, ${l.calls} calls, RTP both ways (after full GC)`,
        figure: `${int(per(l.media))} B RSS`,
        note: `JS heap ${int(heapPer(l.media))} B per call; RSS ${mib(l.media.rss)} MiB after ${MEDIA_MS / 1000} s of 50 packets/s each way per call; ${int(l.received)} of ${int(l.sent)} packets of the 3 s around the snapshot came back before the generator stopped listening, 200 ms after (the forced full GC pauses the PBX); ${l.left} channels left after hang-up`,
      },
    );
  }
  rows.push({ name: 'setup', figure: `levels ${LEVELS.join(', ')} calls; baseline RSS (0 calls, after GC) before each level; ${prio.what}`, note: `load average ${loadBefore} before, ${loadAverage()} after; ${((Date.now() - started) / 1000).toFixed(0)} s` });
  return rows;
}
