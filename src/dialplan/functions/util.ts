/**
 * Small helpers every dialplan function uses: failing the Asterisk way (a logged message, an
 * empty result) and requiring a channel.
 */
import { PbxError } from '../../core/errors.ts';
import type { DialplanChannel, FunctionEnv } from '../types.ts';

/** Stop the function: substitution logs `message` as a warning and yields ''. */
export function fail(message: string): never {
  throw new PbxError('DIALPLAN_FUNCTION', message);
}

/** The channel, or a failure naming the function (Asterisk: "No channel was provided to X function."). */
export function requireChannel(env: FunctionEnv, name: string): DialplanChannel {
  if (!env.channel) fail(`No channel was provided to ${name} function.`);
  return env.channel;
}
