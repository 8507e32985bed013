/**
 * Caller ID per country through SIP end to end, on the bundle with the sim backend. For each of
 * pbx.conf `country = us` (Bell 202 FSK in the first ring pause), `uk` (ETSI V.23 FSK after a
 * line reversal, before the first ring) and `dk` (DTMF CLIP before the first ring: a number, no
 * name), a PBX has one sim exchange line on FXO port 1 whose calls go to SIP phone 2000:
 *  - `sim line 1 ring 5551234 "JOHN DOE"`: the exchange sends the spill the country's way, the
 *    PBX's FXO port decodes it, and the SIP phone's INVITE comes from "JOHN DOE" <sip:5551234@..>
 *    (dk: 5551234 with no name); while it rings, `core show channels verbose|concise`,
 *    `core show channel` and `dahdi show channel 1` show the caller ID; answering seizes the
 *    line and the SIP phone's BYE releases it.
 *  - `sim line 1 ring` with no caller ID: the call is offered on the second ring and still
 *    reaches the SIP phone, with an empty caller ID on the console.
 *  - `sim line 1 ring withheld`: the exchange sends the reason for absence ('P'; DTMF 'B' "10"),
 *    the call's presentation is prohib with no number, and the SIP phone's INVITE comes from
 *    "Anonymous" <sip:anonymous@anonymous.invalid> as chan_sip sends it.
 * The PBXs run one after another.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, type PbxProcess } from './harness.ts';
import { hdr, Phone, type Msg } from './calls-phone.ts';
import { answerInvite, calleeBye, simRow, until } from './analog-phone.ts';

interface Country {
  country: string;
  standard: string;
  /** Whether the standard carries the caller's name (DTMF CLIP does not). */
  name: boolean;
}

const COUNTRIES: Country[] = [
  { country: 'us', standard: 'Bell 202', name: true },
  { country: 'uk', standard: 'V.23', name: true },
  { country: 'dk', standard: 'DTMF CLIP', name: false },
];

for (const c of COUNTRIES) {
  describe(`caller ID on a sim exchange line, country = ${c.country} (${c.standard})`, () => {
    let pbx: PbxProcess;
    let alice: Phone;
    /** Call-IDs of INVITEs already handled: a retransmission of an earlier one is not a new call. */
    const seen = new Set<string>();

    before(async () => {
      pbx = await startPbx({
        phones: { '2000': 'Secr3t-2000, Alice' },
        // The harness writes [system] and [phones]; [analog] rides after [system]'s last key.
        system: { rtp: '31400-31500', country: `${c.country}\n\n[analog]\nbackend = sim\nfxo = 1\ncontext = from-line` },
        files: { 'extensions.conf': '[phones]\ninclude => pbx-phones\n\n[from-line]\nexten => s,1,Dial(SIP/2000,30)\n' },
      });
      alice = new Phone('2000', 'Secr3t-2000', pbx.port);
      await alice.open();
      await alice.register();
    });
    after(async () => {
      alice.close();
      await pbx.stop();
    });

    const line = (): string => simRow(pbx, 1, 'line');

    async function nextCall(ms: number): Promise<Msg> {
      const inv = await alice.next((m) => m.first.startsWith('INVITE ') && !seen.has(hdr(m, 'Call-ID')), ms);
      seen.add(hdr(inv, 'Call-ID'));
      return inv;
    }

    /** Answers the line's call on the SIP phone, then hangs it up from there. */
    async function answerAndHangUp(inv: Msg, tag: string): Promise<void> {
      answerInvite(alice, inv, tag);
      await alice.request('ACK');
      await until('the line to be answered', () => (/^1\s+line\s+offhook/.test(line()) ? true : undefined));
      assert.match(pbx.rx('core show channels'), /DAHDI\/1-\d+\s+s@from-line\s+Up/);
      calleeBye(alice, inv, tag);
      await alice.response('BYE', 200, 5000, hdr(inv, 'Call-ID'));
      await until('the line to be released', () => (/^1\s+line\s+idle/.test(line()) ? true : undefined));
      await until('the channels to end', () => (/^0 active channels/m.test(pbx.rx('core show channels')) ? true : undefined));
    }

    test('a call with caller ID reaches the SIP phone from the caller; the console shows it', async () => {
      pbx.rx('sim line 1 ring 5551234 "JOHN DOE"');
      const inv = await nextCall(20_000);
      const from = hdr(inv, 'From');
      if (c.name) assert.match(from, /^"JOHN DOE" <sip:5551234@/);
      else {
        // DTMF CLIP has no name: the number is the display name, as Asterisk's chan_sip sends it.
        assert.match(from, /^"5551234" <sip:5551234@/);
        assert.doesNotMatch(from, /JOHN/);
      }

      // While the SIP phone rings, the console shows who is calling.
      const name = c.name ? 'JOHN DOE' : '';
      const dahdi = pbx.rx('dahdi show channel 1');
      assert.match(dahdi, /^Caller ID: 5551234$/m);
      assert.match(dahdi, new RegExp(`^Caller ID name: ${name}$`, 'm'));
      assert.match(dahdi, /^Owner: DAHDI\/1-1$/m);
      assert.match(pbx.rx('core show channels concise'), /^DAHDI\/1-1!from-line!s!1!Ring(ing)?!Dial!SIP\/2000,30!5551234!/m);
      assert.match(pbx.rx('core show channels verbose'), /^DAHDI\/1-1\s+from-line\s+s\s+1\s+Ring(ing)?\s+Dial\s+SIP\/2000,30\s+5551234\s/m);
      const channel = pbx.rx('core show channel DAHDI/1-1');
      assert.match(channel, /^\s+Caller ID: 5551234$/m);
      assert.match(channel, new RegExp(`^\\s+Caller ID Name: ${c.name ? 'JOHN DOE' : '\\(N/A\\)'}$`, 'm'));

      await answerAndHangUp(inv, `cid-${c.country}`);
    });

    test('a call without caller ID still reaches the SIP phone (offered on the second ring)', async () => {
      pbx.rx('sim line 1 ring');
      const inv = await nextCall(20_000);
      assert.doesNotMatch(hdr(inv, 'From'), /5551234|JOHN/);
      const dahdi = pbx.rx('dahdi show channel 1');
      assert.match(dahdi, /^Caller ID: $/m);
      assert.match(dahdi, /^Caller ID name: $/m);
      assert.match(dahdi, /^Owner: DAHDI\/1-2$/m);
      assert.match(pbx.rx('core show channel DAHDI/1-2'), /^\s+Caller ID: \(N\/A\)$/m);
      await answerAndHangUp(inv, `nocid-${c.country}`);
    });

    test('a withheld caller reaches the SIP phone as "Anonymous" <sip:anonymous@anonymous.invalid>', async () => {
      pbx.rx('sim line 1 ring withheld');
      const inv = await nextCall(20_000);
      assert.match(hdr(inv, 'From'), /^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/);
      const dahdi = pbx.rx('dahdi show channel 1');
      assert.match(dahdi, /^Caller ID: $/m);
      assert.match(dahdi, /^Owner: DAHDI\/1-3$/m);
      assert.match(pbx.rx('core show channel DAHDI/1-3'), /^\s+Caller ID: \(N\/A\)$/m);
      await answerAndHangUp(inv, `withheld-${c.country}`);
    });
  });
}
