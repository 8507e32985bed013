/**
 * What the analog integration tests (analog-sim.test.ts, analog-cid.test.ts) share: a bounded
 * wait on a condition, a sim port's `sim show` row, and the SIP phone's side of a call the PBX
 * placed to it (answer with SDP, then hang up with a BYE from the callee side of the dialog).
 */
import { branch, hdr, sdp, type Msg, type Phone } from './calls-phone.ts';
import { sleep, startPbx, type PbxProcess } from './harness.ts';

/** Polls `fn` every 100 ms until it returns a value; throws after `ms`. */
export async function until<T>(what: string, fn: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The `sim show` row of port `port` ('phone' for FXS, 'line' for FXO), '' when absent. */
export function simRow(pbx: PbxProcess, port: number, kind: 'phone' | 'line'): string {
  return pbx.rx('sim show').split('\n').find((l) => new RegExp(`^${port}\\s+${kind}\\b`).test(l)) ?? '';
}

/** Answers an INVITE the PBX sent `phone`: 200 OK with µ-law SDP and our To tag. */
export function answerInvite(phone: Phone, inv: Msg, toTag: string): void {
  phone.reply(inv, 200, 'OK', { toTag, body: sdp(phone.media.port, [0, 101]) });
}

/**
 * A BYE from the callee side of a dialog the PBX started: our tag goes in From, the PBX's
 * (its INVITE's From) in To, sent to the PBX's Contact.
 */
export function calleeBye(phone: Phone, inv: Msg, toTag: string): void {
  const contact = hdr(inv, 'Contact');
  phone.send(
    [
      `BYE ${/<([^>]+)>/.exec(contact)?.[1] ?? contact} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${phone.sip.port};branch=${branch()};rport`,
      `From: ${hdr(inv, 'To')};tag=${toTag}`,
      `To: ${hdr(inv, 'From')}`,
      `Call-ID: ${hdr(inv, 'Call-ID')}`,
      'CSeq: 1 BYE',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * A PBX with the sim analog ports the analog tests share: phone 2000 (Secr3t-2000, Alice), a sim
 * phone on FXS 1 as extension 2100, a sim line on FXO 2 in group 1; 9 + number goes out on
 * DAHDI/g1, calls on the line ring SIP/2000.
 */
export function startSimPbx(): Promise<PbxProcess> {
  return startPbx({
    phones: { '2000': 'Secr3t-2000, Alice' },
    // The harness writes [system] and [phones]; the [analog] section rides after the last key.
    system: { country: 'us\n\n[analog]\nbackend = sim\nfxs = 1\nfxo = 2\n1 = 2100\ncontext = from-line\ngroup = 1' },
    files: {
      'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => _9X.,1,Dial(DAHDI/g1/${EXTEN:1})\n\n[from-line]\nexten => s,1,Dial(SIP/2000,20)\n',
    },
  });
}
