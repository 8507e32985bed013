/** The executor's public surface (the runtime and the flow applications import from here). */
export { runDialplan, UnknownApplicationError, MAX_MACRO_DEPTH } from './run.ts';
export type { ExecutorDeps, DialplanLog, ApplicationLookup, ActiveDialplan } from './deps.ts';
export { DEFAULT_MAX_STEPS } from './deps.ts';
export { causeForDialStatus, parseHangupCause } from './cause.ts';
export { endInnermost, executionOf, macroDepth, requestRedirect } from './frames.ts';
export { channelVariable, setChannelVariable } from './variables.ts';
export { sleepOn, untilHangup } from './sleep.ts';
