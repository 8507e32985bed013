/**
 * TIMEOUT(absolute|digit|response): the channel's dialplan timeouts. They are kept as channel
 * variables under reserved names that `${...}` cannot reach (a name with `(` is a function call):
 * `TIMEOUT(digit)` and `TIMEOUT(response)` hold milliseconds, `TIMEOUT(absolute)` the wall-clock
 * ms at which the channel is hung up. The executor and the digit-collecting applications read
 * them with `readTimeouts()`.
 */
import type { DialplanChannel, DialplanFunction } from '../types.ts';
import { scanFloat } from '../expr/args.ts';
import { setVariable } from '../expr/variables.ts';
import { fail, requireChannel } from './util.ts';

export const TIMEOUT_VARIABLES = {
  digit: 'TIMEOUT(digit)',
  response: 'TIMEOUT(response)',
  absolute: 'TIMEOUT(absolute)',
} as const;

/** Asterisk's defaults (pbx.c): 5 s between digits, 10 s for a response. */
export const DEFAULT_DIGIT_TIMEOUT_MS = 5000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 10000;

export interface ChannelTimeouts {
  digitMs: number;
  responseMs: number;
  /** Wall-clock ms when the channel must be hung up (TIMEOUT(absolute)); undefined when none. */
  hangupAtMs: number | undefined;
}

export function readTimeouts(channel: DialplanChannel): ChannelTimeouts {
  const v = channel.variables;
  const num = (name: string): number | undefined => {
    const s = v.get(name);
    return s === undefined ? undefined : Number(s);
  };
  return {
    digitMs: num(TIMEOUT_VARIABLES.digit) ?? DEFAULT_DIGIT_TIMEOUT_MS,
    responseMs: num(TIMEOUT_VARIABLES.response) ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    hangupAtMs: num(TIMEOUT_VARIABLES.absolute),
  };
}

function which(args: string): keyof typeof TIMEOUT_VARIABLES {
  switch (args.trim()[0]) {
    case 'a':
    case 'A':
      return 'absolute';
    case 'd':
    case 'D':
      return 'digit';
    case 'r':
    case 'R':
      return 'response';
    default:
      return fail(`Unknown timeout type specified '${args}'.`);
  }
}

export const TIMEOUT: DialplanFunction = {
  name: 'TIMEOUT',
  synopsis: 'Gets or sets the timeouts of the channel.',
  syntax: 'TIMEOUT(timeouttype)',
  description:
    'timeouttype: absolute (seconds until the channel is hung up; 0 cancels), digit (seconds ' +
    'allowed between digits, default 5), response (seconds to wait for input after the prompts, ' +
    'default 10). Values are read with 3 decimals.',
  read(args, env) {
    const channel = requireChannel(env, 'TIMEOUT');
    const t = readTimeouts(channel);
    switch (which(args)) {
      case 'absolute':
        return t.hangupAtMs === undefined ? '0' : ((t.hangupAtMs - env.now()) / 1000).toFixed(3);
      case 'digit':
        return (t.digitMs / 1000).toFixed(3);
      case 'response':
        return (t.responseMs / 1000).toFixed(3);
    }
  },
  write(args, value, env) {
    const channel = requireChannel(env, 'TIMEOUT');
    const kind = which(args);
    const seconds = scanFloat(value);
    const s = seconds === undefined || Number.isNaN(seconds) || seconds < 0 ? 0 : seconds;
    const ms = Math.round(s * 1000);
    if (kind === 'absolute') {
      if (ms === 0) {
        setVariable(channel, TIMEOUT_VARIABLES.absolute, undefined);
        env.log('verbose', 'Channel hangup cancelled.');
      } else {
        const at = env.now() + ms;
        setVariable(channel, TIMEOUT_VARIABLES.absolute, String(at));
        env.log('verbose', `Channel will hangup at ${new Date(at).toString()}.`);
      }
      return;
    }
    setVariable(channel, TIMEOUT_VARIABLES[kind], String(ms));
    env.log('verbose', `${kind === 'digit' ? 'Digit' : 'Response'} timeout set to ${(ms / 1000).toFixed(3)}`);
  },
};
