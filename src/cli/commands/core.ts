import type { Pbx } from '../../runtime/pbx.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';
import { duration, isoTime } from './format.ts';
import { proc } from '../../platform/process.ts';

function level(arg: string | undefined): number {
  const n = Number(arg);
  if (arg === undefined || !Number.isInteger(n) || n < 0 || n > 10) throw new CommandError(`expected a level from 0 to 10, got '${arg ?? ''}'`);
  return n;
}

/** core show version|uptime, core set verbose|debug, core stop, reload, logger show, help. */
export function registerCoreCommands(r: CommandRegistry, pbx: Pbx): void {
  r.add({
    words: ['help'],
    usage: 'help [WORDS...]',
    summary: 'List console commands (those starting with WORDS)',
    run: (args) => r.help(args),
  });
  r.add({
    words: ['core', 'show', 'version'],
    usage: 'core show version',
    summary: 'Show the PBX version',
    run: () => `PBX ${pbx.version} on node ${proc.nodeVersion()} (${proc.platform()})`,
  });
  r.add({
    words: ['core', 'show', 'uptime'],
    usage: 'core show uptime [seconds]',
    summary: 'Show how long the PBX has been running and since the last reload',
    run: (args) => {
      const now = pbx.clock.wallNow();
      const up = (now - pbx.startedAt) / 1000;
      const rl = (now - pbx.reloadedAt) / 1000;
      if (args[0] === 'seconds') return `System uptime: ${Math.floor(up)}\nLast reload: ${Math.floor(rl)}`;
      return `System uptime: ${duration(up)}\nLast reload: ${duration(rl)}\nStarted: ${isoTime(pbx.startedAt)}`;
    },
  });
  r.add({
    words: ['core', 'set', 'verbose'],
    usage: 'core set verbose LEVEL',
    summary: 'Set the console verbosity (0-10): which -- lines show on consoles and stdout',
    run: (args) => {
      const old = pbx.log.getVerbose();
      const n = level(args[0]);
      pbx.log.setVerbose(n);
      return n === old ? `Verbosity is at least ${n}` : `Verbosity was ${old} and is now ${n}`;
    },
  });
  r.add({
    words: ['core', 'set', 'debug'],
    usage: 'core set debug LEVEL',
    summary: 'Set the console debug level (0-10)',
    run: (args) => {
      const old = pbx.log.getDebug();
      const n = level(args[0]);
      pbx.log.setDebug(n);
      return `Core debug was ${old} and is now ${n}`;
    },
  });
  r.add({
    words: ['core', 'stop'],
    usage: 'core stop now|gracefully',
    summary: 'Stop the PBX (under init it is started again)',
    complete: () => ['now', 'gracefully'],
    run: (args) => {
      const mode = args[0];
      if (mode !== 'now' && mode !== 'gracefully') throw new CommandError("say 'now' or 'gracefully'");
      // Answer the console first, then stop.
      setTimeout(() => void pbx.stop(mode), 50);
      return mode === 'now' ? 'Stopping the PBX now.' : 'Stopping the PBX gracefully (no calls in progress).';
    },
  });
  r.add({
    words: ['reload'],
    usage: 'reload',
    summary: 'Re-read the configuration; applied only if all of it is valid',
    run: async () => {
      const res = await pbx.reload();
      if (!res.ok) throw new Error(res.output);
      return res.output;
    },
  });
  r.add({
    words: ['logger', 'show'],
    usage: 'logger show [LINES]',
    summary: 'Show the last log lines kept in memory, and where logs go',
    run: (args) => {
      const n = args[0] ? Number(args[0]) : 50;
      if (!Number.isInteger(n) || n <= 0) throw new CommandError('LINES must be a positive number');
      const st = pbx.log.stats();
      const sys = pbx.config.system.syslog;
      const dests = [
        `console/ring: verbose ${st.console.verbose}, debug ${st.console.debug}, ${st.ring.length}/${st.ring.size} lines kept`,
        `stdout: ${st.stdout ? 'on' : 'off'}`,
        `syslog: ${sys ? `${sys.host}:${sys.port}/${sys.protocol}${st.syslog ? `, ${st.syslog.sent} sent, ${st.syslog.queued} queued, ${st.syslog.dropped} dropped${st.syslog.connected ? "" : ", not connected"}` : ''}` : 'off'}`,
      ];
      const lines = pbx.log.ring.tail(n).map((e) => e.line);
      return [...dests, '', ...lines].join('\n');
    },
  });
}
