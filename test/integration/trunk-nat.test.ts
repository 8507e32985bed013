/**
 * The PBX behind a router (sip.conf externip + localnet), on the bundle: the INVITE a SIPp callee
 * at 127.0.0.1 receives carries the external address in Via, Contact, From and SDP (c=, o=) when
 * 127.0.0.1 is outside every localnet, and the local address when it is inside one. Nothing is
 * ever sent to the external address: the callee answers 486, so no media starts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';
import { describe as explain, sipp } from './calls-sipp.ts';
import { Phone, hdr, sdp, statusOf } from './calls-phone.ts';

const EXTERNAL = '198.51.100.7';

/** The first INVITE block SIPp received. */
function receivedInvite(messages: string): string {
  return messages.split(/-{5,}/).find((b) => /message received/i.test(b) && /^INVITE sip:/m.test(b)) ?? '';
}

function natCase(title: string, localnets: string[], expected: string, unexpected: string): void {
  describe(title, () => {
    let pbx: PbxProcess;
    let uasPort: number;
    let phone: Phone;

    before(async () => {
      uasPort = await freePort();
      pbx = await startPbx({
        phones: { '2000': 'Secr3t-2000, Alice' },
        files: {
          'sip.conf': [
            '[general]',
            `externip = ${EXTERNAL}`,
            ...localnets.map((n) => `localnet = ${n}`),
            '',
            '[far]',
            'type=peer',
            'host=127.0.0.1',
            `port=${uasPort}`,
            'context=phones',
            '',
          ].join('\n'),
          'extensions.conf': ['[phones]', 'include => pbx-phones', 'exten => _555XXXX,1,Dial(SIP/far/${EXTEN},5)', ''].join('\n'),
        },
      });
      phone = new Phone('2000', 'Secr3t-2000', pbx.port);
      await phone.open();
    });
    after(async () => {
      phone?.close();
      await pbx?.stop();
    });

    test(`the INVITE to 127.0.0.1 carries ${expected} in Via, Contact, From, c= and o=`, async () => {
      const callee = sipp('uas-busy.xml', { port: uasPort, timeoutS: 20 });
      await sleep(400);
      const call = await phone.invite('5551234', sdp(phone.media.port, [0, 101]));
      const final = await phone.next((m) => hdr(m, 'Call-ID') === call.callId && statusOf(m) >= 300 && statusOf(m) !== 401, 10_000);
      phone.ack(call, final);
      assert.equal(statusOf(final), 486);
      const run = await callee;
      assert.equal(run.status, 0, explain(run));
      const invite = receivedInvite(run.messages);
      const at = (re: RegExp): string => re.exec(invite)?.[1] ?? '';
      assert.equal(at(/^Via: SIP\/2\.0\/UDP ([^:;\s]+)/m), expected, invite);
      assert.equal(at(/^Contact:.*<sip:[^@>]*@?([^:;>]+)/m), expected, invite);
      assert.equal(at(/^From:.*<sip:[^@>]+@([^:;>]+)/m), expected, invite);
      assert.equal(at(/^c=IN IP4 (\S+)/m), expected, invite);
      assert.equal(at(/^o=\S+ \S+ \S+ IN IP4 (\S+)/m), expected, invite);
      const ours = invite.split('\n').filter((l) => /^(Via|Contact|From|Call-ID|c=|o=)/i.test(l));
      assert.ok(!ours.some((l) => l.includes(unexpected)), `no ${unexpected} in our own addresses:\n${ours.join('\n')}`);
    });
  });
}

natCase('externip, destination outside every localnet', ['10.0.0.0/8', '192.168.0.0/16'], EXTERNAL, '127.0.0.1');
natCase('externip, destination inside a localnet', ['10.0.0.0/8', '127.0.0.0/255.255.255.0'], '127.0.0.1', EXTERNAL);
