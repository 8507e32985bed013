/**
 * features.conf as Asterisk's res_features reads it: `[general]` (call parking, pickup, transfer
 * timing and sounds) and `[featuremap]` (the in-call DTMF sequences). The file is optional:
 * without it `featuresOf(config)` gives Asterisk's defaults.
 *
 * A misspelt supported key or a bad value is an error with file:line; the real Asterisk keys this
 * PBX does not act on (parkinghints, adsipark, automon ...) and the `[applicationmap]` and
 * parking-lot sections are warned about and ignored, so an Asterisk user's file still loads.
 */
import { parseConfFile, type ConfFile, type ConfLister, type ConfReader } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { DEFAULT_FEATURES, type FeatureMap, type FeaturesConfig } from './features-model.ts';
import { parseBool, parseInteger } from './values.ts';

export const FEATURES_CONF = 'features.conf';

/** [general] keys this PBX acts on. */
const GENERAL_KEYS = [
  'parkext',
  'parkpos',
  'context',
  'parkingtime',
  'comebacktoorigin',
  'comebackcontext',
  'comebackdialtime',
  'parkedmusicclass',
  'pickupexten',
  'featuredigittimeout',
  'transferdigittimeout',
  'atxfernoanswertimeout',
  'xfersound',
  'xferfailsound',
  'courtesytone',
];

/** Real Asterisk [general] keys that change nothing here (warned about). */
const GENERAL_IGNORED = new Set([
  'parkinghints',
  'parkedplay',
  'parkedcalltransfers',
  'parkedcallreparking',
  'parkedcallhangup',
  'parkedcallrecording',
  'parkeddynamic',
  'adsipark',
  'findslot',
  'pickupsound',
  'pickupfailsound',
  'atxferdropcall',
  'atxferloopdelay',
  'atxfercallbackretries',
  'atxferabort',
  'atxfercomplete',
  'atxferthreeway',
  'atxferswap',
  'parkingdynamic',
]);

const FEATUREMAP_KEYS: readonly (keyof FeatureMap)[] = ['blindxfer', 'disconnect', 'atxfer', 'parkcall'];
const FEATUREMAP_IGNORED = new Set(['automon', 'automixmon']);

/** A DTMF feature sequence: digits, * and # (A-D too, as Asterisk allows). */
const DTMF_SEQUENCE = /^[0-9*#A-Da-d]+$/;
/** An extension a phone can dial. */
const EXTENSION = /^[0-9*#A-Za-z+]+$/;

/** Read features.conf through the configuration reader; undefined (the defaults) when absent. */
export function loadFeaturesConf(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): { config?: FeaturesConfig; files: string[] } {
  const parsed = parseConfFile(FEATURES_CONF, io);
  diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === FEATURES_CONF && e.code === 'CONFIG_MISSING')), warnings: parsed.warnings });
  if (parsed.conf.files.length === 0) return { files: [] };
  return { config: readFeaturesConf(parsed.conf, diag), files: parsed.conf.files };
}

export function readFeaturesConf(conf: ConfFile, diag: Diagnostics): FeaturesConfig {
  const f: FeaturesConfig = { ...DEFAULT_FEATURES, parkpos: { ...DEFAULT_FEATURES.parkpos }, featuremap: { ...DEFAULT_FEATURES.featuremap } };
  for (const section of conf.sections) {
    if (section.templateOnly) continue;
    const name = section.name.toLowerCase();
    if (name === 'general') readGeneral(section.entries, f, diag);
    else if (name === 'featuremap') readFeatureMap(section.entries, f.featuremap, diag);
    else if (name === 'applicationmap') diag.warn({ file: section.file, line: section.line }, `[applicationmap] (custom DTMF features running applications) is not supported; ignored`);
    else diag.warn({ file: section.file, line: section.line }, `[${section.name}]: extra parking lots are not supported (one lot, from [general]); ignored`);
  }
  return f;
}

function readGeneral(entries: ConfFile['sections'][number]['entries'], f: FeaturesConfig, diag: Diagnostics): void {
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    const at: Origin = { file: e.file, line: e.line };
    const int = (min: number, max: number, set: (n: number) => void): void => {
      const r = parseInteger(v, min, max);
      if (r.ok) set(r.value);
      else diag.error(at, `${e.key}: ${r.why}`);
    };
    const exten = (set: (s: string) => void): void => {
      if (EXTENSION.test(v)) set(v);
      else diag.error(at, `${e.key}: '${v}' is not an extension (digits, * and #)`);
    };
    const name = (set: (s: string) => void): void => {
      if (/^[^\s,|()]*$/.test(v)) set(v);
      else diag.error(at, `${e.key}: '${v}' is not a name`);
    };
    switch (key) {
      case 'parkext':
        exten((s) => (f.parkext = s));
        break;
      case 'parkpos': {
        const m = /^(\d+)\s*-\s*(\d+)$/.exec(v);
        if (!m) diag.error(at, `parkpos: expected a range of spaces such as 701-720, not '${v}'`);
        else {
          const first = Number(m[1]);
          const last = Number(m[2]);
          if (last < first) diag.error(at, `parkpos: the range ${v} is empty (the last space is below the first)`);
          else if (last - first >= 1000) diag.error(at, `parkpos: ${last - first + 1} spaces is too many (at most 1000)`);
          else f.parkpos = { first, last };
        }
        break;
      }
      case 'context':
        name((s) => (f.parkingContext = s || DEFAULT_FEATURES.parkingContext));
        break;
      case 'parkingtime':
        int(1, 86400, (n) => (f.parkingtime = n));
        break;
      case 'comebacktoorigin': {
        const b = parseBool(v);
        if (b.ok) f.comebacktoorigin = b.value;
        else diag.error(at, `comebacktoorigin: ${b.why}`);
        break;
      }
      case 'comebackcontext':
        name((s) => (f.comebackContext = s || DEFAULT_FEATURES.comebackContext));
        break;
      case 'comebackdialtime':
        int(1, 3600, (n) => (f.comebackdialtime = n));
        break;
      case 'parkedmusicclass':
        name((s) => (f.parkedmusicclass = s));
        break;
      case 'pickupexten':
        exten((s) => (f.pickupexten = s));
        break;
      case 'featuredigittimeout':
        int(1, 60000, (n) => (f.featuredigittimeout = n));
        break;
      case 'transferdigittimeout':
        int(1, 600, (n) => (f.transferdigittimeout = n));
        break;
      case 'atxfernoanswertimeout':
        int(1, 600, (n) => (f.atxfernoanswertimeout = n));
        break;
      case 'xfersound':
        name((s) => (f.xfersound = s));
        break;
      case 'xferfailsound':
        name((s) => (f.xferfailsound = s));
        break;
      case 'courtesytone':
        name((s) => (f.courtesytone = s));
        break;
      default:
        if (GENERAL_IGNORED.has(key)) diag.warn(at, `features.conf '${e.key}' is not supported here; ignored`);
        else diag.error(at, `unknown features.conf [general] key '${e.key}'${didYouMean(e.key, GENERAL_KEYS)}`);
    }
  }
  if (Number(f.parkext) >= f.parkpos.first && Number(f.parkext) <= f.parkpos.last) {
    const at = entries.find((e) => e.key.toLowerCase() === 'parkext' || e.key.toLowerCase() === 'parkpos');
    if (at) diag.error({ file: at.file, line: at.line }, `parkext ${f.parkext} lies inside the parking spaces ${f.parkpos.first}-${f.parkpos.last}`);
  }
}

function readFeatureMap(entries: ConfFile['sections'][number]['entries'], map: FeatureMap, diag: Diagnostics): void {
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    const at: Origin = { file: e.file, line: e.line };
    if ((FEATUREMAP_KEYS as readonly string[]).includes(key)) {
      // Asterisk allows `blindxfer => #1,callee` style extras only in applicationmap; here the value is the sequence.
      if (v === '' || DTMF_SEQUENCE.test(v)) map[key as keyof FeatureMap] = v;
      else diag.error(at, `${e.key}: '${v}' is not a DTMF sequence (digits, * and #)`);
    } else if (FEATUREMAP_IGNORED.has(key)) diag.warn(at, `featuremap '${e.key}' (one-touch recording) is not supported; ignored`);
    else diag.error(at, `unknown features.conf [featuremap] key '${e.key}'${didYouMean(e.key, FEATUREMAP_KEYS)}`);
  }
}
