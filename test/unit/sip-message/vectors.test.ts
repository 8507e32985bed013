/**
 * Conformance as data: every test/vectors/sip/NAME.sip is parsed byte-exact and checked against
 * NAME.json. Valid vectors also survive parse -> serialize -> parse unchanged.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import {
  cseq,
  getHeader,
  getHeaders,
  parseAuthParams,
  parseMessage,
  parseNameAddr,
  parseVia,
  serializeMessage,
  topVia,
} from '../../../src/sip/message/index.ts';
import { DEFAULT_LIMITS } from '../../../src/sip/message/types.ts';
import type { ParseLimits, SipMessage } from '../../../src/sip/message/types.ts';
import { assertSubset, readJson, readVector, vectorNames } from './helpers.ts';

interface Vector {
  description: string;
  modelledOn?: string;
  limits?: Partial<ParseLimits>;
  /** A known failure: the reason it is skipped (the vector stays, CONVENTIONS: never deleted). */
  skip?: string;
  expect: Record<string, unknown> & { valid: boolean };
}

const CHECKS: Record<string, (m: SipMessage, e: any) => void> = {
  valid: () => undefined,
  kind: (m, e) => assert.equal(m.kind, e),
  method: (m, e) => assert.equal(m.kind === 'request' ? m.method : undefined, e),
  status: (m, e) => assert.equal(m.kind === 'response' ? m.status : undefined, e),
  reason: (m, e) => assert.equal(m.kind === 'response' ? m.reason : undefined, e),
  uri: (m, e) => assertSubset(m.kind === 'request' ? m.uri : undefined, e, 'uri'),
  headers: (m, e) => {
    for (const [name, values] of Object.entries(e)) assert.deepEqual(getHeaders(m, name), values, `header ${name}`);
  },
  headerCounts: (m, e) => {
    for (const [name, n] of Object.entries(e)) assert.equal(getHeaders(m, name).length, n, `count of ${name}`);
  },
  headerNames: (m, e) => assert.deepEqual(m.headers.map((h) => h.name), e),
  vias: (m, e) => assertSubset(getHeaders(m, 'Via').map(parseVia), e, 'vias'),
  topVia: (m, e) => assertSubset(topVia(m), e, 'topVia'),
  from: (m, e) => assertSubset(parseNameAddr(getHeader(m, 'From')!), e, 'from'),
  to: (m, e) => assertSubset(parseNameAddr(getHeader(m, 'To')!), e, 'to'),
  cseq: (m, e) => assert.deepEqual(cseq(m), e),
  contacts: (m, e) => assertSubset(getHeaders(m, 'Contact').map(parseNameAddr), e, 'contacts'),
  auth: (m, e) => assert.deepEqual(parseAuthParams(getHeader(m, 'Authorization')!), e),
  body: (m, e) => assert.equal(m.body, e),
  bodyLength: (m, e) => assert.equal(m.body.length, e),
};

function withoutContentLength(m: SipMessage): SipMessage {
  return { ...m, headers: m.headers.filter((h) => h.name !== 'Content-Length') };
}

const names = vectorNames();

describe('SIP vectors', () => {
  test('the vector set holds both valid and invalid messages', () => {
    assert.ok(names.filter((n) => n.startsWith('valid-')).length >= 20);
    assert.ok(names.filter((n) => n.startsWith('invalid-')).length >= 20);
  });

  for (const name of names) {
    const vector = readJson(name + '.json') as Vector;
    const raw = readVector(name + '.sip');
    const limits: ParseLimits = { ...DEFAULT_LIMITS, ...vector.limits };
    const { expect } = vector;
    const options = vector.skip === undefined ? {} : { skip: vector.skip };

    if (expect.valid) {
      test(`${name}: ${vector.description}`, options, () => {
        const m = parseMessage(raw, limits);
        for (const [key, value] of Object.entries(expect)) {
          const check = CHECKS[key];
          assert.ok(check, `unknown expectation '${key}' in ${name}.json`);
          check(m, value);
        }
      });
      test(`${name}: round trip parse -> serialize -> parse`, options, () => {
        const m1 = parseMessage(raw, limits);
        const s1 = serializeMessage(m1);
        const m2 = parseMessage(s1, limits);
        assert.deepEqual(withoutContentLength(m2), withoutContentLength(m1));
        assert.equal(getHeader(m2, 'Content-Length'), String(m1.body.length));
        assert.equal(serializeMessage(m2), s1, 'serialisation is stable');
      });
    } else {
      test(`${name}: rejected with ${expect.status} ${expect.reason ?? ''}`, options, () => {
        assert.throws(
          () => parseMessage(raw, limits),
          (err: unknown) => {
            assert.ok(err instanceof SipError, `expected SipError, got ${String(err)}`);
            assert.equal(err.code, expect.code);
            assert.equal(err.status, expect.status);
            if (expect.reason !== undefined) assert.equal(err.reason, expect.reason);
            assert.equal(err.cause, undefined, 'not a wrapped internal error');
            return true;
          },
        );
      });
    }
  }
});
