import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { DigestAuthenticator } from '../../../src/sip/auth/digest.ts';
import { AuthBanList } from '../../../src/sip/auth/ban.ts';
import { Registrar } from '../../../src/sip/registrar/registrar.ts';
import type { RegistrarPeer, RegistrationEvent } from '../../../src/sip/registrar/binding.ts';
import { MemoryRegistrationStore } from '../../../src/store/registration-store.ts';
import type { SipResponse } from '../../../src/sip/message/types.ts';
import { serializeMessage } from '../../../src/sip/message/serialize.ts';
import type { Endpoint } from '../../../src/sip/transport/types.ts';
import { answer, challenges, h, header, request } from '../sip-auth/sip-client.ts';
import type { Challenge, RegisterSpec } from '../sip-auth/sip-client.ts';

const REALM = 'pbx.example.com';
const PHONE: Endpoint = { protocol: 'UDP', address: '203.0.113.5', port: 40001 };

const PEERS: Record<string, RegistrarPeer> = {
  '2000': { name: '2000', secret: 'secret2000', nat: false, dynamic: true, qualify: true },
  '2001': { name: '2001', secret: 'secret2001', nat: true, dynamic: true, qualify: true },
  '2002': { name: '2002', md5secret: h('MD5', `2002:${REALM}:pw2002`), nat: false, dynamic: true, qualify: false },
  '2003': { name: '2003', secret: 'secret2003', nat: false, dynamic: true, qualify: false, defaultuser: 'joe' },
  trunk: { name: 'trunk', secret: 'trunkpw', nat: false, dynamic: false, qualify: false },
};

function setup(opts: { maxContactsPerAor?: number; store?: MemoryRegistrationStore; clock?: FakeClock } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const auth = new DigestAuthenticator({ realm: REALM, clock });
  const bans = new AuthBanList({ clock, threshold: 3, windowMs: 60_000, banMs: 600_000 });
  const store = opts.store ?? new MemoryRegistrationStore(clock);
  const events: RegistrationEvent[] = [];
  const logs: string[] = [];
  const registrar = new Registrar({
    clock,
    auth,
    bans,
    peers: (n) => PEERS[n],
    store,
    options: { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, realm: REALM, maxContactsPerAor: opts.maxContactsPerAor },
    onChange: (e) => events.push(e),
    log: (level, msg) => logs.push(`${level}: ${msg}`),
  });
  /** A phone that answers challenges and reuses its nonce with increasing nc, as real phones do. */
  function phone(password: string, username?: string, source: Endpoint = PHONE) {
    let ch: Challenge | undefined;
    let nc = 0;
    let seq = 0;
    return (spec: RegisterSpec = {}): SipResponse => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const req = request({ cseq: ++seq, ...spec });
        if (!ch) {
          const res = registrar.handleRegister(req, source);
          if (res.status !== 401) return res;
          ch = challenges(res)[0];
          nc = 0;
          continue;
        }
        const res = registrar.handleRegister(answer(req, ch, { password, username: username ?? spec.user ?? '2000', nc: ++nc }), source);
        if (res.status === 401 && challenges(res)[0]?.stale) {
          ch = challenges(res)[0];
          nc = 0;
          continue;
        }
        return res;
      }
      throw new Error('no final answer');
    };
  }
  return { clock, auth, bans, store, registrar, events, logs, phone };
}

function contacts(res: SipResponse): string[] {
  return header(res, 'Contact').sort();
}

describe('Registrar: REGISTER flows (RFC 3261 10.3)', () => {
  test('challenge, then register: 200 lists the contact with expires and a Date', () => {
    const { registrar, phone, events, clock } = setup();
    const first = registrar.handleRegister(request(), PHONE);
    assert.equal(first.status, 401);
    assert.equal(challenges(first).length, 2);
    const res = phone('secret2000')({ expires: 3600 });
    assert.equal(res.status, 200);
    assert.deepEqual(contacts(res), ['<sip:2000@192.0.2.10:5060>;expires=3600']);
    assert.equal(header(res, 'Expires')[0], '3600');
    assert.equal(header(res, 'Date')[0], new Date(clock.wallNow()).toUTCString());
    const [b] = registrar.lookup('2000');
    assert.equal(b?.contact, 'sip:2000@192.0.2.10:5060');
    assert.deepEqual(b?.reach, { protocol: 'UDP', address: '192.0.2.10', port: 5060 });
    assert.deepEqual(b?.source, PHONE);
    assert.equal(b?.expiresAt, clock.wallNow() + 3_600_000);
    assert.equal(b?.userAgent, 'TestPhone 1.0');
    assert.equal(b?.callId, 'call-1');
    assert.deepEqual(events.map((e) => e.kind), ['registered']);
    const wire = serializeMessage(res);
    assert.match(wire, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(wire, /\r\nContact: <sip:2000@192\.0\.2\.10:5060>;expires=3600\r\n/);
    assert.match(wire, /\r\nTo: <sip:2000@pbx\.example\.com>;tag=\w+\r\n/);
    registrar.close();
    assert.equal(clock.pending(), 0);
  });

  test('a malformed Contact is a 400 and changes nothing', () => {
    const { registrar, phone } = setup();
    const res = phone('secret2000')({ contacts: ['<sip:2000@>'] });
    assert.equal(res.status, 400);
    assert.deepEqual(registrar.bindings(), []);
    registrar.close();
  });

  test('a refresh keeps one binding and moves its expiry; the default and the maximum apply', () => {
    const { registrar, phone, events, clock } = setup();
    const send = phone('secret2000');
    assert.equal(send({ expires: 600 }).status, 200);
    clock.advance(300_000);
    const res = send({});
    assert.deepEqual(contacts(res), ['<sip:2000@192.0.2.10:5060>;expires=3600'], 'no Expires at all: default');
    const again = send({ expires: 86_400 });
    assert.deepEqual(contacts(again), ['<sip:2000@192.0.2.10:5060>;expires=3600'], 'shortened to maxExpires');
    assert.equal(registrar.bindings().length, 1);
    assert.deepEqual(events.map((e) => e.kind), ['registered', 'refreshed', 'refreshed']);
    registrar.close();
  });

  test('two contacts, per-contact expires, then Expires: 0 removes one', () => {
    const { registrar, phone } = setup();
    const send = phone('secret2000');
    const res = send({ contacts: ['<sip:2000@192.0.2.10:5060>;expires=120', '<sip:2000@192.0.2.11:5062;transport=tcp>'], expires: 900 });
    assert.deepEqual(contacts(res), ['<sip:2000@192.0.2.10:5060>;expires=120', '<sip:2000@192.0.2.11:5062;transport=tcp>;expires=900']);
    assert.deepEqual(registrar.lookup('2000').find((b) => b.reach.protocol === 'TCP')?.reach, { protocol: 'TCP', address: '192.0.2.11', port: 5062 });
    const removed = send({ contacts: ['<sip:2000@192.0.2.10:5060>'], expires: 0 });
    assert.equal(removed.status, 200);
    assert.deepEqual(contacts(removed), ['<sip:2000@192.0.2.11:5062;transport=tcp>;expires=900']);
    registrar.close();
  });

  test('Contact: * with Expires: 0 removes everything; other wildcard forms are 400', () => {
    const { registrar, phone, events } = setup();
    const send = phone('secret2000');
    send({ contacts: ['<sip:2000@192.0.2.10>', '<sip:2000@192.0.2.11>'] });
    assert.equal(send({ contacts: ['*'], expires: 60 }).status, 400);
    assert.equal(send({ contacts: ['*', '<sip:2000@192.0.2.10>'], expires: 0 }).status, 400);
    assert.equal(send({ contacts: ['*'] }).status, 400, 'no Expires header');
    assert.equal(registrar.lookup('2000').length, 2, 'failed requests change nothing');
    const res = send({ contacts: ['*'], expires: 0 });
    assert.equal(res.status, 200);
    assert.deepEqual(contacts(res), []);
    assert.deepEqual(registrar.lookup('2000'), []);
    assert.deepEqual(events.map((e) => e.kind), ['registered', 'registered', 'unregistered', 'unregistered']);
    registrar.close();
  });

  test('too brief an interval gets 423 with Min-Expires and changes nothing', () => {
    const { registrar, phone } = setup();
    const send = phone('secret2000');
    const res = send({ expires: 30 });
    assert.equal(res.status, 423);
    assert.deepEqual(header(res, 'Min-Expires'), ['60']);
    const perContact = send({ contacts: ['<sip:2000@192.0.2.10>;expires=59'], expires: 3600 });
    assert.equal(perContact.status, 423, 'the contact parameter wins over the header');
    assert.deepEqual(registrar.bindings(), []);
    assert.equal(send({ expires: 60 }).status, 200);
    registrar.close();
  });

  test('a REGISTER without Contact is a query', () => {
    const { registrar, phone } = setup();
    const send = phone('secret2000');
    send({ expires: 600 });
    const res = send({ contacts: [], expires: 0 });
    assert.equal(res.status, 200);
    assert.deepEqual(contacts(res), ['<sip:2000@192.0.2.10:5060>;expires=600']);
    assert.equal(registrar.lookup('2000').length, 1);
    registrar.close();
  });

  test('same Call-ID with a CSeq not above the stored one is refused (10.3 step 7)', () => {
    const { registrar, phone } = setup();
    const send = phone('secret2000');
    send({ cseq: 10, expires: 600 });
    const res = send({ cseq: 10, expires: 0 });
    assert.equal(res.status, 400);
    assert.equal(res.reason, 'CSeq Out Of Order');
    assert.equal(registrar.lookup('2000').length, 1);
    assert.equal(send({ cseq: 5, callId: 'another-call', expires: 0 }).status, 200, 'a new Call-ID may use any CSeq');
    assert.equal(registrar.lookup('2000').length, 0);
    registrar.close();
  });

  test('nat=yes binds to the packet source, with its connection', () => {
    const { registrar, phone } = setup();
    const tcp: Endpoint = { protocol: 'TCP', address: '203.0.113.9', port: 51000, connectionId: 7 };
    const res = phone('secret2001', '2001', tcp)({ user: '2001', contacts: ['<sip:2001@10.0.0.5:5060;transport=tcp>'] });
    assert.equal(res.status, 200);
    assert.deepEqual(registrar.lookup('2001')[0]?.reach, tcp);
    assert.equal(registrar.lookup('2001')[0]?.contact, 'sip:2001@10.0.0.5:5060;transport=tcp');
    registrar.close();
  });

  test('a contact whose reach moves (new NAT mapping) counts as a new registration', () => {
    const { registrar, phone, events } = setup();
    const spec = { user: '2001', contacts: ['<sip:2001@10.0.0.5>'] };
    phone('secret2001', '2001')(spec);
    phone('secret2001', '2001')({ ...spec, callId: 'call-2' });
    phone('secret2001', '2001', { ...PHONE, port: 40002 })({ ...spec, callId: 'call-3' });
    assert.deepEqual(events.map((e) => e.kind), ['registered', 'refreshed', 'registered']);
    assert.equal(registrar.lookup('2001').length, 1);
    assert.equal(registrar.lookup('2001')[0]?.reach.port, 40002);
    registrar.close();
  });

  test('contacts per AOR are capped; the least recently refreshed goes', () => {
    const { registrar, phone, events } = setup({ maxContactsPerAor: 2 });
    const send = phone('secret2000');
    send({ contacts: ['<sip:2000@192.0.2.1>'], expires: 600 });
    send({ contacts: ['<sip:2000@192.0.2.2>'], expires: 1200 });
    send({ contacts: ['<sip:2000@192.0.2.3>'], expires: 900 });
    assert.deepEqual(registrar.lookup('2000').map((b) => b.reach.address).sort(), ['192.0.2.2', '192.0.2.3']);
    assert.equal(events.at(-1)?.kind, 'unregistered');
    const tooMany = send({ contacts: ['<sip:2000@192.0.2.4>', '<sip:2000@192.0.2.5>', '<sip:2000@192.0.2.6>'] });
    assert.equal(tooMany.status, 403);
    registrar.close();
  });

  test('Require gets 420 with Unsupported; a To without user gets 404', () => {
    const { registrar } = setup();
    const res = registrar.handleRegister(request({ headers: ['Require: path, gruu'] }), PHONE);
    assert.equal(res.status, 420);
    assert.deepEqual(header(res, 'Unsupported'), ['path, gruu']);
    assert.equal(registrar.handleRegister(request({ toUri: 'sip:pbx.example.com' }), PHONE).status, 404);
    registrar.close();
  });

  test('defaultuser may authenticate for its peer; md5secret peers are offered MD5 only', () => {
    const { registrar, phone } = setup();
    assert.equal(phone('secret2003', 'joe')({ user: '2003' }).status, 200);
    const ch = challenges(registrar.handleRegister(request({ user: '2002' }), PHONE));
    assert.deepEqual(ch.map((c) => c.algorithm), ['MD5']);
    assert.equal(phone('pw2002', '2002')({ user: '2002' }).status, 200);
    registrar.close();
  });
});

describe('Registrar: authentication failures', () => {
  test('wrong password, unknown peer, static peer and a foreign username look the same', () => {
    const { registrar, phone } = setup();
    const shape = (r: SipResponse) => [r.status, r.reason, r.headers.map((x) => x.name)];
    const wrong = phone('guess')({});
    const unknown = phone('guess', '4711')({ user: '4711' });
    const statik = phone('trunkpw', 'trunk')({ user: 'trunk' });
    const foreign = phone('secret2001', '2001')({ user: '2000' });
    assert.equal(wrong.status, 403);
    assert.deepEqual(shape(unknown), shape(wrong));
    assert.deepEqual(shape(statik), shape(wrong));
    assert.deepEqual(shape(foreign), shape(wrong));
    const firstWrong = registrar.handleRegister(request(), PHONE);
    const firstUnknown = registrar.handleRegister(request({ user: '4711' }), PHONE);
    assert.deepEqual(shape(firstUnknown), shape(firstWrong), 'the first challenge is the same too');
    assert.deepEqual(registrar.bindings(), []);
    registrar.close();
  });

  test('failures ban the source after the threshold; success clears the count', () => {
    const { bans, phone, registrar, logs } = setup();
    const other: Endpoint = { protocol: 'UDP', address: '198.51.100.20', port: 5060 };
    phone('x', undefined, other)({});
    phone('x', undefined, other)({});
    assert.equal(phone('secret2000', undefined, other)({}).status, 200);
    assert.equal(bans.isBanned(other.address), false);
    phone('a')({});
    phone('b')({});
    assert.equal(bans.isBanned(PHONE.address), false);
    phone('c')({});
    assert.equal(bans.isBanned(PHONE.address), true);
    assert.ok(logs.some((l) => l.includes("Registration from '2000' failed for '203.0.113.5:40001' - Wrong password (source banned)")));
    registrar.close();
  });

  test('a stale nonce is re-challenged with stale=true and is not a failure', () => {
    const { registrar, clock, bans } = setup();
    const ch = challenges(registrar.handleRegister(request(), PHONE))[0]!;
    clock.advance(31_000);
    for (let i = 1; i <= 5; i++) {
      const res = registrar.handleRegister(answer(request({ cseq: i + 1 }), ch, { password: 'secret2000', nc: i }), PHONE);
      assert.equal(res.status, 401);
      assert.ok(challenges(res).every((c) => c.stale));
    }
    assert.equal(bans.isBanned(PHONE.address), false);
    assert.deepEqual(bans.list(), []);
    registrar.close();
  });

  test('a mismatching digest uri is a 400', () => {
    const { registrar } = setup();
    const ch = challenges(registrar.handleRegister(request(), PHONE))[0]!;
    const res = registrar.handleRegister(answer(request(), ch, { password: 'secret2000', uri: 'sip:elsewhere.example.net' }), PHONE);
    assert.equal(res.status, 400);
    registrar.close();
  });
});

describe('Registrar: expiry and persistence', () => {
  test('bindings expire by the clock, each at its own time, with events', () => {
    const { registrar, phone, events, clock } = setup();
    const send = phone('secret2000');
    send({ contacts: ['<sip:2000@192.0.2.1>;expires=60', '<sip:2000@192.0.2.2>;expires=120'] });
    clock.advance(59_999);
    assert.equal(registrar.lookup('2000').length, 2);
    clock.advance(1);
    assert.deepEqual(registrar.lookup('2000').map((b) => b.reach.address), ['192.0.2.2']);
    const res = send({ contacts: [] });
    assert.deepEqual(contacts(res), ['<sip:2000@192.0.2.2>;expires=60'], 'remaining time, not the original');
    clock.advance(60_000);
    assert.deepEqual(registrar.bindings(), []);
    assert.deepEqual(events.map((e) => e.kind), ['registered', 'registered', 'expired', 'expired']);
    assert.equal(clock.pending(), 0, 'no timer left once nothing is bound');
    registrar.close();
  });

  test('bindings survive a restart through the store; expired and orphaned ones do not', () => {
    const clock = new FakeClock();
    const store = new MemoryRegistrationStore(clock);
    const a = setup({ clock, store });
    a.phone('secret2000')({ contacts: ['<sip:2000@192.0.2.1>;expires=600', '<sip:2000@192.0.2.2>;expires=60'] });
    a.registrar.close();
    store.records.push({ ...store.records[0]!, aor: 'gone' });
    clock.advance(120_000);
    const b = setup({ clock, store });
    assert.deepEqual(b.registrar.bindings().map((x) => [x.aor, x.reach.address]), [['2000', '192.0.2.1']]);
    clock.advance(480_000);
    assert.deepEqual(b.registrar.bindings(), []);
    assert.deepEqual(b.events.map((e) => e.kind), ['expired']);
    b.registrar.close();
    assert.equal(clock.pending(), 0);
  });

  test('refreshes are saved as non-material, changes as material', () => {
    const clock = new FakeClock();
    const saves: boolean[] = [];
    const store = new MemoryRegistrationStore(clock);
    const save = store.save.bind(store);
    store.save = (records, material = true) => {
      saves.push(material);
      save(records);
    };
    const { phone, registrar } = setup({ clock, store });
    const send = phone('secret2000');
    send({});
    send({});
    send({ expires: 0 });
    assert.deepEqual(saves, [true, false, true]);
    registrar.close();
  });

  test('unregister and reconcile drop bindings', () => {
    const { registrar, phone } = setup();
    phone('secret2000')({});
    phone('secret2003', 'joe')({ user: '2003' });
    assert.equal(registrar.unregister('2003'), 1);
    assert.equal(registrar.reconcile(), 0);
    assert.equal(registrar.bindings().length, 1);
    registrar.close();
  });
});
