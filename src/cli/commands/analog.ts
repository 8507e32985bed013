/**
 * Console commands of the analog ports: `sim phone|line ...` and `sim show` drive and show the
 * simulated phones and exchange lines (so analog features can be tried without hardware), and
 * chan_dahdi's `dahdi show channels`, `dahdi show channel N` and `dahdi show status`.
 */
import type { AnalogConfig } from '../../config/index.ts';
import { formatDahdiChannels, formatSimShow, type DahdiChannelRow } from '../../analog/format.ts';
import { parseSimCommand, SIM_USAGE } from '../../analog/sim-command.ts';
import type { AnalogService } from '../../runtime/analog-service.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';

const NOT_CONFIGURED = 'No analog ports: add an [analog] section to pbx.conf (see docs/configuration.md).';

/** chan_dahdi names signalling from the card's side: a phone port (FXS) signals FXO Kewlstart. */
function signalling(kind: 'fxs' | 'fxo'): string {
  return kind === 'fxs' ? 'FXO Kewlstart' : 'FXS Kewlstart';
}

/** Gives the line engine a moment to apply a command (it runs on its own thread, 20 ms blocks). */
function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function registerAnalogCommands(r: CommandRegistry, analog: () => AnalogService | undefined, config: () => AnalogConfig | undefined): void {
  const need = (): AnalogService => {
    const a = analog();
    if (a) return a;
    if (config()) throw new Error('the analog ports are disabled (see the log for why)');
    throw new Error(NOT_CONFIGURED);
  };

  for (const target of ['phone', 'line'] as const) {
    r.add({
      words: ['sim', target],
      usage:
        target === 'phone'
          ? 'sim phone <port> offhook|onhook|flash|dial <digits>|unplug|plug'
          : 'sim line <port> ring [<number> ["<name>"]|withheld|unavailable]|hangup|busy|unplug|plug',
      summary: target === 'phone' ? 'Act as the simulated phone on an FXS port' : 'Act as the simulated exchange line on an FXO port',
      run: async (args) => {
        const a = need();
        const text = [target, ...args.map((w) => (w === '' || /\s/.test(w) ? `"${w}"` : w))].join(' ');
        const parsed = parseSimCommand(text);
        if (!parsed.ok) throw new CommandError(parsed.error === SIM_USAGE ? 'Bad arguments' : parsed.error);
        const port = a.config.ports.find((p) => p.port === parsed.command.port);
        const kind = target === 'phone' ? 'fxs' : 'fxo';
        if (!port || port.kind !== kind) throw new CommandError(`port ${parsed.command.port} is not an ${kind.toUpperCase()} port (a sim ${target})`);
        const before = a.engine.stats().simRejected;
        a.engine.sim(parsed.command);
        await settle(60);
        const after = a.engine.stats();
        if (after.simRejected > before) throw new Error(after.lastSimError || 'the sim refused the command');
        return `sim ${text}: done`;
      },
    });
  }

  r.add({
    words: ['sim', 'show'],
    usage: 'sim show',
    summary: 'Show the simulated phones and lines: state, what each phone hears, digits and caller ID',
    run: () => formatSimShow(need().engine.simShow()),
  });

  r.add({
    words: ['dahdi', 'show', 'channels'],
    usage: 'dahdi show channels',
    summary: 'Show the analog channels',
    run: () => {
      const a = need();
      const rows: DahdiChannelRow[] = a.driver.ports().map((p) => ({
        channel: p.config.port,
        extension: p.config.extension ?? '',
        context: p.config.context,
        language: 'en',
        mohInterpret: 'default',
        blocked: false,
        // A vanished port (chan_dahdi: a channel in alarm) takes no calls.
        state: p.gone ? 'Out of Service' : 'In Service',
      }));
      return formatDahdiChannels(rows);
    },
  });

  r.add({
    words: ['dahdi', 'show', 'channel'],
    usage: 'dahdi show channel <port>',
    summary: 'Show one analog channel in detail',
    run: (args) => {
      const a = need();
      const n = Number(args[0]);
      const p = a.driver.ports().find((x) => x.config.port === n);
      if (!p) throw new CommandError(`Unable to find given channel ${args[0] ?? ''}`.trimEnd());
      const sim = a.engine.simShow().find((s) => s.port === n);
      const lines = [
        `Channel: ${n}`,
        `Span: 1`,
        `Extension: ${p.config.extension ?? ''}`,
        `Context: ${p.config.context}`,
        `Caller ID: ${p.call?.callerId.number ?? ''}`,
        `Caller ID name: ${p.call?.callerId.name ?? ''}`,
        `Destroy: 0`,
        `Signalling Type: ${signalling(p.config.kind)}`,
        `Port: ${p.config.kind.toUpperCase()}${p.config.group !== undefined ? `, group ${p.config.group}` : ''}`,
        `Owner: ${p.call?.name ?? '<None>'}`,
        `Port state: ${p.state}`,
        `Backend: ${a.config.backend}${sim ? ` (sim ${p.config.kind === 'fxs' ? 'phone' : 'line'} ${sim.state})` : ''}`,
      ];
      return lines.join('\n');
    },
  });

  r.add({
    words: ['dahdi', 'show', 'status'],
    usage: 'dahdi show status',
    summary: 'Show the analog spans and the line engine',
    run: () => {
      const a = need();
      const s = a.engine.stats();
      const desc = a.config.backend === 'sim' ? `Simulated analog ports (${a.config.ports.length})` : `DAHDI analog ports (${a.config.ports.length})`;
      const head = `${'Description'.padEnd(40)} ${'Alarms'.padEnd(10)} ${'IRQ'.padEnd(4)} ${'bpviol'.padEnd(7)} CRC`;
      const row = `${desc.padEnd(40)} ${(s.running ? 'OK' : 'RED').padEnd(10)} ${'0'.padEnd(4)} ${'0'.padEnd(7)} 0`;
      const engine = `Line engine: ${s.running ? 'running' : 'stopped'}, ${s.blocks} blocks, ${s.overruns} overruns, ${s.events} events (${s.eventsCoalesced} coalesced, ${s.eventsDropped} dropped), ${s.portsGone} ports gone, rx dropped ${s.rxDroppedSamples} samples, tx underruns ${s.txUnderruns}, cpu ${s.cpuMs} ms`;
      return [head, row, engine].join('\n');
    },
  });
}
