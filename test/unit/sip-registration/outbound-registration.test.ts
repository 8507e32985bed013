/**
 * The outbound registration state machine on a FakeClock and a LoopNetwork: the PBX side (a
 * TransactionLayer + OutboundRegistration) against a hand-played registrar whose answers each
 * test scripts. Times are exact: the schedule is the behaviour (refresh before expiry, retry
 * spacing with backoff, giving up).
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { LoopNetwork, LoopTransport } from '../../../src/sip/transport/loop.ts';
import { TransactionLayer } from '../../../src/sip/transaction/layer.ts';
import { createResponse, getHeader, parseAuthParams } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { credentialsHash, requestDigest } from '../../../src/sip/auth/digest-hash.ts';
import {
  OutboundRegistration,
  type RegistrationAccount,
  type RegistrationSettings,
  type RegistrationState,
} from '../../../src/sip/registration/outbound-registration.ts';
import { OutboundRegistry } from '../../../src/sip/registration/outbound-registry.ts';

const PBX_PORT = 5060;
const REGISTRAR_PORT = 5070;
const REALM = 'provider.example';

type Answer = (req: SipRequest) => SipResponse | undefined;

interface Seen {
  at: number;
  req: SipRequest;
}

class World {
  readonly clock = new FakeClock();
  readonly network = new LoopNetwork(this.clock);
  readonly pbxLayer: TransactionLayer;
  readonly registrarLayer: TransactionLayer;
  readonly seen: Seen[] = [];
  readonly states: string[] = [];
  answer: Answer = (req) => createResponse(req, 200);
  settings: RegistrationSettings = { registerTimeout: 20, registerAttempts: 0 };
  private nonceSeq = 0;

  constructor() {
    const pbxT: LoopTransport = new LoopTransport(this.network, {
      port: PBX_PORT,
      events: { onMessage: (r) => this.pbxLayer.receive(r), onInvalid: (_r, _s, e) => assert.fail(e.message) },
    });
    this.pbxLayer = new TransactionLayer({ clock: this.clock, send: (m, d) => pbxT.send(m, d) });
    const regT: LoopTransport = new LoopTransport(this.network, {
      port: REGISTRAR_PORT,
      events: { onMessage: (r) => this.registrarLayer.receive(r), onInvalid: (_r, _s, e) => assert.fail(e.message) },
    });
    this.registrarLayer = new TransactionLayer({
      clock: this.clock,
      send: (m, d) => regT.send(m, d),
      onRequest: (tx, req) => {
        this.seen.push({ at: this.clock.now(), req });
        const res = this.answer(req);
        if (res) tx.respond(res);
      },
    });
  }

  deps() {
    return {
      clock: this.clock,
      transactions: this.pbxLayer,
      advertise: () => ({ host: '127.0.0.1', port: PBX_PORT }),
      resolve: (_h: string, port: number | undefined) => Promise.resolve({ protocol: 'LOOP' as const, address: '127.0.0.1', port: port ?? 5060 }),
      userAgent: 'pbx-test',
      settings: () => this.settings,
      onStateChange: (_r: OutboundRegistration, from: RegistrationState, to: RegistrationState) => {
        this.states.push(`${this.clock.now()} ${from}->${to}`);
      },
    };
  }

  registration(account: Partial<RegistrationAccount> = {}): OutboundRegistration {
    return new OutboundRegistration({ ...ACCOUNT, ...account }, this.deps());
  }

  /** Moves time to `until` (ms), firing timers in order and letting promises (resolve) settle between them. */
  async runTo(until: number): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      for (let i = 0; i < 5; i++) await Promise.resolve();
      const next = this.clock.nextAt();
      if (next === undefined || next > until) break;
      this.clock.advance(next - this.clock.now());
    }
    this.clock.advance(until - this.clock.now());
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }

  /** Runs the clock (10 ms steps) until p settles: stop() waits for answers that travel on it. */
  async settle<T>(p: Promise<T>): Promise<T> {
    let done = false;
    void p.finally(() => (done = true));
    for (let i = 0; i < 1000 && !done; i++) await this.runTo(this.clock.now() + 10);
    assert.ok(done, 'did not settle');
    return p;
  }

  challenge(req: SipRequest, stale = false): SipResponse {
    const res = createResponse(req, 401, undefined, 'regtag');
    res.headers.push({ name: 'WWW-Authenticate', value: `Digest realm="${REALM}", nonce="n${++this.nonceSeq}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}` });
    return res;
  }

  ok(req: SipRequest, expires?: number): SipResponse {
    const res = createResponse(req, 200, undefined, 'regtag');
    const contact = getHeader(req, 'Contact')!;
    const exp = expires ?? Number(getHeader(req, 'Expires'));
    res.headers.push({ name: 'Contact', value: `${contact};expires=${exp}` });
    return res;
  }

  /** First REGISTER of each CSeq (not Timer E retransmissions), as "time cseq expires auth?". */
  registers(): string[] {
    const out: string[] = [];
    const cseqs = new Set<string>();
    for (const s of this.seen) {
      const c = getHeader(s.req, 'CSeq')!;
      if (cseqs.has(c)) continue;
      cseqs.add(c);
      out.push(`${s.at} ${c.split(' ')[0]} ${getHeader(s.req, 'Expires')}${getHeader(s.req, 'Authorization') ? ' auth' : ''}`);
    }
    return out;
  }

  close(): void {
    this.pbxLayer.close();
    this.registrarLayer.close();
    this.network.close();
  }
}

const ACCOUNT: RegistrationAccount = {
  text: '4420:secret@provider.example/4420',
  transport: 'udp',
  user: '4420',
  secret: 'secret',
  host: '127.0.0.1',
  port: REGISTRAR_PORT,
  extension: '4420',
  expiry: 120,
};

/** Checks the Authorization the way a registrar does: the digest of our secret over this request. */
function digestValid(req: SipRequest, password: string): boolean {
  const auth = getHeader(req, 'Authorization');
  if (!auth) return false;
  const p = parseAuthParams(auth).params;
  const expected = requestDigest({
    algorithm: 'MD5',
    userHash: credentialsHash('MD5', p.username!, p.realm!, password),
    nonce: p.nonce!,
    method: 'REGISTER',
    uri: p.uri!,
    qop: p.qop,
    nc: p.nc,
    cnonce: p.cnonce,
  });
  return p.response === expected;
}

let world: World;
afterEach(() => world?.close());

describe('outbound registration', () => {
  test('401 then 200: Registered with the granted expiry, refreshed 15 s before it lapses on the same Call-ID', async () => {
    world = new World();
    world.answer = (req) => (digestValid(req, 'secret') ? world.ok(req, 90) : world.challenge(req));
    const reg = world.registration();
    reg.start();
    await world.runTo(1000);
    assert.equal(reg.state, 'Registered');
    assert.equal(reg.granted, 90);
    assert.deepEqual(world.states, ['0 Unregistered->Request Sent', '0 Request Sent->Auth. Sent', '0 Auth. Sent->Registered']);
    const first = world.seen[0].req;
    assert.equal(first.uri.host, '127.0.0.1');
    assert.equal(first.uri.user, undefined, 'Request-URI names the registrar domain, no user (RFC 3261 10.2)');
    assert.match(getHeader(first, 'From')!, /^<sip:4420@127\.0\.0\.1:5070>;tag=/);
    assert.equal(getHeader(first, 'To'), '<sip:4420@127.0.0.1:5070>');
    assert.equal(getHeader(first, 'Contact'), '<sip:4420@127.0.0.1:5060>');
    const auth = parseAuthParams(getHeader(world.seen[1].req, 'Authorization')!).params;
    assert.deepEqual([auth.username, auth.realm, auth.nonce, auth.uri, auth.qop], ['4420', REALM, 'n1', 'sip:127.0.0.1:5070', 'auth']);
    // Granted 90 s: refresh at 75 s, not before.
    await world.runTo(74_999);
    assert.equal(world.registers().length, 2);
    await world.runTo(75_000);
    assert.deepEqual(world.registers(), ['0 1 120', '0 2 120 auth', '75000 3 120', '75000 4 120 auth']);
    assert.equal(new Set(world.seen.map((s) => getHeader(s.req, 'Call-ID'))).size, 1);
    assert.equal(reg.state, 'Registered');
    await world.settle(reg.stop());
  });

  test('a short expiry is refreshed after 80% of it', async () => {
    world = new World();
    world.answer = (req) => world.ok(req, 10);
    const reg = world.registration({ expiry: 10 });
    reg.start();
    await world.runTo(8_000);
    assert.deepEqual(world.registers(), ['0 1 10', '8000 2 10']);
    await world.settle(reg.stop());
  });

  test('the granted expiry comes from our Contact in the 200, else from Expires', async () => {
    world = new World();
    world.answer = (req) => {
      const res = createResponse(req, 200, undefined, 't');
      res.headers.push({ name: 'Contact', value: '<sip:other@10.0.0.9:5060>;expires=3000' });
      res.headers.push({ name: 'Contact', value: `${getHeader(req, 'Contact')};expires=60` });
      res.headers.push({ name: 'Expires', value: '999' });
      return res;
    };
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    assert.equal(reg.granted, 60);
    await world.settle(reg.stop());
    world.close();
    world = new World();
    world.answer = (req) => {
      const res = createResponse(req, 200, undefined, 't');
      res.headers.push({ name: 'Expires', value: '45' });
      return res;
    };
    const reg2 = world.registration();
    reg2.start();
    await world.runTo(10);
    assert.equal(reg2.granted, 45);
    await world.settle(reg2.stop());
  });

  test('a wrong password: No Authentication, retried registertimeout then 2x apart, Failed after registerattempts, then silence', async () => {
    world = new World();
    world.settings = { registerTimeout: 20, registerAttempts: 3 };
    world.answer = (req) => world.challenge(req);
    const reg = world.registration();
    reg.start();
    await world.runTo(3_600_000);
    assert.equal(reg.state, 'Failed');
    // One REGISTER and one answer to the challenge per try; the refused answer is never repeated.
    assert.deepEqual(world.registers(), ['0 1 120', '0 2 120 auth', '20000 3 120', '20000 4 120 auth', '60000 5 120', '60000 6 120 auth']);
    assert.deepEqual(world.states.filter((s) => !s.includes('->Request Sent') && !s.includes('->Auth. Sent')), [
      '0 Auth. Sent->No Authentication',
      '20000 Auth. Sent->No Authentication',
      '60000 Auth. Sent->Failed',
    ]);
    assert.equal(world.clock.pending(), 0, 'no timer left after Failed');
  });

  test('stale=true is answered again within the same try', async () => {
    world = new World();
    let n = 0;
    world.answer = (req) => {
      n++;
      if (n === 1) return world.challenge(req);
      if (n === 2) return world.challenge(req, true);
      return digestValid(req, 'secret') ? world.ok(req) : world.challenge(req);
    };
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    assert.equal(reg.state, 'Registered');
    assert.deepEqual(world.registers(), ['0 1 120', '0 2 120 auth', '0 3 120 auth']);
    await world.settle(reg.stop());
  });

  test('403 and 404: Rejected, nothing more until restart', async () => {
    for (const status of [403, 404]) {
      world?.close();
      world = new World();
      world.answer = (req) => createResponse(req, status, undefined, 't');
      const reg = world.registration();
      reg.start();
      await world.runTo(3_600_000);
      assert.equal(reg.state, 'Rejected');
      assert.equal(world.registers().length, 1);
      assert.equal(world.clock.pending(), 0);
      world.answer = (req) => world.ok(req);
      reg.restart();
      await world.runTo(3_600_010);
      assert.equal(reg.state, 'Registered');
      await world.settle(reg.stop());
    }
  });

  test('no answer: Timeout after registertimeout, retried with doubling spacing capped at 8x', async () => {
    world = new World();
    world.settings = { registerTimeout: 20, registerAttempts: 0 };
    world.answer = () => undefined;
    const reg = world.registration();
    reg.start();
    await world.runTo(20_000);
    assert.equal(reg.state, 'Request Sent', 'the retry goes out at once: registertimeout already passed');
    assert.ok(world.states.includes('20000 Request Sent->Timeout'));
    await world.runTo(1_000_000);
    const starts = world.registers().map((l) => Number(l.split(' ')[0]));
    // Spacing from each attempt's start: 20, 40, 80, 160, 160 ... s.
    assert.deepEqual(starts.slice(0, 7), [0, 20_000, 60_000, 140_000, 300_000, 460_000, 620_000]);
    await world.settle(reg.stop());
    assert.equal(world.clock.pending(), 0);
  });

  test('no answer for registerattempts tries: Failed', async () => {
    world = new World();
    world.settings = { registerTimeout: 5, registerAttempts: 2 };
    world.answer = () => undefined;
    const reg = world.registration();
    reg.start();
    await world.runTo(600_000);
    assert.equal(reg.state, 'Failed');
    assert.deepEqual(world.registers().map((l) => Number(l.split(' ')[0])), [0, 5000]);
  });

  test('a provider back after an outage: registered at the next retry', async () => {
    world = new World();
    world.settings = { registerTimeout: 20, registerAttempts: 0 };
    let up = true;
    world.answer = (req) => (up ? world.ok(req, 60) : undefined);
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    assert.equal(reg.state, 'Registered');
    up = false;
    await world.runTo(45_000); // refresh at 45 s is lost
    up = true;
    await world.runTo(65_000); // no answer by 65 s: Timeout, retried at once
    assert.equal(reg.state, 'Registered');
    assert.deepEqual(world.states.slice(-3), ['65000 Request Sent->Timeout', '65000 Timeout->Request Sent', '65000 Request Sent->Registered']);
    await world.settle(reg.stop());
  });

  test('423 Interval Too Brief: asked again at once with Min-Expires, not a failure', async () => {
    world = new World();
    world.answer = (req) => {
      if (Number(getHeader(req, 'Expires')) < 300) {
        const res = createResponse(req, 423, undefined, 't');
        res.headers.push({ name: 'Min-Expires', value: '300' });
        return res;
      }
      return world.ok(req);
    };
    const reg = world.registration({ expiry: 60 });
    reg.start();
    await world.runTo(10);
    assert.equal(reg.state, 'Registered');
    assert.equal(reg.failures, 0);
    assert.deepEqual(world.registers(), ['0 1 60', '0 2 300']);
    assert.equal(reg.granted, 300);
    await world.settle(reg.stop());
  });

  test('5xx: retried after registertimeout, keeps the account', async () => {
    world = new World();
    let n = 0;
    world.answer = (req) => (++n === 1 ? createResponse(req, 503, undefined, 't') : world.ok(req));
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    assert.equal(reg.state, 'Unregistered');
    await world.runTo(20_000);
    assert.equal(reg.state, 'Registered');
    await world.settle(reg.stop());
  });

  test('stop() un-REGISTERs with Expires: 0, answering a challenge, and leaves no timer', async () => {
    world = new World();
    world.answer = (req) => (digestValid(req, 'secret') ? world.ok(req) : world.challenge(req));
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    const stopped = reg.stop();
    await world.runTo(100);
    await stopped;
    assert.equal(reg.state, 'Unregistered');
    assert.deepEqual(world.registers(), ['0 1 120', '0 2 120 auth', '10 3 0', '10 4 0 auth']);
    await world.runTo(100_000);
    assert.equal(world.pbxLayer.stats().live, 0);
    assert.equal(world.clock.pending(), 0);
  });

  test('stop() of a registration that never registered sends nothing', async () => {
    world = new World();
    world.answer = (req) => createResponse(req, 403, undefined, 't');
    const reg = world.registration();
    reg.start();
    await world.runTo(10);
    await world.settle(reg.stop());
    assert.equal(world.registers().length, 1);
  });

  test('a registrar name that does not resolve: Unregistered, asked again after registertimeout', async () => {
    world = new World();
    let asks = 0;
    const reg = new OutboundRegistration(ACCOUNT, {
      ...world.deps(),
      resolve: (_h, port) => (++asks < 3 ? Promise.resolve(undefined) : Promise.resolve({ protocol: 'LOOP', address: '127.0.0.1', port: port ?? 5060 })),
    });
    reg.start();
    await world.runTo(10);
    assert.equal(reg.state, 'Unregistered');
    assert.equal(world.seen.length, 0);
    await world.runTo(20_000);
    assert.equal(asks, 2);
    await world.runTo(60_000);
    assert.equal(reg.state, 'Registered');
    assert.equal(reg.registeredAt !== undefined, true);
    await world.settle(reg.stop());
  });

  test('TCP: Via and Contact say so', async () => {
    world = new World();
    // The loop network has no TCP here: check the request as built through a capturing layer.
    const sent: SipRequest[] = [];
    const capture = { sendRequest: (req: SipRequest) => (sent.push(req), { terminate() {} }) as never };
    const tcp = new OutboundRegistration({ ...ACCOUNT, transport: 'tcp' }, {
      ...world.deps(),
      transactions: capture,
      resolve: (_h, port) => Promise.resolve({ protocol: 'TCP', address: '127.0.0.1', port: port ?? 5060 }),
    });
    tcp.start();
    await world.runTo(1);
    assert.match(getHeader(sent[0], 'Via')!, /^SIP\/2\.0\/TCP 127\.0\.0\.1:5060;branch=z9hG4bK/);
    assert.equal(getHeader(sent[0], 'Contact'), '<sip:4420@127.0.0.1:5060;transport=tcp>');
    await world.settle(tcp.stop());
  });
});

describe('outbound registry (reload)', () => {
  const A = { ...ACCOUNT, text: 'a', user: 'a' };
  const B = { ...ACCOUNT, text: 'b', user: 'b' };
  const C = { ...ACCOUNT, text: 'c', user: 'c' };

  test('unchanged lines keep their registration, removed ones un-REGISTER, new ones start, Rejected ones retry', async () => {
    world = new World();
    world.answer = (req) => (/<sip:b@/.test(getHeader(req, 'To')!) && world.seen.length < 3 ? createResponse(req, 403, undefined, 't') : world.ok(req));
    const registry = new OutboundRegistry(world.deps());
    registry.apply([A, B]);
    await world.runTo(10);
    assert.deepEqual(registry.rows().map((r) => `${r.username} ${r.state}`), ['a Registered', 'b Rejected']);
    const before = world.seen.length;
    const result = registry.apply([B, C]);
    // a removed; b unchanged but Rejected: retried; c new.
    assert.deepEqual(result, { added: 1, removed: 1, kept: 0, restarted: 1 });
    await world.runTo(20);
    const after = world.seen.slice(before).map((s) => `${/<sip:(\w)@/.exec(getHeader(s.req, 'To')!)![1]} ${getHeader(s.req, 'Expires')}`);
    assert.deepEqual(after.sort(), ['a 0', 'b 120', 'c 120']);
    assert.deepEqual(registry.rows().map((r) => `${r.host} ${r.dnsmgr ? 'Y' : 'N'} ${r.username} ${r.refresh} ${r.state}`), [
      '127.0.0.1:5070 N b 120 Registered',
      '127.0.0.1:5070 N c 120 Registered',
    ]);
    const again = registry.apply([B, C]);
    assert.deepEqual(again, { added: 0, removed: 0, kept: 2, restarted: 0 });
    await world.runTo(30);
    assert.equal(world.seen.length, before + 3, 'an unchanged reload sends nothing');
    const stopping = registry.stop();
    await world.runTo(100);
    await stopping;
    assert.deepEqual(registry.rows(), []);
  });
});
