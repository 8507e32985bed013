/**
 * A provider that challenges the requests we send inside a call (RFC 3261 22.2 applies to any
 * request): our BYE and re-INVITE get 407 and are sent again once with Proxy-Authorization from
 * the trunk's digest client, CSeq+1, in the same dialog.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, cseq, getHeader } from '../../../src/sip/message/headers.ts';
import type { InviteServerSession } from '../../../src/sip/dialog/invite-server-session.ts';
import { digestClient } from '../../../src/sip/auth/digest-client.ts';
import { parseAuthParams } from '../../../src/sip/message/auth-params.ts';
import { Events, SDP_ANSWER, SDP_OFFER, World } from './helpers.ts';

test('BYE and re-INVITE challenged 407 by the far end are resent once with Proxy-Authorization', async () => {
  const w = new World();
  const alice = w.ua('alice', 5061);
  const bob = w.ua('bob', 5062);
  let uas: InviteServerSession | undefined;
  bob.onNew = (tx, req) => {
    uas = bob.dialogs.acceptInvite(tx, req, { onReinvite: () => ({ sdp: SDP_ANSWER }) });
  };
  // Bob challenges every in-dialog request that carries no credentials.
  const inner = bob.layer.onRequest!;
  bob.layer.onRequest = (tx, req, source) => {
    if ((req.method === 'BYE' || req.method === 'INVITE') && getHeader(req, 'To')?.includes('tag=') && !getHeader(req, 'Proxy-Authorization')) {
      const res = createResponse(req, 407, 'Proxy Authentication Required');
      res.headers.push({ name: 'Proxy-Authenticate', value: `Digest realm="prov", nonce="${req.method}-nonce", qop="auth"` });
      tx.respond(res);
      return;
    }
    inner(tx, req, source);
  };
  const ev = new Events();
  const uac = alice.dialogs.invite(
    { target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER, authenticate: digestClient({ username: 'acct', secret: 'pw' }) },
    ev,
  );
  w.flush();
  uas!.answer(SDP_ANSWER);
  w.flush();
  w.wire.length = 0;

  const result = uac.reinvite(SDP_OFFER.replace('a=sendrecv', 'a=sendonly'));
  w.flush();
  await w.settle();
  assert.deepEqual((await result).ok, true);
  assert.deepEqual(w.lines(), ['alice>bob INVITE', 'bob>alice 407/INVITE', 'alice>bob ACK', 'alice>bob INVITE', 'bob>alice 200/INVITE', 'alice>bob ACK']);
  const reinvite = w.wire[3]!.message;
  assert.equal(parseAuthParams(getHeader(reinvite, 'Proxy-Authorization')!).params.nonce, 'INVITE-nonce');
  assert.equal(cseq(reinvite).seq, cseq(w.wire[0]!.message).seq + 1);
  w.wire.length = 0;

  uac.hangup();
  w.flush();
  assert.deepEqual(w.lines(), ['alice>bob BYE', 'bob>alice 407/BYE', 'alice>bob BYE', 'bob>alice 200/BYE']);
  const bye = w.wire[2]!.message;
  const p = parseAuthParams(getHeader(bye, 'Proxy-Authorization')!).params;
  assert.equal(p.username, 'acct');
  assert.equal(p.nonce, 'BYE-nonce');
  assert.equal(cseq(bye).seq, cseq(w.wire[0]!.message).seq + 1);
  w.drain(alice, bob);
  w.close(alice, bob);
});
