/**
 * DigestAuthenticator.verify() per second, MD5 and SHA-256, qop=auth, a correct answer each time
 * (the path a registering phone takes: credentials parse, digest-uri check, hash, nonce HMAC,
 * nonce-count table). The answer with the next nc is built in beforeEach, outside the timing.
 */
import { createHash } from 'node:crypto';
import { Bench } from 'tinybench';
import { FakeClock } from '../../src/platform/fake-clock.ts';
import { DigestAuthenticator } from '../../src/sip/auth/digest.ts';
import { parseMessage } from '../../src/sip/message/parse.ts';
import type { SipRequest } from '../../src/sip/message/types.ts';

const REALM = 'pbx.example.com';
const SRC = { protocol: 'UDP' as const, address: '192.0.2.10', port: 5060 };
const creds = { username: '2000', secret: 'secret2000' };

const REGISTER = [
  'REGISTER sip:pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'From: <sip:2000@pbx.example.com>;tag=1928301774',
  'To: <sip:2000@pbx.example.com>',
  'Call-ID: a84b4c76e66710@192.0.2.10',
  'CSeq: 2 REGISTER',
  'Contact: <sip:2000@192.0.2.10:5060>',
  'Expires: 3600',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function base(): SipRequest {
  const m = parseMessage(REGISTER);
  if (m.kind !== 'request') throw new Error('bench message is not a request');
  return m;
}

function scenario(algorithm: 'MD5' | 'SHA-256') {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({ realm: REALM, clock, algorithms: [algorithm] });
  const hash = (s: string) => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const challenge = auth.challenge(base(), { source: SRC });
  const nonce = /nonce="([^"]+)"/.exec(challenge.headers.find((x) => x.name === 'WWW-Authenticate')!.value)![1]!;
  const ha1 = hash(`2000:${REALM}:secret2000`);
  const ha2 = hash('REGISTER:sip:pbx.example.com');
  const template = base();
  let nc = 0;
  let req = template;
  return {
    next() {
      const n = (++nc).toString(16).padStart(8, '0');
      const response = hash(`${ha1}:${nonce}:${n}:0a4f113b:auth:${ha2}`);
      const value = `Digest username="2000", realm="${REALM}", nonce="${nonce}", uri="sip:pbx.example.com", response="${response}", algorithm=${algorithm}, qop=auth, nc=${n}, cnonce="0a4f113b"`;
      req = { ...template, headers: [...template.headers, { name: 'Authorization', value }] };
    },
    verify() {
      const r = auth.verify(req, () => creds, SRC);
      if (!r.ok) throw new Error(`verify failed: ${r.reason}`);
    },
  };
}

export default async function (): Promise<Bench> {
  const bench = new Bench({ time: 1000 });
  for (const alg of ['MD5', 'SHA-256'] as const) {
    const s = scenario(alg);
    bench.add(`digest verify ${alg} (qop=auth, correct)`, () => s.verify(), { beforeEach: () => s.next() });
  }
  return bench;
}
