/**
 * Conformance as data: every test/vectors/sdp/NAME.sdp is parsed and answered for the peer's
 * `allow` list in NAME.json, and the outcome compared with `expect` (the settled codec, payload
 * types, remote address, direction and lines the answer must contain; or the SIP status and
 * the fault the reason phrase names).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import { negotiateAnswer, parseSdp, serializeSdp } from '../../../src/sip/sdp/index.ts';
import { readMeta, readVector, vectorNames } from './helpers.ts';

interface Vector {
  description: string;
  modelledOn?: string;
  allow?: string[];
  expect: { valid: boolean; status?: number; reasonIncludes?: string; answerMedia?: string[] } & Record<string, unknown>;
}

const SETTLED = ['codec', 'payloadType', 'telephoneEventPt', 'remote', 'remoteRtcp', 'direction', 'remoteDirection', 'hold', 'remotePtime', 'mediaIndex'];

function outcome(body: string, allow: string[]) {
  const offer = parseSdp(body);
  return negotiateAnswer(offer, { allow, address: '203.0.113.1', port: 20000, sessionId: 1, sessionVersion: 1 });
}

describe('SDP vectors', () => {
  for (const name of vectorNames()) {
    const v = readMeta<Vector>(name);
    test(`${name}: ${v.description}`, () => {
      const body = readVector(name);
      const allow = v.allow ?? ['ulaw', 'alaw'];
      if (!v.expect.valid) {
        assert.throws(
          () => outcome(body, allow),
          (e: unknown) => {
            assert.ok(e instanceof SipError, `not a SipError: ${String(e)}`);
            assert.equal(e.status, v.expect.status);
            assert.ok(e.reason.includes(v.expect.reasonIncludes!), `reason '${e.reason}' lacks '${v.expect.reasonIncludes}'`);
            return true;
          },
        );
        return;
      }
      const r = outcome(body, allow);
      for (const key of SETTLED) {
        if (!(key in v.expect)) continue;
        const want = v.expect[key] === null ? undefined : v.expect[key];
        assert.deepEqual((r as unknown as Record<string, unknown>)[key], want, key);
      }
      const answer = serializeSdp(r.answer);
      const lines = answer.split('\r\n');
      for (const l of v.expect.answerMedia ?? []) assert.ok(lines.includes(l), `answer lacks '${l}':\n${answer}`);
      // Same number of m= lines as the offer (RFC 3264 6), and the answer is itself valid SDP.
      assert.equal(r.answer.media.length, parseSdp(body).media.length);
      assert.deepEqual(parseSdp(answer), r.answer);
      // The offer itself survives serialise -> parse with its meaning intact.
      const offer = parseSdp(body);
      assert.deepEqual(parseSdp(serializeSdp(offer)), offer);
    });
  }
});
