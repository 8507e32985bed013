/**
 * Logger hot paths, 10k records per iteration:
 * - RFC 5424 encoding and console-line formatting alone;
 * - the gate for a filtered verbose call (what every disabled `log.verbose(5, ...)` costs);
 * - the whole path (pino, fan-out, ring) and the whole path to a real UDP and TCP syslog
 *   listener on 127.0.0.1, timed until the transport has handed every record to the kernel.
 */
import { Bench } from 'tinybench';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createLogger, type PbxLogger } from '../../src/log/index.ts';
import { createSyslogFormatter } from '../../src/log/syslog.ts';
import { formatConsoleLine } from '../../src/log/console-format.ts';
import type { LogRecord } from '../../src/log/types.ts';

const N = 10_000;

const records: LogRecord[] = Array.from({ length: 64 }, (_, i) => ({
  time: Date.UTC(2026, 10, 23, 12, 0, 1, i),
  severity: i % 4 === 0 ? 'notice' : 'verbose',
  level: i % 4 === 0 ? 0 : 3,
  module: i % 2 === 0 ? 'sip' : 'registrar',
  msg: `Registered SIP ${2000 + i} at 127.0.0.1:${5060 + i}`,
  fields: i % 3 === 0 ? { peer: String(2000 + i), expires: 3600, ua: 'Yealink "T46"' } : undefined,
  pid: 1234,
}));

async function untilSent(log: PbxLogger, target: number): Promise<void> {
  while ((log.stats().syslog?.sent ?? 0) < target) await new Promise((r) => setImmediate(r));
}

function logBurst(log: PbxLogger): void {
  const sip = log.child('sip');
  for (let i = 0; i < N; i++) sip.verbose(3, 'Registered SIP 2000 at 127.0.0.1:5062', i % 3 === 0 ? { peer: '2000', i } : undefined);
}

export default async function logBench(): Promise<Bench> {
  const bench = new Bench({ name: 'log', time: 500, iterations: 10, warmupIterations: 2, warmupTime: 100 });
  const formatter = createSyslogFormatter({ hostname: 'pbx1.example.net' });

  bench.add('log: RFC 5424 encode x10k', () => {
    for (let i = 0; i < N; i++) formatter.encode(records[i & 63], 2048);
  });

  bench.add('log: console line format x10k', () => {
    for (let i = 0; i < N; i++) formatConsoleLine(records[i & 63], { timeZone: 'utc' });
  });

  {
    let log: PbxLogger | undefined;
    bench.add(
      'log: filtered verbose(5) calls x10k',
      () => {
        const sip = log!.child('sip');
        for (let i = 0; i < N; i++) sip.verbose(5, 'not shown anywhere');
      },
      {
        beforeAll: () => {
          log = createLogger({ hostname: 'pbx1', stdout: false });
        },
        afterAll: async () => {
          await log?.close();
        },
      },
    );
  }

  {
    let log: PbxLogger | undefined;
    bench.add('log: verbose(3) to the ring x10k', () => logBurst(log!), {
      beforeAll: () => {
        log = createLogger({ hostname: 'pbx1', stdout: false });
      },
      afterAll: async () => {
        await log?.close();
      },
    });
  }

  {
    let log: PbxLogger | undefined;
    let server: UdpSocket | undefined;
    let target = 0;
    bench.add(
      'log: verbose(3) to UDP syslog x10k (until sent)',
      async () => {
        logBurst(log!);
        target += N;
        await untilSent(log!, target);
      },
      {
        beforeAll: async () => {
          server = createSocket('udp4');
          server.on('message', () => {});
          await new Promise<void>((r) => server!.bind(0, '127.0.0.1', () => r()));
          target = 0;
          log = createLogger({
            hostname: 'pbx1',
            stdout: false,
            syslog: { host: '127.0.0.1', port: server.address().port, protocol: 'udp', queueSize: 2 * N },
          });
        },
        afterAll: async () => {
          await log?.close();
          await new Promise<void>((r) => server!.close(() => r()));
        },
      },
    );
  }

  {
    let log: PbxLogger | undefined;
    let server: Server | undefined;
    const conns: Socket[] = [];
    let target = 0;
    bench.add(
      'log: verbose(3) to TCP syslog x10k (until sent)',
      async () => {
        logBurst(log!);
        target += N;
        await untilSent(log!, target);
      },
      {
        beforeAll: async () => {
          server = createServer((c) => {
            conns.push(c);
            c.resume();
            c.on('error', () => {});
          });
          await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
          const addr = server.address();
          target = 0;
          log = createLogger({
            hostname: 'pbx1',
            stdout: false,
            syslog: {
              host: '127.0.0.1',
              port: typeof addr === 'object' && addr ? addr.port : 0,
              protocol: 'tcp',
              queueSize: 2 * N,
            },
          });
          while (!log.stats().syslog?.connected) await new Promise((r) => setTimeout(r, 1));
        },
        afterAll: async () => {
          await log?.close();
          for (const c of conns.splice(0)) c.destroy();
          await new Promise<void>((r) => server!.close(() => r()));
        },
      },
    );
  }

  return bench;
}
