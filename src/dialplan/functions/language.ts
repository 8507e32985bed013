/** LANGUAGE(): the channel's language for prompts (Asterisk's deprecated alias of CHANNEL(language)). */
import type { DialplanFunction } from '../types.ts';
import { requireChannel } from './util.ts';

export const LANGUAGE: DialplanFunction = {
  name: 'LANGUAGE',
  synopsis: "Gets or sets the channel's language.",
  syntax: 'LANGUAGE()',
  description: 'The language selects sound prompts (sounds/<language>/...). Set(LANGUAGE()=fr) switches to French.',
  read: (_args, env) => requireChannel(env, 'LANGUAGE').language,
  write(_args, value, env) {
    requireChannel(env, 'LANGUAGE').language = value;
  },
};
