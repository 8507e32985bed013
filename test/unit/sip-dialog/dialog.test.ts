import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createResponse, cseq, formatUri, getHeader, getHeaders } from '../../../src/sip/message/headers.ts';
import { parseMessage } from '../../../src/sip/message/parse.ts';
import { serializeMessage } from '../../../src/sip/message/serialize.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { Dialog, type DialogState } from '../../../src/sip/dialog/dialog.ts';
import { DialogTable } from '../../../src/sip/dialog/dialog-table.ts';
import { AnswerRetransmission, AnswerRetransmissionState } from '../../../src/sip/dialog/answer-retransmission.ts';
import { uriEndpoint } from '../../../src/sip/dialog/dialog-layer.ts';
import { parseUri } from '../../../src/sip/message/headers.ts';

function invite(extra: string[] = []): SipRequest {
  const raw = [
    'INVITE sip:2000@pbx.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
    'Max-Forwards: 70',
    ...extra,
    'From: "Alice" <sip:1000@example.com>;tag=alice1',
    'To: <sip:2000@pbx.example.com>',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 7 INVITE',
    'Contact: <sip:1000@192.0.2.1:5060>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(raw) as SipRequest;
}

function response(req: SipRequest, status: number, tag: string, extra: { name: string; value: string }[] = []): SipResponse {
  const res = createResponse(req, status, undefined, tag);
  res.headers = res.headers.filter((h) => h.name !== 'Record-Route');
  res.headers.push(...extra);
  return parseMessage(serializeMessage(res)) as SipResponse;
}

const VIA = 'SIP/2.0/UDP 203.0.113.5:5060;rport';

describe('Dialog', () => {
  test('UAS dialog from an INVITE (12.1.1): Record-Route in order, Contact as target, remote CSeq set', () => {
    const req = invite(['Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>']);
    const d = Dialog.uas(req, 'bob1', 'early');
    assert.deepEqual(d.state, {
      role: 'uas',
      callId: 'call-1@192.0.2.1',
      localTag: 'bob1',
      remoteTag: 'alice1',
      localUri: '<sip:2000@pbx.example.com>',
      remoteUri: '"Alice" <sip:1000@example.com>',
      localSeq: null,
      remoteSeq: 7,
      remoteTarget: 'sip:1000@192.0.2.1:5060',
      routeSet: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
      secure: false,
      phase: 'early',
    } satisfies DialogState);
  });

  test('UAS dialog without Contact is refused with 400', () => {
    const req = invite();
    req.headers = req.headers.filter((h) => h.name !== 'Contact');
    assert.throws(() => Dialog.uas(req, 't', 'early'), { status: 400, reason: 'Missing Contact' });
  });

  test('UAC dialog (12.1.2): Record-Route reversed; a 2xx recomputes route set and target (13.2.2.4)', () => {
    const req = invite();
    const ringing = response(req, 180, 'b1', [
      { name: 'Record-Route', value: '<sip:p2.example.com;lr>' },
      { name: 'Record-Route', value: '<sip:p1.example.com;lr>' },
      { name: 'Contact', value: '<sip:early@198.51.100.9>' },
    ]);
    const d = Dialog.uac(req, ringing);
    assert.equal(d.phase, 'early');
    assert.deepEqual(d.state.routeSet, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(d.state.localSeq, 7);
    assert.equal(d.state.remoteSeq, null);
    assert.equal(d.state.remoteTarget, 'sip:early@198.51.100.9');
    const ok = response(req, 200, 'b1', [
      { name: 'Record-Route', value: '<sip:p3.example.com;lr>' },
      { name: 'Contact', value: '<sip:final@198.51.100.9:5080>' },
    ]);
    d.confirmWith(ok);
    assert.equal(d.phase, 'confirmed');
    assert.deepEqual(d.state.routeSet, ['<sip:p3.example.com;lr>']);
    assert.equal(d.state.remoteTarget, 'sip:final@198.51.100.9:5080');
  });

  test('a provisional without Contact still makes an early dialog, targeted at the Request-URI', () => {
    const req = invite();
    const d = Dialog.uac(req, response(req, 183, 'b2'));
    assert.equal(d.state.remoteTarget, 'sip:2000@pbx.example.com');
  });

  test('in-dialog request with a loose route set (12.2.1.1): Request-URI is the target, Route the set', () => {
    const req = invite(['Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>']);
    const d = Dialog.uas(req, 'bob1', 'confirmed');
    const bye = d.createRequest('BYE', { via: VIA });
    assert.equal(formatUri(bye.uri), 'sip:1000@192.0.2.1:5060');
    assert.deepEqual(getHeaders(bye, 'Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(getHeader(bye, 'From'), '<sip:2000@pbx.example.com>;tag=bob1');
    assert.equal(getHeader(bye, 'To'), '"Alice" <sip:1000@example.com>;tag=alice1');
    assert.equal(getHeader(bye, 'Call-ID'), 'call-1@192.0.2.1');
    assert.deepEqual(cseq(bye), { seq: 1, method: 'BYE' }, 'the UAS picks an initial local CSeq');
    assert.equal(cseq(d.createRequest('INFO', { via: VIA })).seq, 2);
    assert.equal(d.nextHop().host, 'p1.example.com');
    // It survives the wire.
    const again = parseMessage(serializeMessage(bye)) as SipRequest;
    assert.deepEqual(getHeaders(again, 'Route'), getHeaders(bye, 'Route'));
  });

  test('strict router first (no ;lr): Request-URI is that route, the target goes last in Route', () => {
    const req = invite(['Record-Route: <sip:strict.example.com;method=INVITE?X=1>, <sip:p2.example.com;lr>']);
    const d = Dialog.uas(req, 'bob1', 'confirmed');
    const bye = d.createRequest('BYE', { via: VIA });
    assert.equal(formatUri(bye.uri), 'sip:strict.example.com', 'method param and headers are not allowed in a Request-URI');
    assert.deepEqual(getHeaders(bye, 'Route'), ['<sip:p2.example.com;lr>', '<sip:1000@192.0.2.1:5060>']);
    assert.equal(d.nextHop().host, 'strict.example.com');
  });

  test('no route set: Request-URI is the remote target, no Route, next hop the target', () => {
    const d = Dialog.uas(invite(), 'bob1', 'confirmed');
    const info = d.createRequest('INFO', { via: VIA, body: 'Signal=1\r\n', contentType: 'application/dtmf-relay' });
    assert.equal(getHeaders(info, 'Route').length, 0);
    assert.equal(getHeader(info, 'Content-Type'), 'application/dtmf-relay');
    assert.equal(d.nextHop().host, '192.0.2.1');
  });

  test('CSeq ordering (12.2.2): lower is 500, equal and higher pass, ACK/CANCEL are not ordered', () => {
    const req = invite();
    const d = Dialog.uas(req, 'bob1', 'confirmed');
    const inDialog = (method: string, seq: number): SipRequest => {
      const r = structuredClone(req);
      r.method = method;
      r.headers = r.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: `${seq} ${method}` } : h));
      return r;
    };
    assert.deepEqual(d.checkRequest(inDialog('INFO', 6)), { status: 500, reason: 'CSeq Out Of Order' });
    assert.equal(d.checkRequest(inDialog('ACK', 1)), undefined);
    assert.equal(d.checkRequest(inDialog('INFO', 7)), undefined);
    assert.equal(d.checkRequest(inDialog('BYE', 9)), undefined);
    assert.equal(d.state.remoteSeq, 9);
    assert.deepEqual(d.checkRequest(inDialog('INFO', 8)), { status: 500, reason: 'CSeq Out Of Order' });
    // A UAC dialog has no remote CSeq yet: anything goes first.
    const uac = Dialog.uac(req, response(req, 200, 'x', [{ name: 'Contact', value: '<sip:b@192.0.2.2>' }]));
    assert.equal(uac.checkRequest(inDialog('BYE', 1)), undefined);
    assert.equal(uac.state.remoteSeq, 1);
  });

  test('target refresh: the Contact of a re-INVITE replaces the remote target', () => {
    const d = Dialog.uas(invite(), 'bob1', 'confirmed');
    const re = invite();
    re.headers = re.headers.map((h) => (h.name === 'Contact' ? { name: 'Contact', value: '<sip:1000@192.0.2.77:5070;transport=tcp>' } : h));
    d.refreshTarget(re);
    assert.equal(formatUri(d.createRequest('BYE', { via: VIA }).uri), 'sip:1000@192.0.2.77:5070;transport=tcp');
  });

  test('ACK for a 2xx (13.2.2.4): INVITE CSeq number, its credentials, a fresh branch', () => {
    const req = invite(['Authorization: Digest username="1000", realm="r", nonce="n", uri="sip:2000@pbx.example.com", response="00"']);
    const d = Dialog.uac(req, response(req, 200, 'b', [{ name: 'Contact', value: '<sip:b@192.0.2.2>' }]));
    const ack = d.createAck(req, VIA);
    assert.deepEqual(cseq(ack), { seq: 7, method: 'ACK' });
    assert.equal(getHeader(ack, 'Authorization'), getHeader(req, 'Authorization'));
    assert.match(getHeader(ack, 'Via')!, /;branch=z9hG4bK[0-9a-f]{16}$/);
    assert.equal(d.state.localSeq, 7, 'the ACK does not consume a CSeq');
  });

  test('state is plain data: a dialog rebuilt from JSON builds the same request', () => {
    const d = Dialog.uas(invite(['Record-Route: <sip:p1.example.com;lr>']), 'bob1', 'confirmed');
    const copy = new Dialog(JSON.parse(JSON.stringify(d.state)) as DialogState);
    const a = d.createRequest('BYE', { via: VIA });
    const b = copy.createRequest('BYE', { via: VIA });
    assert.equal(serializeMessage(a), serializeMessage(b));
  });

  test('phase moves only forward (early -> confirmed -> terminated)', () => {
    const d = Dialog.uas(invite(), 'bob1', 'early');
    d.transition('confirmed');
    assert.throws(() => d.transition('early'), /illegal transition confirmed -> early/);
    d.transition('terminated');
    assert.throws(() => d.transition('confirmed'), /illegal/);
  });
});

describe('DialogTable', () => {
  test('requests match by Call-ID, To tag (local) and From tag (remote); responses the other way round', () => {
    const table = new DialogTable<string>();
    const req = invite();
    const uas = Dialog.uas(req, 'bob1', 'confirmed');
    table.add(uas, 'uas-session');
    const bye = uas.createRequest('BYE', { via: VIA });
    // A BYE from Alice: To carries our tag bob1, From hers.
    const fromAlice = structuredClone(bye);
    fromAlice.headers = fromAlice.headers.map((h) =>
      h.name === 'From' ? { name: 'From', value: '<sip:1000@example.com>;tag=alice1' } : h.name === 'To' ? { name: 'To', value: '<sip:2000@pbx.example.com>;tag=bob1' } : h,
    );
    assert.equal(table.matchRequest(fromAlice)?.user, 'uas-session');
    assert.equal(table.matchRequest(bye), undefined, 'our own BYE is not a request to us');
    table.remove(Dialog.uas(req, 'bob1', 'confirmed'));
    assert.equal(table.size, 1, 'remove() only removes the same instance');
    table.remove(uas);
    assert.equal(table.size, 0);
  });

  test('forked responses: a known To tag finds its dialog, a new one finds the pending UAC owner', () => {
    const table = new DialogTable<string>();
    const req = invite();
    table.addPending('call-1@192.0.2.1', 'alice1', 'uac-session');
    const a = response(req, 180, 'forkA', [{ name: 'Contact', value: '<sip:a@192.0.2.3>' }]);
    const first = table.matchResponse(a);
    assert.deepEqual(first, { dialog: undefined, user: 'uac-session' });
    const da = Dialog.uac(req, a);
    table.add(da, 'uac-session');
    assert.equal(table.matchResponse(a)?.dialog, da);
    const b = response(req, 200, 'forkB');
    assert.deepEqual(table.matchResponse(b), { dialog: undefined, user: 'uac-session' });
    table.removePending('call-1@192.0.2.1', 'alice1', 'someone-else');
    assert.equal(table.pendingSize, 1, 'only the owner removes its pending entry');
    table.removePending('call-1@192.0.2.1', 'alice1', 'uac-session');
    assert.equal(table.matchResponse(b), undefined);
  });
});

describe('AnswerRetransmission (13.3.1.4)', () => {
  test('resends at T1, doubling to T2, until acknowledged', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const r = new AnswerRetransmission(clock, { T1: 500, T2: 4000 }, () => at.push(clock.now()), () => assert.fail('abandoned'));
    r.start();
    clock.advance(12_000);
    assert.deepEqual(at, [500, 1500, 3500, 7500, 11500]);
    r.acknowledge();
    assert.equal(r.state, AnswerRetransmissionState.Acknowledged);
    assert.equal(clock.pending(), 0);
  });

  test('abandons at 64*T1 and holds no timer afterwards; T1 tuning scales the schedule', () => {
    const clock = new FakeClock();
    let abandonedAt = -1;
    const at: number[] = [];
    const r = new AnswerRetransmission(clock, { T1: 100, T2: 400 }, () => at.push(clock.now()), () => (abandonedAt = clock.now()));
    r.start();
    clock.advance(10_000);
    assert.equal(abandonedAt, 6400);
    assert.deepEqual(at.slice(0, 5), [100, 300, 700, 1100, 1500]);
    assert.equal(r.state, AnswerRetransmissionState.Abandoned);
    assert.equal(clock.pending(), 0);
  });
});

describe('uriEndpoint (default next hop)', () => {
  test('host and port, transport param, sips, maddr, IPv6', () => {
    assert.deepEqual(uriEndpoint(parseUri('sip:2000@192.0.2.1')), { protocol: 'UDP', address: '192.0.2.1', port: 5060 });
    assert.deepEqual(uriEndpoint(parseUri('sip:2000@192.0.2.1:5080;transport=TCP')), { protocol: 'TCP', address: '192.0.2.1', port: 5080 });
    assert.deepEqual(uriEndpoint(parseUri('sips:2000@example.com')), { protocol: 'TLS', address: 'example.com', port: 5061 });
    assert.deepEqual(uriEndpoint(parseUri('sip:p.example.com;maddr=192.0.2.9;lr')), { protocol: 'UDP', address: '192.0.2.9', port: 5060 });
    assert.deepEqual(uriEndpoint(parseUri('sip:[2001:db8::1]:5062')), { protocol: 'UDP', address: '2001:db8::1', port: 5062 });
  });
});
