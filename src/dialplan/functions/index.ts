/** Public face of functions/: the registry, the CLI texts and the helpers other modules need. */
export { createFunctionRegistry, formatFunctionList, formatFunctionHelp } from './registry.ts';
export { readTimeouts, TIMEOUT_VARIABLES, DEFAULT_DIGIT_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS } from './timeout.ts';
export type { ChannelTimeouts } from './timeout.ts';
export { parseCallerId, PRESENTATIONS } from './callerid.ts';
export { sprintf } from './sprintf.ts';
export { strftime } from './strftime.ts';
export { zonedTime, zonedToEpoch } from './time-zone.ts';
