/**
 * The syslog destination and its transports driven by fakes: a FakeClock for the reconnect
 * schedule, a fake TCP connection whose events the test fires, a fake UDP sender whose
 * completions the test releases. No sockets, exact timings.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import type { TcpConnection, TcpConnectionEvents, UdpSender } from '../../../src/platform/log-output.ts';
import { SyslogDestination } from '../../../src/log/syslog-destination.ts';
import {
  TcpState,
  TcpSyslogTransport,
  UDP_MAX_IN_FLIGHT,
  UdpSyslogTransport,
} from '../../../src/log/syslog-transport.ts';
import type { LogRecord } from '../../../src/log/types.ts';
import { OctetCountingSplitter, parseRfc5424 } from './rfc5424.ts';

function rec(msg: string): LogRecord {
  return { time: 0, severity: 'notice', level: 0, module: 'core', msg, fields: undefined, pid: 1 };
}

class FakeTcp {
  attempts: { at: number; events: TcpConnectionEvents; conn: FakeConn }[] = [];
  constructor(private clock: FakeClock) {}
  connect = (_host: string, _port: number, events: TcpConnectionEvents): TcpConnection => {
    const conn = new FakeConn(events);
    this.attempts.push({ at: this.clock.now(), events, conn });
    return conn;
  };
  get last() {
    return this.attempts[this.attempts.length - 1];
  }
}

class FakeConn implements TcpConnection {
  written: Uint8Array[] = [];
  buffered = 0;
  ended = false;
  destroyed = false;
  constructor(private events: TcpConnectionEvents) {}
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    return true;
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  end(): void {
    this.ended = true;
    queueMicrotask(() => this.events.onClose(undefined));
  }
  destroy(): void {
    this.destroyed = true;
  }
  messages(): string[] {
    const s = new OctetCountingSplitter();
    return this.written.flatMap((w) => s.push(w)).map((m) => parseRfc5424(m).msg ?? '');
  }
}

describe('TCP transport state machine (fake clock)', () => {
  test('reconnect backoff is 500, 1000, 2000 ... capped at 30000 ms, reset after a connection', () => {
    const clock = new FakeClock();
    const tcp = new FakeTcp(clock);
    const t = new TcpSyslogTransport('192.0.2.1', 514, { clock, connect: tcp.connect });
    assert.equal(t.connectionState, TcpState.Connecting);
    for (let i = 0; i < 9; i++) {
      tcp.last.events.onClose(new Error('ECONNREFUSED'));
      assert.equal(t.connectionState, TcpState.Waiting);
      clock.advance(clock.nextAt()! - clock.now());
    }
    const gaps = tcp.attempts.slice(1).map((a, i) => a.at - tcp.attempts[i].at);
    assert.deepEqual(gaps, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    tcp.last.events.onConnect();
    assert.equal(t.connectionState, TcpState.Connected);
    assert.equal(clock.pending(), 0, 'no timer runs while connected');
    tcp.last.events.onClose(new Error('ECONNRESET'));
    clock.advance(500);
    assert.equal(tcp.attempts.length, 11, 'backoff starts again at 500 ms');
    assert.equal(t.stats().errors, 10);
  });

  test('a connect attempt that hangs is abandoned after 5 s', () => {
    const clock = new FakeClock();
    const tcp = new FakeTcp(clock);
    const t = new TcpSyslogTransport('192.0.2.1', 514, { clock, connect: tcp.connect });
    clock.advance(4999);
    assert.equal(t.connectionState, TcpState.Connecting);
    clock.advance(1);
    assert.equal(t.connectionState, TcpState.Waiting);
    assert.equal(tcp.attempts[0].conn.destroyed, true);
    assert.match(t.stats().lastError ?? '', /timed out/);
    clock.advance(500);
    assert.equal(tcp.attempts.length, 2);
  });

  test('close() while waiting cancels the backoff timer at once', async () => {
    const clock = new FakeClock();
    const tcp = new FakeTcp(clock);
    const t = new TcpSyslogTransport('192.0.2.1', 514, { clock, connect: tcp.connect });
    tcp.last.events.onClose(new Error('ECONNREFUSED'));
    await t.close(2000);
    assert.equal(t.connectionState, TcpState.Closed);
    assert.equal(clock.pending(), 0);
  });

  test('close() gives up on a stuck connection at the deadline', async () => {
    const clock = new FakeClock();
    const tcp = new FakeTcp(clock);
    const t = new TcpSyslogTransport('192.0.2.1', 514, { clock, connect: tcp.connect });
    const closed = t.close(2000);
    clock.advance(2000);
    await closed;
    assert.equal(tcp.last.conn.destroyed, true);
    assert.equal(t.connectionState, TcpState.Closed);
    assert.equal(clock.pending(), 0);
  });
});

describe('syslog destination queue', () => {
  test('records queue while TCP is down, drops are reported, socket high-water pauses sending', async () => {
    const clock = new FakeClock();
    const tcp = new FakeTcp(clock);
    const d = new SyslogDestination(
      { host: '192.0.2.1', protocol: 'tcp', hostname: 'h', queueSize: 3 },
      { clock, tcp: { connect: tcp.connect } },
    );
    for (const m of ['a', 'b', 'c', 'd']) d.write(rec(m));
    assert.deepEqual([d.stats().queued, d.stats().dropped], [3, 1]);
    const first = tcp.last.conn;
    tcp.last.events.onConnect();
    assert.deepEqual(first.messages(), ['syslog: dropped 1 log messages while 192.0.2.1:514/tcp was unreachable', 'b', 'c', 'd']);
    first.buffered = 64 * 1024; // kernel not taking data: stop writing, queue instead
    d.write(rec('e'));
    assert.equal(d.stats().queued, 1);
    first.buffered = 0;
    tcp.last.events.onDrain();
    assert.equal(first.messages().at(-1), 'e');
    const closing = d.close();
    await closing;
    assert.equal(first.ended, true);
    assert.equal(clock.pending(), 0);
  });

  test('UDP: never more than the in-flight window handed over; the rest waits and goes in order', async () => {
    const pending: (() => void)[] = [];
    const sent: string[] = [];
    let maxInFlight = 0;
    const sender: UdpSender = {
      send(datagram, done) {
        pending.push(() => {
          sent.push(parseRfc5424(datagram).msg ?? '');
          done(null);
        });
        maxInFlight = Math.max(maxInFlight, pending.length);
      },
      inFlight: () => pending.length,
      close: () => Promise.resolve(),
    };
    const transport = new UdpSyslogTransport('192.0.2.1', 514, () => sender);
    const clock = new FakeClock();
    const d = new SyslogDestination({ host: '192.0.2.1', hostname: 'h', queueSize: 2000 }, { clock, transport });
    for (let i = 0; i < 1000; i++) d.write(rec(`m${i}`));
    assert.equal(pending.length, UDP_MAX_IN_FLIGHT);
    assert.equal(d.stats().queued, 1000 - UDP_MAX_IN_FLIGHT);
    const closed = d.close();
    while (pending.length > 0) pending.shift()!();
    await closed;
    assert.equal(maxInFlight, UDP_MAX_IN_FLIGHT);
    assert.equal(sent.length, 1000);
    assert.deepEqual(sent.slice(-2), ['m998', 'm999']);
    assert.equal(d.stats().dropped, 0);
    assert.equal(clock.pending(), 0);
  });

  test('unknown facility is refused when the destination is built', () => {
    assert.throws(
      () => new SyslogDestination({ host: 'x', hostname: 'h', facility: 'local9' }, { transport: {} as never }),
      /facility/,
    );
  });
});
