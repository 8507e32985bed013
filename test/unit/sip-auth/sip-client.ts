/**
 * A tiny SIP phone for tests: builds REGISTER requests from text and answers digest challenges
 * with its own hashing (node:crypto directly), so the server code is checked against an
 * independent implementation, not against itself.
 */
import { createHash } from 'node:crypto';
import { parseMessage } from '../../../src/sip/message/parse.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';

export function h(alg: string, s: string): string {
  return createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');
}

export interface RegisterSpec {
  user?: string;
  toUri?: string;
  ruri?: string;
  callId?: string;
  cseq?: number;
  contacts?: string[];
  expires?: number;
  headers?: string[];
  method?: string;
}

export function request(spec: RegisterSpec = {}): SipRequest {
  const user = spec.user ?? '2000';
  const method = spec.method ?? 'REGISTER';
  const lines = [
    `${method} ${spec.ruri ?? 'sip:pbx.example.com'} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK' + Math.random().toString(16).slice(2) + ';rport',
    'Max-Forwards: 70',
    `From: <sip:${user}@pbx.example.com>;tag=f1`,
    `To: <${spec.toUri ?? `sip:${user}@pbx.example.com`}>`,
    `Call-ID: ${spec.callId ?? 'call-1'}`,
    `CSeq: ${spec.cseq ?? 1} ${method}`,
    ...(spec.contacts ?? [`<sip:${user}@192.0.2.10:5060>`]).map((c) => `Contact: ${c}`),
    ...(spec.expires !== undefined ? [`Expires: ${spec.expires}`] : []),
    'User-Agent: TestPhone 1.0',
    ...(spec.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const m = parseMessage(lines.join('\r\n'));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

export interface Challenge {
  realm: string;
  nonce: string;
  algorithm: string;
  qop?: string;
  stale: boolean;
}

/** The challenges of a 401/407, parsed with a regex of our own. */
export function challenges(res: SipResponse): Challenge[] {
  return res.headers
    .filter((x) => /^(WWW|Proxy)-Authenticate$/i.test(x.name))
    .map((x) => {
      const get = (k: string): string | undefined => new RegExp(`${k}=(?:"([^"]*)"|([^,\\s]+))`, 'i').exec(x.value)?.slice(1).find((v) => v !== undefined);
      return {
        realm: get('realm') ?? '',
        nonce: get('nonce') ?? '',
        algorithm: get('algorithm') ?? 'MD5',
        qop: get('qop'),
        stale: get('stale') === 'true',
      };
    });
}

export interface AnswerSpec {
  username?: string;
  password: string;
  uri?: string;
  nc?: number;
  cnonce?: string;
  qop?: boolean;
  response?: string;
  realm?: string;
  header?: string;
}

/** Adds an Authorization header answering `ch` the way a phone would. */
export function answer(req: SipRequest, ch: Challenge, a: AnswerSpec): SipRequest {
  const username = a.username ?? '2000';
  const uri = a.uri ?? formatRuri(req);
  const realm = a.realm ?? ch.realm;
  const ha1 = h(ch.algorithm, `${username}:${ch.realm}:${a.password}`);
  const ha2 = h(ch.algorithm, `${req.method}:${uri}`);
  const nc = (a.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = a.cnonce ?? 'c0ffee' + Math.random().toString(16).slice(2, 8);
  const qop = a.qop ?? true;
  const response = a.response ?? (qop ? h(ch.algorithm, `${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(ch.algorithm, `${ha1}:${ch.nonce}:${ha2}`));
  let value = `Digest username="${username}", realm="${realm}", nonce="${ch.nonce}", uri="${uri}", response="${response}", algorithm=${ch.algorithm}`;
  if (qop) value += `, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  const copy: SipRequest = { ...req, headers: [...req.headers, { name: a.header ?? 'Authorization', value }] };
  return copy;
}

function formatRuri(req: SipRequest): string {
  const u = req.uri;
  return `${u.scheme}:${u.user ? u.user + '@' : ''}${u.host}${u.port ? ':' + u.port : ''}`;
}

export function header(m: { headers: { name: string; value: string }[] }, name: string): string[] {
  return m.headers.filter((x) => x.name.toLowerCase() === name.toLowerCase()).map((x) => x.value);
}
