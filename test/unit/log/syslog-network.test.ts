/**
 * The syslog destination against real sockets on 127.0.0.1: a UDP listener and TCP listeners
 * that come and go. After every test no log socket or logger timer may remain.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { backgroundClock, openLogSockets } from '../../../src/platform/log-output.ts';
import { createLogger, type LoggerOptions, type PbxLogger } from '../../../src/log/index.ts';
import { OctetCountingSplitter, parseRfc5424, type Rfc5424Message } from './rfc5424.ts';

const T = Date.UTC(2026, 10, 23, 12, 0, 1, 123);

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface UdpListener {
  port: number;
  messages: Rfc5424Message[];
  sizes: number[];
  close(): Promise<void>;
}

async function udpListener(): Promise<UdpListener> {
  const sock: UdpSocket = createSocket('udp4');
  const l: UdpListener = {
    port: 0,
    messages: [],
    sizes: [],
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
  sock.on('message', (m) => {
    l.sizes.push(m.length);
    l.messages.push(parseRfc5424(m));
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  l.port = sock.address().port;
  return l;
}

interface TcpListener {
  port: number;
  messages: Rfc5424Message[];
  /** Frames found in each chunk read from a connection. */
  framesPerChunk: number[];
  connections: Socket[];
  ended: number;
  close(): Promise<void>;
}

async function tcpListener(port = 0): Promise<TcpListener> {
  const server: Server = createServer();
  const l: TcpListener = {
    port: 0,
    messages: [],
    framesPerChunk: [],
    connections: [],
    ended: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const c of l.connections) c.destroy();
        server.close(() => r());
      }),
  };
  server.on('connection', (c) => {
    l.connections.push(c);
    const split = new OctetCountingSplitter();
    c.on('data', (chunk) => {
      const frames = split.push(chunk);
      l.framesPerChunk.push(frames.length);
      for (const f of frames) l.messages.push(parseRfc5424(f));
    });
    c.on('end', () => {
      assert.equal(split.pending, 0, 'connection ended inside a frame');
      l.ended++;
    });
    c.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const addr = server.address();
  l.port = typeof addr === 'object' && addr ? addr.port : 0;
  return l;
}

/** A port nothing listens on (bound and released). */
async function deadPort(): Promise<number> {
  const l = await tcpListener();
  await l.close();
  return l.port;
}

const fastReconnect = { tcp: { backoffInitialMs: 20, backoffMaxMs: 40, connectTimeoutMs: 1000 } };

let open: PbxLogger[] = [];
function logger(options: LoggerOptions): PbxLogger {
  const log = createLogger({ hostname: 'pbx-test', stdout: false, ...options });
  open.push(log);
  return log;
}

afterEach(async () => {
  for (const l of open) await l.close();
  open = [];
  assert.equal(openLogSockets(), 0, 'a log socket was left open');
  assert.equal(backgroundClock.pending(), 0, 'a logger timer was left running');
});

describe('syslog over UDP (RFC 5426)', () => {
  test('records arrive one per datagram and parse as RFC 5424, filtered by the syslog verbosity', async () => {
    const server = await udpListener();
    try {
      const log = logger({
        clock: new FakeClock(T),
        syslog: { host: '127.0.0.1', port: server.port, protocol: 'udp', verbose: 3 },
      });
      const sip = log.child('sip');
      sip.notice('Peer 2000 is now reachable', { peer: '2000', addr: '127.0.0.1:5062' });
      sip.verbose(3, 'Registered SIP 2000 at 127.0.0.1:5062');
      sip.verbose(4, 'not for syslog');
      log.child('registrar').error('Échec: "2000" ]bad[', { reason: 'a]b"c\\d' });
      log.notice('end');
      await until(() => server.messages.length >= 4, '4 datagrams');
      await log.close();
      const [a, b, c, d] = server.messages;
      assert.equal(server.messages.length, 4);
      assert.deepEqual(
        [a.pri, a.version, a.timestamp, a.hostname, a.appName, a.procId, a.msgId],
        [133, 1, '2026-11-23T12:00:01.123Z', 'pbx-test', 'pbx', String(process.pid), 'sip'],
      );
      assert.deepEqual(a.sd, [
        {
          id: 'pbx@32473',
          params: [
            ['peer', '2000'],
            ['addr', '127.0.0.1:5062'],
          ],
        },
      ]);
      assert.deepEqual([b.severity, b.msg, b.sd], [6, 'Registered SIP 2000 at 127.0.0.1:5062', null]);
      assert.deepEqual([c.severity, c.msgId, c.msg, c.bom], [3, 'registrar', 'Échec: "2000" ]bad[', true]);
      assert.deepEqual(c.sd?.[0].params, [['reason', 'a]b"c\\d']]);
      assert.deepEqual([d.msgId, d.msg], ['core', 'end']);
      assert.equal(log.stats().syslog, undefined);
    } finally {
      await server.close();
    }
  });

  test('a server given by name (localhost) is resolved and receives every record', async () => {
    const server = await udpListener();
    try {
      const log = logger({ syslog: { host: 'localhost', port: server.port } });
      for (let i = 0; i < 5; i++) log.notice(`named ${i}`);
      await until(() => server.messages.length === 5, '5 datagrams');
      assert.deepEqual(
        server.messages.map((m) => m.msg),
        ['named 0', 'named 1', 'named 2', 'named 3', 'named 4'],
      );
    } finally {
      await server.close();
    }
  });

  test('an oversized record is cut to 2048 octets and still parses', async () => {
    const server = await udpListener();
    try {
      const log = logger({ syslog: { host: '127.0.0.1', port: server.port } });
      log.notice('x'.repeat(10_000));
      await until(() => server.messages.length === 1, 'the datagram');
      assert.equal(server.sizes[0], 2048);
      assert.match(server.messages[0].msg ?? '', /^x+$/);
    } finally {
      await server.close();
    }
  });
});

describe('syslog over TCP (RFC 6587 octet counting)', () => {
  test('frames arrive in order, split correctly, multi-line messages intact; close() sends FIN', async () => {
    const server = await tcpListener();
    try {
      const log = logger({ syslog: { host: '127.0.0.1', port: server.port, protocol: 'tcp' } });
      await until(() => log.stats().syslog?.connected === true, 'connect');
      for (let i = 0; i < 200; i++) log.child('sip').notice(`message ${i}`, { i });
      log.notice('line one\nline two');
      await until(() => server.messages.length === 201, '201 frames');
      assert.deepEqual(
        server.messages.slice(0, 200).map((m) => m.msg),
        Array.from({ length: 200 }, (_, i) => `message ${i}`),
      );
      assert.equal(server.messages[200].msg, 'line one\nline two');
      assert.ok(
        server.framesPerChunk.some((n) => n > 1),
        'expected at least one read to hold several frames',
      );
      await log.close();
      await until(() => server.ended === 1, 'FIN from the logger');
    } finally {
      await server.close();
    }
  });

  test('server down then up: records queue (bounded, oldest dropped) and arrive after reconnect', async () => {
    const port = await deadPort();
    const log = logger({
      syslog: { host: '127.0.0.1', port, protocol: 'tcp', queueSize: 5 },
      syslogDeps: fastReconnect,
    });
    for (let i = 1; i <= 8; i++) log.notice(`queued ${i}`);
    await until(() => (log.stats().syslog?.errors ?? 0) >= 2, 'a few refused connects');
    const s = log.stats().syslog;
    assert.deepEqual([s?.connected, s?.queued, s?.dropped], [false, 5, 3]);
    const server = await tcpListener(port);
    try {
      await until(() => server.messages.length === 6, 'the drop notice and 5 queued records');
      const [warning, ...rest] = server.messages;
      assert.equal(warning.severity, 4);
      assert.match(warning.msg ?? '', /dropped 3 log messages/);
      assert.deepEqual(warning.sd?.[0].params, [['dropped', '3']]);
      assert.deepEqual(
        rest.map((m) => m.msg),
        ['queued 4', 'queued 5', 'queued 6', 'queued 7', 'queued 8'],
      );
      log.notice('live');
      await until(() => server.messages.length === 7, 'the live record');
      assert.equal(log.stats().syslog?.queued, 0);
    } finally {
      await log.close();
      await server.close();
    }
  });

  test('a connection dropped by the server is re-established and later records delivered', async () => {
    const server = await tcpListener();
    try {
      const log = logger({
        syslog: { host: '127.0.0.1', port: server.port, protocol: 'tcp' },
        syslogDeps: fastReconnect,
      });
      log.notice('before');
      await until(() => server.messages.length === 1, 'first record');
      server.connections[0].destroy();
      await until(() => log.stats().syslog?.connected === false, 'the logger noticing');
      log.notice('while reconnecting');
      await until(() => (log.stats().syslog?.reconnects ?? 0) === 1, 'reconnect');
      log.notice('after');
      await until(() => server.messages.length === 3, 'records on the new connection');
      assert.deepEqual(
        server.messages.map((m) => m.msg),
        ['before', 'while reconnecting', 'after'],
      );
      assert.equal(server.connections.length, 2);
    } finally {
      await server.close();
    }
  });

  test('close() right after start waits for the connection and flushes everything queued', async () => {
    const server = await tcpListener();
    try {
      const log = logger({ syslog: { host: '127.0.0.1', port: server.port, protocol: 'tcp' } });
      for (let i = 0; i < 300; i++) log.notice(`early ${i}`);
      await log.close();
      await until(() => server.messages.length === 300 && server.ended === 1, 'all 300 then FIN');
      assert.equal(server.messages[299].msg, 'early 299');
    } finally {
      await server.close();
    }
  });

  test('close() while the server is unreachable returns promptly and releases the socket and timers', async () => {
    const port = await deadPort();
    const log = logger({
      syslog: { host: '127.0.0.1', port, protocol: 'tcp' },
      syslogDeps: fastReconnect,
    });
    log.notice('lost');
    await until(() => (log.stats().syslog?.errors ?? 0) >= 1, 'refused connect');
    const started = Date.now();
    await log.close();
    assert.ok(Date.now() - started < 1000, 'close must not wait for a dead server');
  });

  test('reconfigure from a dead TCP server to a live UDP one delivers the backlog first', async () => {
    const port = await deadPort();
    const udp = await udpListener();
    try {
      const log = logger({
        syslog: { host: '127.0.0.1', port, protocol: 'tcp' },
        syslogDeps: fastReconnect,
      });
      log.notice('held 1');
      log.notice('held 2');
      await log.reconfigure({ hostname: 'pbx-test', stdout: false, syslog: { host: '127.0.0.1', port: udp.port } });
      log.notice('new');
      await until(() => udp.messages.length === 3, 'three datagrams');
      assert.deepEqual(
        udp.messages.map((m) => m.msg),
        ['held 1', 'held 2', 'new'],
      );
    } finally {
      await udp.close();
    }
  });
});
