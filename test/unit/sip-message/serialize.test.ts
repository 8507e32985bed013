import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addHeader, getHeader, parseMessage, serializeMessage, setHeader } from '../../../src/sip/message/index.ts';
import type { SipResponse } from '../../../src/sip/message/types.ts';

const OK = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKaaa;rport=5060;received=192.0.2.1',
  'From: <sip:2000@pbx.example.org>;tag=f1',
  'To: <sip:2000@pbx.example.org>;tag=t1',
  'Call-ID: reg-1@192.0.2.1',
  'CSeq: 2 REGISTER',
  'Contact: <sip:2000@192.0.2.1:5060>;expires=3600',
  'Allow: INVITE, ACK, CANCEL, BYE',
  'Date: Mon, 01 Jan 2024 10:00:00 GMT',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

describe('serializeMessage', () => {
  test('a message written in canonical form comes back byte-exact', () => {
    assert.equal(serializeMessage(parseMessage(OK)), OK);
  });

  test('Content-Length is recomputed in place from the body', () => {
    const m = parseMessage(OK);
    m.body = 'v=0\r\n';
    const out = serializeMessage(m);
    assert.ok(out.includes('Date: Mon, 01 Jan 2024 10:00:00 GMT\r\nContent-Length: 5\r\n\r\nv=0\r\n'));
    assert.ok(out.endsWith('\r\n\r\nv=0\r\n'));
  });

  test('Content-Length is appended when the message has none, and counts bytes of a latin1 body', () => {
    const res: SipResponse = {
      kind: 'response',
      status: 200,
      reason: 'OK',
      headers: [{ name: 'Call-ID', value: 'x' }],
      body: 'caf\u00c3\u00a9', // "café" as UTF-8 bytes: 5 octets
    };
    assert.equal(serializeMessage(res), 'SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 5\r\n\r\ncaf\u00c3\u00a9');
  });

  test('token lists are joined on one line, Via and Contact stay one per line', () => {
    const m = parseMessage(OK);
    addHeader(m, 'Supported', 'timer');
    addHeader(m, 'Supported', 'path');
    addHeader(m, 'Via', 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKtop', true);
    addHeader(m, 'Contact', '<sip:2000@192.0.2.2>');
    const out = serializeMessage(m);
    assert.ok(out.includes('\r\nAllow: INVITE, ACK, CANCEL, BYE\r\n'));
    assert.ok(out.includes('\r\nSupported: timer, path\r\n'));
    assert.ok(out.startsWith('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKtop\r\nVia: SIP/2.0/UDP 192.0.2.1'));
    assert.ok(out.includes('Contact: <sip:2000@192.0.2.1:5060>;expires=3600\r\nContact: <sip:2000@192.0.2.2>\r\n'));
  });

  test('a request line is rebuilt from the parsed Request-URI', () => {
    const raw = OK.replace('SIP/2.0 200 OK', 'REGISTER sip:%32000@pbx.example.org;transport=udp SIP/2.0');
    const m = parseMessage(raw);
    assert.ok(serializeMessage(m).startsWith('REGISTER sip:2000@pbx.example.org;transport=udp SIP/2.0\r\n'));
  });

  test('header values keep raw UTF-8 bytes', () => {
    const m = parseMessage(OK);
    setHeader(m, 'Subject', 'J\u00c3\u00bcrgen \u00c3\u00a0');
    const out = serializeMessage(m);
    assert.equal(getHeader(parseMessage(out), 'Subject'), 'J\u00c3\u00bcrgen \u00c3\u00a0');
  });
});
