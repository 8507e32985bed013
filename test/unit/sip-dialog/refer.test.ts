/**
 * REFER inside an INVITE dialog (RFC 3515) at the dialog layer: the TU's answer, 400 without
 * exactly one Refer-To, 501 without a handler, and the NOTIFYs of the implicit subscription
 * (Event: refer;id=<REFER CSeq>, Subscription-State, message/sipfrag body).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import type { InviteServerSession } from '../../../src/sip/dialog/invite-server-session.ts';
import type { InviteClientSession } from '../../../src/sip/dialog/invite-client-session.ts';
import type { ReferRequest } from '../../../src/sip/dialog/types.ts';
import { Events, SDP_ANSWER, SDP_OFFER, World } from './helpers.ts';

function call(onRefer?: (r: ReferRequest) => { status: number; reason?: string }) {
  const w = new World();
  const alice = w.ua('alice', 5061);
  const bob = w.ua('bob', 5062);
  let uas: InviteServerSession | undefined;
  bob.onNew = (tx, req) => {
    uas = bob.dialogs.acceptInvite(tx, req, Object.assign(new Events(), onRefer ? { onRefer } : {}));
  };
  const uac: InviteClientSession = alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER }, new Events());
  w.flush();
  uas!.answer(SDP_ANSWER);
  w.flush();
  w.wire.length = 0;
  /** Alice sends REFER in the call with these headers; resolves with Bob's final answer. */
  const refer = (headers: { name: string; value: string }[]): Promise<SipResponse> =>
    new Promise((resolve) => {
      const d = uac.dialog!;
      const req: SipRequest = d.createRequest('REFER', { via: 'SIP/2.0/UDP 127.0.0.1:5061;rport', contact: `<${alice.uri}>`, headers });
      alice.layer.sendRequest(req, bob.endpoint, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onTimeout: () => assert.fail('REFER timed out'),
        onTransportError: () => assert.fail('REFER transport error'),
      });
      w.flush();
    });
  const done = (): void => {
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  };
  return { w, uac, uas: uas!, refer, done };
}

test('the TU answers the REFER (202) and reports progress with NOTIFYs of the implicit subscription', async () => {
  const seen: ReferRequest[] = [];
  const c = call((r) => {
    seen.push(r);
    return { status: 202, reason: 'Accepted' };
  });
  const res = await c.refer([
    { name: 'Refer-To', value: '<sip:2002@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>' },
    { name: 'Referred-By', value: '<sip:alice@127.0.0.1>' },
  ]);
  assert.equal(res.status, 202);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.referTo, '<sip:2002@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>');
  assert.equal(seen[0]!.referredBy, '<sip:alice@127.0.0.1>');
  const trying = c.uas.notifyRefer(seen[0]!.id, 'SIP/2.0 100 Trying', false);
  const ok = c.uas.notifyRefer(seen[0]!.id, 'SIP/2.0 200 OK', true);
  c.w.flush();
  await Promise.all([trying, ok]);
  const notifies = c.w.wire.filter((r) => r.message.kind === 'request' && r.message.method === 'NOTIFY').map((r) => r.message);
  assert.deepEqual(
    notifies.map((n) => [getHeader(n, 'Event'), getHeader(n, 'Subscription-State'), getHeader(n, 'Content-Type'), n.body]),
    [
      [`refer;id=${seen[0]!.id}`, 'active;expires=60', 'message/sipfrag;version=2.0', 'SIP/2.0 100 Trying\r\n'],
      [`refer;id=${seen[0]!.id}`, 'terminated;reason=noresource', 'message/sipfrag;version=2.0', 'SIP/2.0 200 OK\r\n'],
    ],
  );
  c.done();
});

test('a REFER without Refer-To or with two is answered 400; without a TU handler 501', async () => {
  const c = call(() => ({ status: 202 }));
  assert.equal((await c.refer([])).status, 400);
  assert.equal(
    (await c.refer([
      { name: 'Refer-To', value: '<sip:1@h>' },
      { name: 'Refer-To', value: '<sip:2@h>' },
    ])).status,
    400,
  );
  c.done();
  const plain = call();
  assert.equal((await plain.refer([{ name: 'Refer-To', value: '<sip:1@h>' }])).status, 501);
  plain.done();
});
