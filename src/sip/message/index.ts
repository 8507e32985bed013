/** The SIP message layer: parse, serialise, frame, and read or build header values. */
export * from './types.ts';
export { parseMessage } from './parse.ts';
export { serializeMessage } from './serialize.ts';
export * from './headers.ts';
export { newBranch, newTag, newCallId, BRANCH_COOKIE } from './ids.ts';
export { StreamFramer } from './framer.ts';
