/**
 * features.conf as res_features reads it: [general] parking/pickup/transfer keys and [featuremap]
 * into FeaturesConfig, Asterisk's defaults when the file or a key is absent, misspelt keys and bad
 * values as file:line errors (what `pbx check` prints), real Asterisk keys we do not act on warned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, formatErrors } from '../../../src/config/index.ts';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { readFeaturesConf } from '../../../src/config/features-conf.ts';
import { DEFAULT_FEATURES, featuresOf } from '../../../src/config/features-model.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n';

function read(text: string) {
  const diag = new Diagnostics();
  const config = readFeaturesConf(parseConfText('features.conf', text).conf, diag);
  return { config, errors: formatErrors(diag.errors), warnings: formatErrors(diag.warnings) };
}

test('every supported key is read', () => {
  const r = read(
    [
      '[general]',
      'parkext => 800',
      'parkpos => 801-805',
      'context => parkinglot',
      'parkingtime => 30',
      'comebacktoorigin = no',
      'comebackcontext = lost',
      'comebackdialtime = 12',
      'parkedmusicclass = jazz',
      'pickupexten = *9',
      'featuredigittimeout = 1500',
      'transferdigittimeout = 5',
      'atxfernoanswertimeout = 20',
      'xfersound = ding',
      'xferfailsound = dong',
      'courtesytone = beep',
      '',
      '[featuremap]',
      'blindxfer => #1',
      'disconnect => *9',
      'atxfer => *3',
      'parkcall => #72',
    ].join('\n'),
  );
  assert.equal(r.errors, '');
  assert.equal(r.warnings, '');
  assert.deepEqual(r.config, {
    parkext: '800',
    parkpos: { first: 801, last: 805 },
    parkingContext: 'parkinglot',
    parkingtime: 30,
    comebacktoorigin: false,
    comebackContext: 'lost',
    parkedmusicclass: 'jazz',
    comebackdialtime: 12,
    pickupexten: '*9',
    featuredigittimeout: 1500,
    transferdigittimeout: 5,
    atxfernoanswertimeout: 20,
    xfersound: 'ding',
    xferfailsound: 'dong',
    courtesytone: 'beep',
    featuremap: { blindxfer: '#1', disconnect: '*9', atxfer: '*3', parkcall: '#72' },
  });
});

test('absent keys keep Asterisk defaults; the defaults are not mutated', () => {
  const r = read('[general]\nparkingtime = 10\n');
  assert.equal(r.errors, '');
  assert.equal(r.config.parkext, '700');
  assert.deepEqual(r.config.parkpos, { first: 701, last: 720 });
  assert.equal(r.config.pickupexten, '*8');
  assert.equal(r.config.parkingtime, 10);
  assert.equal(DEFAULT_FEATURES.parkingtime, 45);
});

test('typos and bad values are errors with file:line', () => {
  const r = read(
    ['[general]', 'parkxt => 700', 'parkpos => 720-701', 'parkingtime => soon', 'comebacktoorigin = maybe', 'pickupexten = *8 9', '[featuremap]', 'blindxfr => #', 'atxfer => x2'].join('\n'),
  );
  assert.equal(
    r.errors,
    [
      "features.conf:2: unknown features.conf [general] key 'parkxt' (did you mean 'parkext'?)",
      'features.conf:3: parkpos: the range 720-701 is empty (the last space is below the first)',
      'features.conf:4: parkingtime: expected a whole number from 1 to 86400',
      'features.conf:5: comebacktoorigin: expected yes or no',
      "features.conf:6: pickupexten: '*8 9' is not an extension (digits, * and #)",
      "features.conf:8: unknown features.conf [featuremap] key 'blindxfr' (did you mean 'blindxfer'?)",
      "features.conf:9: atxfer: 'x2' is not a DTMF sequence (digits, * and #)",
    ].join('\n'),
  );
});

test('parkext inside the spaces is an error', () => {
  const r = read('[general]\nparkext => 705\n');
  assert.equal(r.errors, 'features.conf:2: parkext 705 lies inside the parking spaces 701-720');
});

test('real Asterisk keys and sections we do not act on are warnings, not errors', () => {
  const r = read('[general]\nparkinghints = yes\nadsipark = yes\n[featuremap]\nautomon => *1\n[applicationmap]\ntestfeature => #9,peer,Playback,tt-monkeys\n');
  assert.equal(r.errors, '');
  assert.match(r.warnings, /features\.conf:2: .*parkinghints/);
  assert.match(r.warnings, /features\.conf:3: .*adsipark/);
  assert.match(r.warnings, /features\.conf:5: .*automon/);
  assert.match(r.warnings, /features\.conf:6: \[applicationmap\]/);
});

test('loadConfig: features.conf is optional; when present it is read and joins the sources', () => {
  const without = loadConfig({ files: { 'pbx.conf': PBX } });
  assert.equal(formatErrors(without.errors), '');
  assert.equal(without.config?.features, undefined);
  assert.equal(featuresOf(without.config!).parkext, '700');

  const withFile = loadConfig({ files: { 'pbx.conf': PBX, 'features.conf': '[general]\nparkingtime = 5\n' } });
  assert.equal(formatErrors(withFile.errors), '');
  assert.equal(withFile.config?.features?.parkingtime, 5);
  assert.ok(withFile.config?.sources.includes('features.conf'));

  const bad = loadConfig({ files: { 'pbx.conf': PBX, 'features.conf': '[general]\nparkingtme = 5\n' } });
  assert.equal(bad.config, undefined);
  assert.equal(formatErrors(bad.errors), "features.conf:2: unknown features.conf [general] key 'parkingtme' (did you mean 'parkingtime'?)");
});
