/**
 * In-dialog request cost (RFC 3261 12.2): what every BYE, re-INVITE and INFO of a call pays.
 * - build: Dialog.createRequest (route set with two loose routers) + serializeMessage;
 * - parse + match: parseMessage of that request, then DialogTable.matchRequest among 10,000
 *   dialogs and the 12.2.2 CSeq check -- the receive path of the dialog layer;
 * - ACK: Dialog.createAck for a 2xx (new branch from the CSPRNG) + serializeMessage.
 */
import { Bench } from 'tinybench';
import { createResponse } from '../../src/sip/message/headers.ts';
import { parseMessage } from '../../src/sip/message/parse.ts';
import { serializeMessage } from '../../src/sip/message/serialize.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.ts';
import { Dialog } from '../../src/sip/dialog/dialog.ts';
import { DialogTable } from '../../src/sip/dialog/dialog-table.ts';

const N = 10_000;
const VIA = 'SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKbench';

function invite(i: number): SipRequest {
  const raw = [
    `INVITE sip:${2000 + (i % 100)}@pbx.example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.${(i % 200) + 1}:5060;branch=z9hG4bK${i.toString(36)}`,
    'Max-Forwards: 70',
    'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
    `From: "Caller ${i}" <sip:${3000 + i}@example.com>;tag=f${i}`,
    `To: <sip:${2000 + (i % 100)}@pbx.example.com>`,
    `Call-ID: bench-${i}@198.51.100.1`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${3000 + i}@198.51.100.${(i % 200) + 1}:5060>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(raw) as SipRequest;
}

export default async function dialogBench(): Promise<Bench> {
  const table = new DialogTable<number>();
  const uas: Dialog[] = [];
  for (let i = 0; i < N; i++) {
    const d = Dialog.uas(invite(i), `t${i}`, 'confirmed');
    uas.push(d);
    table.add(d, i);
  }
  // What the peer of dialog 4242 would send us: a UAC dialog built from our own 200.
  const req = invite(4242);
  const answer = createResponse(req, 200, undefined, 't4242');
  answer.headers.push({ name: 'Contact', value: '<sip:pbx@192.0.2.1:5060>' });
  const ok = parseMessage(serializeMessage(answer)) as SipResponse;
  const peer = Dialog.uac(req, ok);
  const incoming = serializeMessage(peer.createRequest('INFO', { via: VIA, body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' }));
  const target = uas[4242]!;

  const bench = new Bench({ name: 'sip dialog', time: 500 });
  bench.add('build + serialize an in-dialog BYE (2 loose routes)', () => {
    const bye = target.createRequest('BYE', { via: VIA });
    if (serializeMessage(bye).length < 100) throw new Error('bench: short BYE');
  });
  bench.add(`parse an in-dialog INFO + match among ${N} dialogs + CSeq check`, () => {
    const msg = parseMessage(incoming) as SipRequest;
    const entry = table.matchRequest(msg);
    if (!entry || entry.user !== 4242) throw new Error('bench: no match');
    target.state.remoteSeq = null;
    if (entry.dialog.checkRequest(msg)) throw new Error('bench: out of order');
  });
  bench.add('build + serialize the ACK for a 2xx', () => {
    if (serializeMessage(peer.createAck(req, 'SIP/2.0/UDP 198.51.100.1:5060;rport')).length < 100) throw new Error('bench: short ACK');
  });
  return bench;
}
