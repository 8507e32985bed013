/**
 * AMI under call load, on the bundle against real peers:
 * 1. Events per second delivered to 10 logged-in manager clients (raw TCP, reading everything)
 *    while SIPp callers place calls through the PBX to a SIPp phone (a static sip.conf peer):
 *    each call makes about 20 events (Newchannel, Newstate, Newexten, DialBegin/End,
 *    BridgeEnter/Leave, Hangup ... for two legs), each formatted once and queued to every client.
 *    Reported with the PBX's CPU per call, with and without the 10 clients.
 * 2. Call setup time with and without a client that stops reading (logged in, paused; then one
 *    that also keeps sending requests so its backlog grows): 20 calls one after another, the
 *    mean time per call minus the hold, and when the PBX disconnected the stalled client.
 */
import { createConnection, type Socket } from 'node:net';
import type { LoadResult } from '../run.ts';
import { freePort, sleep } from '../../test/integration/harness.ts';
import { makeUsers, phonesSection, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { cpuMicros } from '../lib/proc.ts';
import { callSystemSection, calleeExtensionsConf, calleeSipConf, PEER_CPU, runCallers, SERVER_CPU, startSippPhone, waitNoChannels, int } from '../calls/common.ts';

const CLIENTS = 10;
const RATE = 50;
const CALLS = 500;
const HOLD_MS = 1000;
const SECRET = 'benchS3cret';

interface Listener {
  sock: Socket;
  events: number;
  closed: boolean;
}

/** Logs in and counts `Event:` lines as they arrive (a marker split across chunks is kept). */
function listen(port: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const l: Listener = { sock, events: 0, closed: false };
    let carry = '';
    let loggedIn = false;
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      const text = carry + d;
      let i = 0;
      while ((i = text.indexOf('\r\nEvent: ', i)) >= 0) {
        l.events++;
        i += 9;
      }
      carry = text.slice(-9);
      if (!loggedIn && text.includes('Authentication accepted')) {
        loggedIn = true;
        resolve(l);
      }
    });
    sock.on('close', () => (l.closed = true));
    sock.on('error', reject);
    sock.write(`Action: Login\r\nUsername: bench\r\nSecret: ${SECRET}\r\n\r\n`);
  });
}

async function callRun(pbx: BundlePbx, users: ReturnType<typeof makeUsers>, calls: number, rate: number, limit: number, holdMs: number): Promise<{ successful: number; failed: number; elapsedS: number; cpuUs: number }> {
  const cpu0 = cpuMicros(pbx.pid);
  const run = await runCallers(pbx, users, 'callee', { calls, rate, limit, timeoutS: Math.ceil(calls / rate) + 60, holdMs });
  await waitNoChannels(pbx, 10_000);
  return { successful: run.successful, failed: run.failed, elapsedS: run.elapsedS, cpuUs: cpuMicros(pbx.pid) - cpu0 };
}

export default async function (): Promise<LoadResult[]> {
  const users = makeUsers(20);
  const amiPort = await freePort();
  const callee = await startSippPhone('bench-call-uas.xml', PEER_CPU);
  const pbx = await startBundlePbx({
    conf: callSystemSection() + phonesSection(users),
    files: {
      'sip.conf': calleeSipConf('callee', callee.port, false),
      'extensions.conf': calleeExtensionsConf('callee'),
      'manager.conf': ['[general]', 'enabled = yes', `port = ${amiPort}`, '[bench]', `secret = ${SECRET}`, 'read = all', 'write = all', ''].join('\n'),
    },
    cpu: SERVER_CPU,
  });
  const out: LoadResult[] = [];
  const listeners: Listener[] = [];
  try {
    await callRun(pbx, users, 50, 25, 50, 200); // warm-up
    const bare = await callRun(pbx, users, CALLS, RATE, RATE * 3, HOLD_MS);
    for (let i = 0; i < CLIENTS; i++) listeners.push(await listen(amiPort));
    const e0 = listeners.map((l) => l.events);
    const t0 = performance.now();
    const loaded = await callRun(pbx, users, CALLS, RATE, RATE * 3, HOLD_MS);
    await sleep(500);
    const seconds = (performance.now() - t0) / 1000;
    const perClient = listeners.map((l, i) => l.events - (e0[i] ?? 0));
    const total = perClient.reduce((a, b) => a + b, 0);
    const min = Math.min(...perClient);
    out.push({
      name: `events to ${CLIENTS} AMI clients during ${CALLS} calls at ${RATE}/s (${HOLD_MS} ms hold)`,
      figure: `${int(total / seconds)} events/s delivered in all (${int(total / seconds / CLIENTS)} per client)`,
      note: `${int(min / Math.max(1, loaded.successful))} events per call to each client; every client got ${min === Math.max(...perClient) ? 'the same count' : `${min}..${Math.max(...perClient)}`}; ${loaded.successful}/${CALLS} calls ok`,
    });
    out.push({
      name: 'PBX CPU per call, without / with 10 AMI clients',
      figure: `${int(bare.cpuUs / Math.max(1, bare.successful))} / ${int(loaded.cpuUs / Math.max(1, loaded.successful))} µs`,
      note: `failed calls ${bare.failed} / ${loaded.failed}`,
    });
    for (const l of listeners) l.sock.destroy();
    listeners.length = 0;

    // Call setup with and without a client that stops reading: first one that only stops (its
    // backlog is the calls' events), then one that also keeps asking (200 ListCommands/s, about
    // 400 kB/s of answers) until the PBX drops it.
    const SERIAL = 20;
    const SERIAL_HOLD = 100;
    const ms = (r: { elapsedS: number }): number => (r.elapsedS * 1000) / SERIAL - SERIAL_HOLD;
    const plain = await callRun(pbx, users, SERIAL, 1000, 1, SERIAL_HOLD);
    const silent = await listen(amiPort);
    listeners.push(silent);
    silent.sock.pause();
    const withSilent = await callRun(pbx, users, SERIAL, 1000, 1, SERIAL_HOLD);
    silent.sock.destroy();
    const asking = await listen(amiPort);
    listeners.push(asking);
    asking.sock.pause();
    const ask = setInterval(() => {
      if (!asking.closed) for (let i = 0; i < 20; i++) asking.sock.write('Action: ListCommands\r\n\r\n');
    }, 100);
    const t1 = performance.now();
    const withAsking = await callRun(pbx, users, SERIAL, 1000, 1, SERIAL_HOLD);
    let dropped = false;
    while (!(dropped = /is not reading/.test(pbx.tail())) && performance.now() - t1 < 60_000) await sleep(200);
    const dropS = (performance.now() - t1) / 1000;
    clearInterval(ask);
    out.push({
      name: `call setup, ${SERIAL} calls one at a time: no AMI client / a client that stopped reading / one that stopped reading and sends 200 requests/s`,
      figure: `${ms(plain).toFixed(1)} / ${ms(withSilent).toFixed(1)} / ${ms(withAsking).toFixed(1)} ms per call`,
      note: `SIPp elapsed per call minus the ${SERIAL_HOLD} ms hold; failed calls ${plain.failed} / ${withSilent.failed} / ${withAsking.failed}; the asking client was ${dropped ? `disconnected by the 1 MiB bound ${dropS.toFixed(1)} s after it stopped reading` : 'NOT disconnected within 60 s'}`,
    });
  } finally {
    for (const l of listeners) l.sock.destroy();
    await pbx.stop();
    await callee.stop();
  }
  return out;
}
