// Runs INSIDE the firmware guest (Debian's node 18, no tsx): the line engine's dahdi backend on
// two looped dahdi_dynamic_loc spans, driven through the raw addon, no PBX and no SIP. Port 1 is
// an FXS port on a fxoks channel, port 2 an FXO port on the fxsks channel wired to it, so each
// side's signalling is the other's: ring + caller ID, answer, DTMF, audio, busy tone, loop drop,
// release, ringing again. Prints progress, then one line `RESULTS {"name": true|false, ...}`.
//   node dahdi-engine-check.mjs ADDON FXS_CHANNEL FXO_CHANNEL
// env COUNTRY (us), CID (bell202), CADENCE (2000,4000): the country settings under test.
import { createRequire } from 'node:module';

const [addon, fxsChannel = '1', fxoChannel = '5'] = process.argv.slice(2);
const b = createRequire(import.meta.url)(addon);
const t0 = Date.now();
const log = (...a) => console.log(`[${String(Date.now() - t0).padStart(6)}]`, ...a);
const TONES = [
  { name: 'dial', parts: [{ f1: 350, f2: 440, ms: 0 }] },
  { name: 'ringback', parts: [{ f1: 440, f2: 480, ms: 2000 }, { f1: 0, f2: 0, ms: 4000 }] },
  { name: 'busy', parts: [{ f1: 480, f2: 620, ms: 500 }, { f1: 0, f2: 0, ms: 500 }] },
  { name: 'congestion', parts: [{ f1: 480, f2: 620, ms: 250 }, { f1: 0, f2: 0, ms: 250 }] },
];
const results = {};
const ok = (name, v) => {
  results[name] = !!v;
  log(v ? 'PASS' : 'FAIL', name);
};
const done = () => {
  console.log(`RESULTS ${JSON.stringify(results)}`);
  process.exit(0);
};

const events = [];
const e = b.createLineEngine({
  backend: 'dahdi',
  ports: [{ kind: 'fxs', channel: Number(fxsChannel) }, { kind: 'fxo', channel: Number(fxoChannel) }],
  country: process.env.COUNTRY ?? 'us',
  tones: TONES,
  ringCadenceMs: (process.env.CADENCE ?? '2000,4000').split(',').map(Number),
  cidStandard: process.env.CID ?? 'bell202',
});
try {
  e.start((ev) => {
    events.push(ev);
    log('event', JSON.stringify(ev));
  });
  ok('starts', true);
} catch (err) {
  log('start failed:', err.message);
  ok('starts', false);
  done();
}
ok('no warnings', e.warnings().length === 0);
if (e.warnings().length) log('warnings', JSON.stringify(e.warnings()));

let capture = false;
const heard = [];
const drain = setInterval(() => {
  for (const p of [1, 2]) {
    const buf = new Int16Array(8000);
    const n = e.readAudio(p, buf);
    if (capture && p === 2 && n > 0) heard.push(buf.slice(0, n));
  }
}, 50);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Takes the first event matching `pred` (waiting up to ms); undefined if none came. */
async function take(pred, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const i = events.findIndex(pred);
    if (i >= 0) return events.splice(i, 1)[0];
    if (Date.now() > end) return undefined;
    await sleep(20);
  }
}
const on = (port, type) => (x) => x.port === port && x.type === type;
function goertzel(samples, f) {
  const k = 2 * Math.cos((2 * Math.PI * f) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s = x + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2)) / Math.max(1, samples.length);
}

// Opening a channel starts DAHDI's 2 s ring debounce: a ring in it is reported only at its end.
await sleep(2500);
ok('blocks flow, paced by DAHDI', e.stats().blocks > 10);

// Ring the phone port with caller ID: the line port sees ringing and decodes the caller ID.
e.ring(1, true, '2125551212', 'ANALOG TEST');
const cid = await take(on(2, 'callerid'), 10000);
ok('caller ID crosses the loop', cid && cid.number === '2125551212' && cid.name === 'ANALOG TEST');
ok('ring begins on the line port', await take(on(2, 'ringBegin'), 10000));
ok('ring ends on the line port', await take(on(2, 'ringEnd'), 10000));
ok('the cadence rings again', await take(on(2, 'ringBegin'), 10000));
// The line port answers: the phone port sees its phone go off hook and stops ringing.
e.setHook(2, true);
ok('answer seen as off hook', await take(on(1, 'offhook'), 5000));
await sleep(7000);
ok('no ringing after the answer', !events.some(on(2, 'ringBegin')));
events.length = 0;
// DTMF dialled natively on the line port is detected on the phone port.
e.dial(2, '123#');
ok('dialing completes', await take(on(2, 'dialComplete'), 5000));
await sleep(500);
const digits = events.filter(on(1, 'digit')).map((x) => x.digit).join('');
log('digits', digits);
ok('DTMF crosses the loop', digits === '123#');
// Audio from the phone port reaches the line port: 1004 Hz.
capture = true;
const tone = new Int16Array(16000);
for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1004 * i) / 8000));
e.writeAudio(1, tone);
await sleep(2500);
capture = false;
const n = heard.reduce((a, x) => a + x.length, 0);
const all = new Int16Array(n);
let at = 0;
for (const x of heard) {
  all.set(x, at);
  at += x.length;
}
const g1004 = goertzel(all, 1004);
const g700 = goertzel(all, 700);
log('audio', n, 'samples, 1004 Hz', g1004.toFixed(1), '700 Hz', g700.toFixed(1));
ok('audio crosses the loop', n > 8000 && g1004 > 200 && g1004 > 20 * g700);
// Busy tone on the phone port is recognised on the line port.
events.length = 0;
e.playTone(1, 'busy');
const busy = await take(on(2, 'busy'), 10000);
ok('busy tone detected', busy && busy.tone === 'busy');
e.playTone(1, null);
// The PBX clears the phone's call: the loop drops (kewlstart) and the line port sees it.
events.length = 0;
e.disconnect(1);
ok('loop drop seen as disconnect', await take(on(2, 'disconnect'), 5000));
e.setHook(2, false);
ok('release seen as on hook', await take(on(1, 'onhook'), 6000));
// Idle again: it rings, the ring stops on request, a seize is an off hook.
events.length = 0;
await sleep(2500); // DAHDI ignores ringing for 2 s after a line hangs up (its ring debounce)
e.ring(1, true, '5551234', 'AGAIN');
ok('rings again', await take(on(2, 'ringBegin'), 8000));
e.ring(1, false);
ok('ringing stops on request', await take(on(2, 'ringEnd'), 5000));
e.setHook(2, true);
ok('seize seen as off hook', await take(on(1, 'offhook'), 5000));
e.setHook(2, false);
ok('release seen as on hook again', await take(on(1, 'onhook'), 6000));
const st = e.stats();
log('stats', JSON.stringify(st));
ok('every event delivered', st.eventsDropped === 0);
clearInterval(drain);
e.stop();
done();
