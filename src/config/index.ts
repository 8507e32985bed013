/** The configuration layer's public surface. */
export { loadConfig, formatErrors, PBX_CONF, SIP_CONF, type ConfigSource, type LoadResult } from './load.ts';
export { checkConfig, checkConfigDir, type CheckResult } from './check.ts';
export { demoConfig, type DemoConfig } from './demo.ts';
export {
  parseConfFile,
  parseConfText,
  sectionsNamed,
  diskReader,
  memoryReader,
  type ConfFile,
  type ConfSection,
  type ConfEntry,
  type ConfOperator,
  type ConfReader,
  type ConfLister,
} from './conf-parser.ts';
export { closest, didYouMean, where, type Origin } from './diagnostics.ts';
export * from './model.ts';
export * from './voicemail-model.ts';
export * from './features-model.ts';
export { readVoicemailConf, loadVoicemailConf, emptyVoicemailConfig, pinWeakness, VOICEMAIL_CONF } from './voicemail-conf.ts';
