/**
 * Reading a channel variable by its plain name: Asterisk keeps the `_`/`__` inheritance prefix
 * in the stored name, and `${FOO}` finds `__FOO` too. Globals come after channel variables.
 */
import type { DialplanChannel } from '../types.ts';

export function channelVariable(channel: DialplanChannel, name: string, globals?: Map<string, string>): string | undefined {
  const v = channel.variables;
  return v.get(name) ?? v.get(`_${name}`) ?? v.get(`__${name}`) ?? globals?.get(name);
}

/** Sets a variable, replacing an inherited spelling of the same name (`__FOO` stays `__FOO`). */
export function setChannelVariable(channel: DialplanChannel, name: string, value: string | undefined): void {
  const v = channel.variables;
  const key = v.has(name) ? name : v.has(`_${name}`) ? `_${name}` : v.has(`__${name}`) ? `__${name}` : name;
  if (value === undefined) v.delete(key);
  else v.set(key, value);
}
