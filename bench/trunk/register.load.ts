/**
 * Outbound registrations kept fresh: the PBX (the built bundle, pinned to CPU 0) registers
 * ACCOUNTS `register =>` accounts at Kamailio (test/integration/kamailio.ts: digest auth, qop,
 * a new nonce per challenge) with a short expiry, so every account refreshes every
 * 0.8 x EXPIRY s, each refresh a REGISTER, its 401 and the authenticated REGISTER.
 *
 * Figures: time from start until all are Registered (`sip show registry`); then over WINDOW_S
 * seconds of steady state, the PBX's utime+stime (/proc) minus an idle PBX's over the same time
 * (measured first, no register lines), divided by the refreshes Kamailio saw (its REGISTER count
 * / 2). The note says whether every account was still in Kamailio's location table at the end.
 */
import type { LoadResult } from '../run.ts';
import { sleep } from '../../test/integration/harness.ts';
import { startKamailio } from '../../test/integration/kamailio.ts';
import { benchSystemSection, makeUsers, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { cpuMicros } from '../lib/proc.ts';

const ACCOUNTS = 500;
/** Seconds asked for (~EXPIRY): refreshed after 80% of it. */
const EXPIRY = 20;
const WINDOW_S = 64;
const IDLE_S = 16;
const PBX_CPU = 0;

const PBX_CONF = `${benchSystemSection()}\n[phones]\n`;

function registeredCount(pbx: BundlePbx): number {
  return (pbx.rx('sip show registry').match(/ Registered /g) ?? []).length;
}

export default async function trunkRegisterLoad(): Promise<LoadResult[]> {
  // Idle baseline: the same PBX with no registrations (media clock, qualify timers ...).
  const idle = await startBundlePbx({ conf: PBX_CONF, cpu: PBX_CPU });
  let idleUsPerS: number;
  try {
    await sleep(2000);
    const c0 = cpuMicros(idle.pid);
    const t0 = Date.now();
    await sleep(IDLE_S * 1000);
    idleUsPerS = (cpuMicros(idle.pid) - c0) / ((Date.now() - t0) / 1000);
  } finally {
    await idle.stop();
  }

  const users = makeUsers(ACCOUNTS, 500_000);
  const kam = await startKamailio({ users: users.map((u) => ({ name: u.user, password: u.password })) });
  let pbx: BundlePbx | undefined;
  try {
    const sipConf = [
      '[general]',
      'registertimeout = 10',
      ...users.map((u) => `register => ${u.user}:${u.password}@127.0.0.1:${kam.port}/${u.user}~${EXPIRY}`),
      '',
    ].join('\n');
    const started = Date.now();
    pbx = await startBundlePbx({ conf: PBX_CONF, files: { 'sip.conf': sipConf }, cpu: PBX_CPU, startMs: 30_000 });
    let all = 0;
    while (Date.now() - started < 60_000) {
      all = registeredCount(pbx);
      if (all === ACCOUNTS) break;
      await sleep(100);
    }
    const allMs = Date.now() - started;
    if (all !== ACCOUNTS) throw new Error(`only ${all}/${ACCOUNTS} registered after 60 s:\n${pbx.tail()}`);
    // One refresh cycle to reach the steady state, then the window.
    await sleep(EXPIRY * 1000);
    const cpu0 = cpuMicros(pbx.pid);
    const reg0 = kam.requestsSeen('REGISTER');
    const t0 = Date.now();
    await sleep(WINDOW_S * 1000);
    const seconds = (Date.now() - t0) / 1000;
    const cpuUs = cpuMicros(pbx.pid) - cpu0;
    const registers = kam.requestsSeen('REGISTER') - reg0;
    const refreshes = registers / 2;
    const located = new Set((await kam.locations()).map((l) => l.aor)).size;
    const still = registeredCount(pbx);
    const perRefresh = (cpuUs - idleUsPerS * seconds) / refreshes;
    return [
      {
        name: `${ACCOUNTS} register => accounts, start to all Registered`,
        figure: `${(allMs / 1000).toFixed(1)} s`,
        note: 'from spawning the PBX (node start-up included) to `sip show registry` listing all Registered; each is a REGISTER, a 401 and an authenticated REGISTER',
      },
      {
        name: `CPU per refresh (${ACCOUNTS} accounts, ~${EXPIRY} s expiry)`,
        figure: `${Math.round(perRefresh)} µs`,
        note: `${refreshes} refreshes (${registers} REGISTERs) in ${seconds.toFixed(0)} s = ${(refreshes / seconds).toFixed(1)}/s; PBX ${((cpuUs / seconds / 1e6) * 100).toFixed(1)}% of a core, idle PBX ${((idleUsPerS / 1e6) * 100).toFixed(2)}% subtracted; at the end ${still}/${ACCOUNTS} Registered, ${located} in Kamailio's location table`,
      },
    ];
  } finally {
    await pbx?.stop();
    await kam.stop();
  }
}
