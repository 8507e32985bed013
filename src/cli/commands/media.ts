import type { Pbx } from '../../runtime/pbx.ts';
import { formatTimingTest, timingTest } from '../../media/native-clock.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';

/** timing test: zttest-style accuracy of the media clock as delivered to JS. */
export function registerMediaCommands(r: CommandRegistry, pbx: Pbx): void {
  r.add({
    words: ['timing', 'test'],
    usage: 'timing test [SECONDS]',
    summary: 'Measure the media clock: ticks on time and rate accuracy over SECONDS (default 10, at most 60)',
    run: async (args) => {
      const seconds = args[0] === undefined ? 10 : Number(args[0]);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) throw new CommandError('SECONDS must be 1 to 60');
      const result = await timingTest(seconds, { clock: pbx.media.clock, time: pbx.clock });
      const head = pbx.media.kind === 'native' ? 'Media clock: native (timerfd thread)' : `Media clock: timer fallback (${pbx.media.reason ?? 'addon not loaded'})`;
      return [head, ...formatTimingTest(result, pbx.media.kind)].join('\n');
    },
  });
}
