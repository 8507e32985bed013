/** extensions.conf reading: the parser, application-call syntax and argument splitting. */
export {
  parseDialplan,
  parseDialplanText,
  dialplanFromConf,
  DEFAULT_GENERAL,
  type DialplanParseOptions,
  type DialplanParseResult,
  type DialplanReader,
} from './dialplan-parser.ts';
export { splitAppArgs, hasTopLevel } from './args.ts';
export { parseAppCall, checkNesting, type AppCall, type AppCallResult } from './app-call.ts';
