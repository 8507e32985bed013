/**
 * Calls through a provider trunk, on the bundle, with Kamailio as the provider (registrar with
 * digest, a proxy challenging its subscribers' INVITEs with 407 and record-routing) and a SIPp
 * standing for the public network behind it.
 *
 * - Out: phone 2000 dials 0123456789 -> `Dial(SIP/provider/${EXTEN})` -> Kamailio answers 407,
 *   the PBX answers with the peer's credentials (authuser) and fromuser -> the public SIPp
 *   (it echoes RTP, so the phone hears its own tone back through both legs) -> BYE from either side.
 * - A wrong trunk password: one authenticated try, then the call fails (no hammering).
 * - In: a public SIPp calls our provider account through Kamailio -> the INVITE reaches the PBX's
 *   registered contact (`register => .../2000`), matched to the trunk by address (insecure=invite)
 *   -> phone 2000 rings, answers, RTP both ways, the public side hangs up.
 * - qualify=yes toward the trunk: `sip show peers` shows it OK.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';
import { describe as explain, receivedRequests, sipp } from './calls-sipp.ts';
import { startKamailio, type Kamailio } from './kamailio.ts';
import { Phone, hdr, mediaPort, rtpPacket, sdp } from './calls-phone.ts';
import { callAndAnswer, isSilent } from './dialplan-phone.ts';

const ACCOUNT = 'pbxacct';
const TRUNK_PASSWORD = 'Trunk-pw1';

/** The block of a SIPp message trace holding the first received request of `method`. */
function receivedBlock(messages: string, method: string): string {
  return messages.split(/-{5,}/).find((b) => /message received/i.test(b) && new RegExp(`^${method} sip:`, 'm').test(b)) ?? '';
}

describe('calls through a provider trunk (Kamailio)', () => {
  let kam: Kamailio;
  let pbx: PbxProcess;
  let gatewayPort: number;
  let phone: Phone;

  before(async () => {
    gatewayPort = await freePort();
    kam = await startKamailio({ users: [{ name: ACCOUNT, password: TRUNK_PASSWORD }], publicGateway: { host: '127.0.0.1', port: gatewayPort } });
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice' },
      files: {
        'sip.conf': [
          '[general]',
          `register => ${ACCOUNT}:${TRUNK_PASSWORD}@127.0.0.1:${kam.port}/2000`,
          '',
          '[provider]',
          'type=peer',
          // A DNS name with a port: located by an A lookup (RFC 3263 4.2), here /etc/hosts.
          'host=localhost',
          `port=${kam.port}`,
          `authuser=${ACCOUNT}`,
          `secret=${TRUNK_PASSWORD}`,
          `fromuser=${ACCOUNT}`,
          'fromdomain=127.0.0.1',
          'insecure=invite',
          'qualify=yes',
          'context=from-provider',
          '',
          '[badprovider]',
          'type=peer',
          'host=127.0.0.1',
          `port=${kam.port}`,
          `defaultuser=${ACCOUNT}`,
          'secret=not-the-password',
          `fromuser=${ACCOUNT}`,
          'context=from-provider',
          '',
        ].join('\n'),
        'extensions.conf': [
          '[phones]',
          'include => pbx-phones',
          'exten => _0.,1,Dial(SIP/provider/${EXTEN},20)',
          'exten => _9.,1,Dial(SIP/badprovider/0${EXTEN:1},20)',
          '',
          '[from-provider]',
          'exten => 2000,1,Dial(SIP/2000,20)',
          '',
        ].join('\n'),
      },
    });
    phone = new Phone('2000', 'Secr3t-2000', pbx.port);
    await phone.open();
    await phone.register();
  });
  after(async () => {
    phone?.close();
    await pbx?.stop();
    await kam?.stop();
  });

  async function noChannelsLeft(): Promise<void> {
    for (let i = 0; i < 40 && !/^0 active channels/m.test(pbx.rx('core show channels')); i++) await sleep(100);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  }

  /** Phone 2000 calls `number`; resolves once the public SIPp answered and our tone came back through it. */
  async function callOut(number: string) {
    const call = await callAndAnswer(phone, number, 10_000);
    await call.tone(1000, 600);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !call.audio().some((p) => !isSilent(p))) await sleep(50);
    return call;
  }

  test('Dial(SIP/provider/0123456789): 407 answered with the trunk credentials and fromuser, RTP both ways, our BYE ends both legs', async () => {
    const invitesBefore = kam.requestsSeen('INVITE');
    const media = await freePort();
    const gateway = sipp('trunk-public-uas.xml', { port: gatewayPort, timeoutS: 40, args: ['-rtp_echo', '-mp', String(media)] });
    await sleep(400);
    const call = await callOut('0123456789');
    try {
      assert.ok(call.audio().some((p) => !isSilent(p)), 'the tone sent by the phone came back from the public side (RTP both ways)');
      assert.equal(kam.requestsSeen('INVITE') - invitesBefore, 2, 'one INVITE challenged 407, one with Proxy-Authorization');
      const leg = /^(SIP\/provider-[0-9a-f]{8})!/m.exec(pbx.rx('core show channels concise'))?.[1];
      assert.ok(leg, 'a provider leg is up');
      const m = /RTP Packets: received (\d+), sent (\d+)/.exec(pbx.rx(`core show channel ${leg}`));
      assert.ok(m && Number(m[1]) > 5 && Number(m[2]) > 5, `RTP counted both ways on the trunk leg: ${m?.[0]}`);
    } finally {
      call.hangup();
    }
    await phone.response('BYE', 200, 10_000);
    const uas = await gateway;
    assert.equal(uas.status, 0, explain(uas));
    assert.deepEqual(receivedRequests(uas.messages), ['INVITE', 'ACK', 'BYE'], 'the public side got our BYE through the provider');
    const invite = receivedBlock(uas.messages, 'INVITE');
    assert.match(invite, /^INVITE sip:0123456789@/m, 'the dialled number is the Request-URI user');
    assert.match(invite, /^From:.*<sip:pbxacct@127\.0\.0\.1>;tag=/im, 'From carries fromuser@fromdomain');
    assert.match(invite, /^Record-Route:/im, 'it came through the provider');
    assert.doesNotMatch(kam.logs(), /auth.*(failed|invalid)/i);
    await noChannelsLeft();
  });

  test('the public side hangs up: its BYE through the provider ends both legs', async () => {
    const media = await freePort();
    const gateway = sipp('trunk-public-uas-bye.xml', { port: gatewayPort, timeoutS: 40, args: ['-rtp_echo', '-mp', String(media)] });
    await sleep(400);
    const call = await callOut('0555000111');
    assert.ok(call.audio().some((p) => !isSilent(p)), 'RTP both ways');
    await call.awaitBye(15_000);
    const uas = await gateway;
    assert.equal(uas.status, 0, explain(uas));
    await noChannelsLeft();
  });

  test('a refused trunk password: one authenticated try, then the call fails', async () => {
    const invitesBefore = kam.requestsSeen('INVITE');
    const c = await phone.invite('9123', sdp(phone.media.port, [0, 101]));
    const final = await phone.next((m) => m.first.startsWith('SIP/2.0') && hdr(m, 'Call-ID') === c.callId && /INVITE$/.test(hdr(m, 'CSeq')) && Number(m.first.slice(8, 11)) >= 300, 10_000);
    phone.ack(c, final);
    assert.ok(Number(final.first.slice(8, 11)) >= 400, final.first);
    assert.equal(kam.requestsSeen('INVITE') - invitesBefore, 2, 'the challenge after our answer is not answered again');
    await noChannelsLeft();
  });

  test('qualify=yes toward the trunk: sip show peers shows it OK', async () => {
    let peers = '';
    for (let i = 0; i < 60; i++) {
      peers = pbx.rx('sip show peers');
      if (/^provider\/\S+\s.*\bOK\b/m.test(peers)) break;
      await sleep(200);
    }
    assert.match(peers, /^provider\/\S+\s+localhost\s.*\bOK \(\d+ ms\)/m);
  });

  test('a call from the public side through the provider rings 2000 (the register line\'s /extension); they talk; the caller hangs up', async () => {
    // The registration must be in Kamailio's location table first.
    for (let i = 0; i < 50 && !(await kam.locations()).some((l) => l.aor.startsWith(ACCOUNT)); i++) await sleep(100);
    assert.ok((await kam.locations()).some((l) => l.aor.startsWith(ACCOUNT)), `registered at the provider:\n${pbx.rx('sip show registry')}`);
    const media = await freePort();
    const caller = sipp('trunk-public-uac.xml', { remotePort: kam.port, timeoutS: 40, args: ['-s', ACCOUNT, '-mp', String(media)] });
    const inv = await phone.request('INVITE', 10_000);
    assert.match(hdr(inv, 'From'), /0612345678/, 'the caller ID is the public caller');
    const toTag = randomBytes(3).toString('hex');
    // The public caller offers A-law only; the phone answers with it.
    phone.reply(inv, 200, 'OK', { toTag, body: sdp(phone.media.port, [8, 101]) });
    await phone.request('ACK');
    const toPbx = mediaPort(inv.body);
    // The phone talks while the public caller plays its pcap.
    let heard = 0;
    const onRtp = (): void => void heard++;
    phone.media.sock.on('message', onRtp);
    for (let i = 0; i < 100; i++) {
      phone.media.send(rtpPacket(i + 1, 8, Buffer.alloc(160, 0x55)), toPbx);
      await sleep(20);
    }
    const leg = /^(SIP\/provider-[0-9a-f]{8})!/m.exec(pbx.rx('core show channels concise'))?.[1];
    assert.ok(leg, `the provider's call is a channel of peer provider:\n${pbx.rx('core show channels concise')}`);
    const m = /RTP Packets: received (\d+), sent (\d+)/.exec(pbx.rx(`core show channel ${leg}`));
    assert.ok(m && Number(m[1]) > 20, `the public caller's RTP reached the PBX: ${m?.[0]}`);
    assert.ok(m && Number(m[2]) > 20, `the phone's RTP went on to the public caller: ${m?.[0]}`);
    assert.ok(heard > 20, `the phone heard the public caller (${heard} packets)`);
    const bye = await phone.request('BYE', 15_000);
    phone.reply(bye, 200, 'OK');
    phone.media.sock.off('message', onRtp);
    const run = await caller;
    assert.equal(run.status, 0, explain(run));
    await noChannelsLeft();
  });
});
