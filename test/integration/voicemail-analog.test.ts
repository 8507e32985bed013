/**
 * Voicemail for an analog phone on the bundle (sim backend): the FXS port's extension (`1 = 2100`)
 * gets mailbox 2100@default like a [phones] line, pbx.conf [voicemail] gives it a PIN, and `*97`
 * dialed on that phone opens 2100's box without a PIN (the box comes from the port the call
 * came in on, never from a caller ID), while a call arriving on the exchange line (FXO) that
 * reaches `*97` is asked for box and PIN.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, type PbxProcess } from './harness.ts';
import { until } from './analog-phone.ts';

describe('voicemail on an analog phone (sim ports)', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice' },
      system: { country: 'us\n\n[analog]\nbackend = sim\nfxs = 1\nfxo = 2\n1 = 2100\ncontext = from-line' },
      extraConf: '[voicemail]\n2100 = 739184',
      files: {
        // The line's caller reaches *97 directly: the worst case a badly written IVR could allow.
        'extensions.conf': '[phones]\ninclude => pbx-phones\n\n[from-line]\nexten => s,1,Goto(pbx-phones,*97,1)\n',
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  test('the FXS extension has a mailbox', () => {
    assert.match(pbx.rx('voicemail show users'), /default\s+2100\b/);
  });

  test('*97 on the analog phone opens its own box 2100 without a PIN', async () => {
    pbx.rx('sim phone 1 offhook');
    pbx.rx('sim phone 1 dial *97');
    await until('VoiceMailMain for 2100', () => (/VoiceMailMain\("DAHDI\/1-\d+", "2100@default,s"\)/.test(pbx.output()) ? true : undefined), 10_000);
    pbx.rx('sim phone 1 onhook');
  });

  test('a call from the exchange line reaching *97 owns no box: VoiceMailMain asks for box and PIN', async () => {
    pbx.rx('sim line 2 ring 2100 "SPOOFED"');
    await until('VoiceMailMain without a box', () => (/VoiceMailMain\("DAHDI\/2-\d+", ""\)/.test(pbx.output()) ? true : undefined), 15_000);
    assert.doesNotMatch(pbx.output(), /VoiceMailMain\("DAHDI\/2-\d+", "2100/);
    pbx.rx('sim line 2 hangup');
  });
});
