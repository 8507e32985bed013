import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createLogger, silentLogger, syslogOptionsProblem, type LoggerOptions } from '../../../src/log/index.ts';
import type { SyslogTransport } from '../../../src/log/syslog-transport.ts';
import { parseRfc5424 } from './rfc5424.ts';

const T = Date.UTC(2026, 10, 23, 12, 0, 1, 123);
const PID = process.pid;

/** A syslog transport that records messages instead of sending them. */
function memoryTransport(): SyslogTransport & { messages: string[]; up: boolean } {
  const t = {
    protocol: 'udp' as const,
    messages: [] as string[],
    up: true,
    onWritable: () => {},
    writable: () => t.up,
    send(m: Uint8Array) {
      t.messages.push(new TextDecoder().decode(m));
    },
    stats: () => ({ sent: t.messages.length, errors: 0, connected: t.up, reconnects: 0, lastError: undefined }),
    close: () => Promise.resolve(),
  };
  return t;
}

function setup(over: Partial<LoggerOptions> = {}) {
  const out: string[] = [];
  const transport = memoryTransport();
  const log = createLogger({
    hostname: 'pbx1',
    stdout: { verbose: 3 },
    syslog: { host: '192.0.2.1', verbose: 1 },
    clock: new FakeClock(T),
    timeZone: 'utc',
    stdoutWrite: (s) => out.push(s),
    syslogDeps: { transport },
    ...over,
  });
  return { log, out, transport, sys: () => transport.messages.map((m) => parseRfc5424(new TextEncoder().encode(m))) };
}

describe('logger: severities and console lines', () => {
  test('exact Asterisk-like stdout lines for each severity', async () => {
    const { log, out } = setup({ stdout: { verbose: 10, debug: 10 } });
    const reg = log.child('registrar');
    reg.error('Peer 2000 unreachable');
    reg.warning('Bad password', { peer: '2000' });
    reg.notice('Peer 2000 is now reachable');
    reg.verbose(1, 'Asterisk Ready.');
    reg.verbose(2, 'Parsing sip.conf');
    reg.verbose(3, 'Registered SIP 2000 at 127.0.0.1:5062');
    reg.verbose(7, 'Deep detail');
    reg.debug(2, 'Expiry timer set', { expires: 3600, contact: 'sip:2000@127.0.0.1 ;x' });
    assert.deepEqual(out, [
      `[Nov 23 12:00:01] ERROR[${PID}] registrar: Peer 2000 unreachable\n`,
      `[Nov 23 12:00:01] WARNING[${PID}] registrar: Bad password peer=2000\n`,
      `[Nov 23 12:00:01] NOTICE[${PID}] registrar: Peer 2000 is now reachable\n`,
      '[Nov 23 12:00:01]  Asterisk Ready.\n',
      '[Nov 23 12:00:01]   == Parsing sip.conf\n',
      '[Nov 23 12:00:01]     -- Registered SIP 2000 at 127.0.0.1:5062\n',
      '[Nov 23 12:00:01]        > Deep detail\n',
      `[Nov 23 12:00:01] DEBUG[${PID}] registrar: Expiry timer set expires=3600 contact="sip:2000@127.0.0.1 ;x"\n`,
    ]);
    await log.close();
  });

  test('messages are literal: printf placeholders and percent-escapes are not interpreted', async () => {
    const { log, out, sys } = setup();
    log.notice('INVITE sip:alice%40example.com@pbx 100%s %d %j');
    assert.equal(out[0], `[Nov 23 12:00:01] NOTICE[${PID}] core: INVITE sip:alice%40example.com@pbx 100%s %d %j\n`);
    assert.equal(sys()[0].msg, 'INVITE sip:alice%40example.com@pbx 100%s %d %j');
    await log.close();
  });

  test('the console day is space-padded like %e', async () => {
    const { log, out } = setup({ clock: new FakeClock(Date.UTC(2026, 0, 5, 9, 8, 7)) });
    log.notice('x');
    assert.equal(out[0], `[Jan  5 09:08:07] NOTICE[${PID}] core: x\n`);
    await log.close();
  });

  test('child modules nest with dots and carry bound fields; call fields win', async () => {
    const { log, sys } = setup();
    const t = log.child('sip').child('transport', { proto: 'udp', peer: 'a' });
    assert.equal(t.module, 'sip.transport');
    assert.equal(log.module, 'core');
    t.notice('Bound', { peer: 'b' });
    const [m] = sys();
    assert.equal(m.msgId, 'sip.transport');
    assert.deepEqual(m.sd?.[0].params, [
      ['proto', 'udp'],
      ['peer', 'b'],
    ]);
    await log.close();
  });

  test('stdout json format carries module, sub-level and fields', async () => {
    const { log, out } = setup({ stdout: { verbose: 3, format: 'json' } });
    log.child('sip').verbose(3, 'Registered', { peer: '2000' });
    const j = JSON.parse(out[0]);
    assert.equal(j.module, 'sip');
    assert.equal(j.verbose, 3);
    assert.equal(j.msg, 'Registered');
    assert.equal(j.time, T);
    assert.deepEqual(j.fields, { peer: '2000' });
    await log.close();
  });
});

describe('logger: verbosity per destination', () => {
  test('verbose N reaches a destination only when its threshold is >= N', async () => {
    const { log, out, sys } = setup(); // stdout verbose 3, syslog verbose 1
    const sip = log.child('sip');
    sip.verbose(1, 'v1');
    sip.verbose(3, 'v3');
    sip.verbose(4, 'v4');
    sip.notice('n');
    assert.deepEqual(
      out.map((l) => l.trim().replace(/^\[[^\]]+\]\s+(-- |== )?/, '')),
      ['v1', 'v3', `NOTICE[${PID}] sip: n`],
    );
    assert.deepEqual(
      sys().map((m) => [m.severity, m.msg]),
      [
        [6, 'v1'],
        [5, 'n'],
      ],
    );
    await log.close();
  });

  test('setVerbose changes the console (stdout and ring) without touching syslog, and back', async () => {
    const { log, out, sys } = setup();
    assert.equal(log.getVerbose(), 3);
    assert.equal(log.getVerbose('syslog'), 1);
    log.setVerbose(5);
    log.verbose(5, 'five');
    assert.equal(out.length, 1);
    assert.equal(log.ring.tail(1)[0].line, '[Nov 23 12:00:01]        > five');
    assert.equal(sys().length, 0);
    log.setVerbose(2, 'syslog');
    log.verbose(2, 'two');
    assert.equal(sys().length, 1);
    log.setVerbose(0);
    log.verbose(1, 'one');
    assert.equal(out.length, 2, 'console at 0 hides verbose 1');
    assert.equal(sys().at(-1)?.msg, 'one');
    await log.close();
  });

  test('debug is off by default and enabled per destination with setDebug', async () => {
    const { log, out, sys } = setup();
    log.debug(1, 'hidden');
    assert.equal(out.length + sys().length, 0);
    assert.equal(log.isDebug(1), false);
    log.setDebug(2);
    assert.equal(log.getDebug(), 2);
    log.debug(2, 'console');
    log.debug(3, 'too deep');
    assert.equal(out.length, 1);
    assert.equal(sys().length, 0);
    log.setDebug(1, 'syslog');
    log.debug(1, 'both');
    assert.equal(sys()[0].severity, 7);
    assert.equal(out.length, 2);
    await log.close();
  });

  test('isVerbose reflects the most verbose destination', async () => {
    const { log } = setup({ stdout: false });
    assert.equal(log.isVerbose(3), true, 'ring captures at the console default 3');
    assert.equal(log.isVerbose(4), false);
    log.setVerbose(0);
    assert.equal(log.isVerbose(1), true, 'syslog still wants verbose 1');
    assert.equal(log.isVerbose(2), false);
    await log.close();
  });

  test('error, warning and notice reach every destination at verbosity 0', async () => {
    const { log, out, sys } = setup({ stdout: { verbose: 0 }, syslog: { host: '192.0.2.1', verbose: 0 } });
    log.error('e');
    log.warning('w');
    log.notice('n');
    assert.equal(out.length, 3);
    assert.deepEqual(
      sys().map((m) => m.severity),
      [3, 4, 5],
    );
    assert.equal(log.ring.tail(10).length, 3);
    await log.close();
  });
});

describe('logger: robustness and lifecycle', () => {
  test('a field that throws while serialised and a throwing subscriber never reach the caller', async () => {
    const { log, out } = setup();
    const evil = {
      get boom(): string {
        throw new Error('getter');
      },
    };
    log.ring.subscribe(() => {
      throw new Error('broken console');
    }, 3);
    assert.doesNotThrow(() => log.notice('with evil', { evil }));
    assert.doesNotThrow(() => log.notice('after'));
    assert.equal(out.at(-1), `[Nov 23 12:00:01] NOTICE[${PID}] core: after\n`);
    await log.close();
  });

  test('after close() log calls are ignored', async () => {
    const { log, out, sys } = setup();
    const sip = log.child('sip');
    await log.close();
    sip.error('late');
    log.notice('late');
    assert.equal(out.length, 0);
    assert.equal(sys().length, 0);
    assert.equal(sip.isVerbose(1), false);
  });

  test('reconfigure turns stdout off and on, keeps console verbosity set at runtime, resizes the ring', async () => {
    const { log, out } = setup();
    log.setVerbose(4);
    await log.reconfigure({ hostname: 'pbx1', stdout: false, ringSize: 2, stdoutWrite: (s) => out.push(s) });
    log.notice('a');
    assert.equal(out.length, 0);
    await log.reconfigure({ hostname: 'pbx1', stdout: {}, ringSize: 2, stdoutWrite: (s) => out.push(s) });
    log.verbose(4, 'b');
    log.notice('c');
    assert.equal(out.length, 2);
    assert.equal(log.getVerbose(), 4);
    assert.deepEqual(
      log.ring.tail(10).map((e) => e.line.slice(-1)),
      ['b', 'c'],
    );
    assert.equal(log.stats().syslog, undefined, 'syslog absent from the new options is closed');
    await log.close();
  });

  test('reconfigure with a new syslog server moves queued records over and loses nothing', async () => {
    const first = memoryTransport();
    first.up = false; // server unreachable: records queue up
    const { log } = setup({ syslogDeps: { transport: first } });
    log.notice('one');
    log.notice('two');
    assert.equal(log.stats().syslog?.queued, 2);
    const second = memoryTransport();
    await log.reconfigure({
      hostname: 'pbx1',
      stdout: { verbose: 3 },
      syslog: { host: '192.0.2.2', verbose: 1 },
      stdoutWrite: () => {},
      syslogDeps: { transport: second },
    });
    log.notice('three');
    assert.deepEqual(
      second.messages.map((m) => parseRfc5424(new TextEncoder().encode(m)).msg),
      ['one', 'two', 'three'],
    );
    assert.equal(first.messages.length, 0);
    await log.close();
  });

  test('reconfigure with only a verbosity change keeps the same syslog destination', async () => {
    const { log, transport } = setup();
    await log.reconfigure({
      hostname: 'pbx1',
      stdout: { verbose: 3 },
      syslog: { host: '192.0.2.1', verbose: 4 },
      stdoutWrite: () => {},
      syslogDeps: { transport: memoryTransport() },
    });
    log.verbose(4, 'kept');
    assert.equal(transport.messages.length, 1);
    assert.equal(log.getVerbose('syslog'), 4);
    await log.close();
  });

  test('bad syslog options are refused up front; a failed reconfigure changes nothing', async () => {
    assert.throws(() => createLogger({ stdout: false, syslog: { host: '127.0.0.1', port: 70000 } }), /port 70000/);
    assert.throws(() => createLogger({ stdout: false, syslog: { host: '', port: 514 } }), /host/);
    assert.throws(() => createLogger({ stdout: false, syslog: { host: 'h', facility: 'local9' } }), /facility/);
    assert.equal(syslogOptionsProblem({ host: 'logs.example.net', port: 6514, protocol: 'tcp', facility: 'daemon' }), undefined);
    const { log, out, transport } = setup();
    await assert.rejects(
      log.reconfigure({ hostname: 'pbx1', stdout: false, syslog: { host: '192.0.2.9', protocol: 'sctp' as never } }),
      /protocol/,
    );
    log.notice('still here');
    assert.equal(out.length, 1, 'stdout kept');
    assert.equal(transport.messages.length, 1, 'old syslog kept');
    await log.close();
  });

  test('silentLogger accepts every call and shows nothing', () => {
    const s = silentLogger();
    s.child('x').verbose(1, 'nothing');
    assert.equal(s.isVerbose(1), false);
  });
});
