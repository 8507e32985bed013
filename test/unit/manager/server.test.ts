/**
 * The manager server on a real loopback socket, with the core actions and a private event bus:
 * plain and MD5 login, refusals (wrong secret, ACL), bans after repeated failures, errors that
 * keep the session usable, input bounds, event classes and the VarSet opt-in, and a client that
 * stops reading being dropped without holding up the emitter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SystemClock } from '../../../src/platform/clock.ts';
import { EventBus, type EventChannel } from '../../../src/core/events.ts';
import { parseConfText } from '../../../src/config/conf-parser.ts';
import { Diagnostics } from '../../../src/config/diagnostics.ts';
import { readManagerConf, type ManagerConfig } from '../../../src/config/manager-conf.ts';
import { ActionRegistry } from '../../../src/manager/registry.ts';
import { CORE_ACTIONS, type CoreActionDeps } from '../../../src/manager/actions/core.ts';
import { ManagerServer } from '../../../src/manager/server.ts';
import { RawAmi } from '../../integration/ami-client.ts';

const CONF = [
  '[general]',
  'enabled = yes',
  'port = 5038',
  '[admin]',
  'secret = s3cret',
  'read = all',
  'write = all',
  '[watcher]',
  'secret = w4tch',
  'read = system,call,dialplan',
  'write = system',
  '[remote]',
  'secret = r3mote',
  'deny = 0.0.0.0/0.0.0.0',
  'permit = 192.168.1.0/255.255.255.0',
  'read = all',
  '',
].join('\n');

function config(): ManagerConfig {
  const diag = new Diagnostics();
  const c = readManagerConf(parseConfText('manager.conf', CONF).conf, diag);
  assert.deepEqual(diag.errors, []);
  // Any free port for the test.
  return { ...c, port: 0 };
}

function channel(name: string): EventChannel {
  return { name, uniqueId: '1700000000.1', tech: 'SIP', state: 'Ring', callerId: { number: '2000', name: 'Alice' }, context: 'phones', exten: '2001', priority: 1, application: '', appData: '', variables: new Map() };
}

describe('manager server', () => {
  const events = new EventBus();
  let server: ManagerServer;
  let port: number;
  let banned = new Set<string>();
  const failures = new Map<string, number>();
  const clients: RawAmi[] = [];
  const db = new Map<string, string>();

  before(async () => {
    const actions = new ActionRegistry();
    const deps: CoreActionDeps = {
      command: async (line) => ({ ok: line === 'core show version', output: line === 'core show version' ? 'PBX 1.0\nsecond line' : `No such command '${line}'` }),
      channels: () => [],
      channel: () => undefined,
      getVariable: (_c, name) => (name === 'G' ? 'global' : undefined),
      setVariable: () => undefined,
      db: { get: (f, k) => db.get(`${f}/${k}`), put: (f, k, v) => void db.set(`${f}/${k}`, v), del: (f, k) => db.delete(`${f}/${k}`) },
      reload: async () => ({ ok: true, output: '' }),
      info: () => ({ version: '1.0', systemName: 'pbx', startedAt: 0, reloadedAt: 0, cdrEnabled: false }),
      now: () => Date.now(),
      wallNow: () => Date.now(),
      actions,
    };
    actions.add(CORE_ACTIONS, deps);
    const c = config();
    server = await ManagerServer.start({
      config: () => c,
      actions,
      events,
      clock: new SystemClock(),
      guard: {
        isBanned: (a) => banned.has(a),
        failed: (a) => {
          const n = (failures.get(a) ?? 0) + 1;
          failures.set(a, n);
          if (n >= 3) banned.add(a);
        },
        succeeded: (a) => failures.delete(a),
      },
      log: { notice: () => undefined, warning: () => undefined, verbose: () => undefined },
      maxQueueBytes: 64 * 1024,
    });
    port = server.local.port;
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  async function client(): Promise<RawAmi> {
    const c = await RawAmi.open(port);
    clients.push(c);
    await c.until((x) => x.text.startsWith('Asterisk Call Manager/'));
    return c;
  }

  test('plain login, Ping, Command output lines, DBPut/DBGet with the list events', async () => {
    const c = await client();
    assert.equal((await c.login('admin', 's3cret')).get('Message'), 'Authentication accepted');
    c.send({ Action: 'Ping', ActionID: 'p' });
    assert.equal((await c.response('p')).get('Ping'), 'Pong');
    c.send({ Action: 'Command', Command: 'core show version', ActionID: 'c' });
    assert.deepEqual((await c.response('c')).all('Output'), ['PBX 1.0', 'second line']);
    c.send({ Action: 'DBPut', Family: 'cidname', Key: '2000', Val: 'Alice', ActionID: 'put' });
    assert.equal((await c.response('put')).get('Response'), 'Success');
    c.send({ Action: 'DBGet', Family: 'cidname', Key: '2000', ActionID: 'get' });
    await c.until((x) => x.messages().some((m) => m.get('Event') === 'DBGetComplete'));
    const r = c.messages().find((m) => m.get('Event') === 'DBGetResponse');
    assert.equal(r?.get('Val'), 'Alice');
    assert.equal(r?.get('ActionID'), 'get');
    c.send({ Action: 'Getvar', Variable: 'G', ActionID: 'g' });
    assert.equal((await c.response('g')).get('Value'), 'global');
  });

  test('MD5 login over a challenge', async () => {
    const c = await client();
    c.send({ Action: 'Challenge', AuthType: 'MD5', ActionID: 'ch' });
    const challenge = (await c.response('ch')).get('Challenge') ?? '';
    assert.match(challenge, /^\d+$/);
    const key = createHash('md5').update(challenge + 's3cret').digest('hex');
    c.send({ Action: 'Login', AuthType: 'MD5', Username: 'admin', Key: key, ActionID: 'l' });
    assert.equal((await c.response('l')).get('Response'), 'Success');
  });

  test('unknown action, missing action and actions before login are errors; the session still answers', async () => {
    const c = await client();
    c.send({ Action: 'Ping', ActionID: 'early' });
    assert.equal((await c.response('early')).get('Message'), 'Permission denied');
    await c.login('admin', 's3cret');
    c.send({ Action: 'NoSuchThing', ActionID: 'u' });
    assert.equal((await c.response('u')).get('Message'), 'Invalid/unknown command');
    c.sock.write('garbage without a colon\r\nActionID: m\r\n\r\n');
    assert.equal((await c.response('m')).get('Message'), 'Missing action in request');
    c.send({ Action: 'Ping', ActionID: 'after' });
    assert.equal((await c.response('after')).get('Ping'), 'Pong');
  });

  test('write classes: a user without `command` may not run Command', async () => {
    const c = await client();
    await c.login('watcher', 'w4tch');
    c.send({ Action: 'Command', Command: 'core show version', ActionID: 'x' });
    assert.equal((await c.response('x')).get('Message'), 'Permission denied');
  });

  test('the ACL refuses a user from outside its permitted network', async () => {
    const c = await client();
    const r = await c.login('remote', 'r3mote');
    assert.equal(r.get('Message'), 'Authentication failed');
    await c.until((x) => x.closed);
  });

  test('events go to the classes a user reads; VarSet only to who named dialplan', async () => {
    const admin = await client();
    await admin.login('admin', 's3cret');
    const watcher = await client();
    await watcher.login('watcher', 'w4tch');
    const quiet = await client();
    quiet.send({ Action: 'Login', Username: 'admin', Secret: 's3cret', Events: 'off', ActionID: 'q' });
    await quiet.response('q');
    const ch = channel('SIP/2000-00000001');
    events.emit({ type: 'VarSet', channel: ch, variable: 'FOO', value: 'bar' });
    events.emit({ type: 'DTMFBegin', channel: ch, digit: '5', direction: 'Received' });
    events.emit({ type: 'Newchannel', channel: ch });
    await admin.until((x) => x.messages().some((m) => m.get('Event') === 'Newchannel'));
    await watcher.until((x) => x.messages().some((m) => m.get('Event') === 'Newchannel'));
    const names = (c: RawAmi): string[] => c.messages().flatMap((m) => m.all('Event')).filter((e) => e !== 'FullyBooted');
    assert.deepEqual(names(admin), ['DTMFBegin', 'Newchannel'], 'read=all hears dtmf but not VarSet');
    assert.deepEqual(names(watcher), ['VarSet', 'Newchannel'], 'read names dialplan: VarSet; no dtmf class');
    const nc = admin.messages().find((m) => m.get('Event') === 'Newchannel')!;
    assert.equal(nc.get('Privilege'), 'call,all');
    assert.equal(nc.get('ChannelState'), '4');
    assert.equal(nc.get('ChannelStateDesc'), 'Ring');
    assert.equal(nc.get('CallerIDNum'), '2000');
    assert.equal(nc.get('Uniqueid'), '1700000000.1');
    admin.send({ Action: 'Events', EventMask: 'dialplan', ActionID: 'e' });
    await admin.response('e');
    events.emit({ type: 'VarSet', channel: ch, variable: 'FOO', value: 'baz' });
    await admin.until((x) => x.messages().some((m) => m.get('Event') === 'VarSet'));
    assert.deepEqual(names(quiet), []);
  });

  test('a line over 64 KiB is answered with an error and the connection closed', async () => {
    const c = await client();
    await c.login('admin', 's3cret');
    c.sock.write(`Action: Ping\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    await c.until((x) => x.closed);
    assert.ok(c.messages().some((m) => m.get('Message') === 'Line too long'), c.text.slice(-300));
  });

  test('a client that stops reading is dropped when its backlog passes the bound; the emitter is not held up', async () => {
    const stalled = await client();
    await stalled.login('admin', 's3cret');
    stalled.sock.pause();
    const reader = await client();
    await reader.login('admin', 's3cret');
    const ch = channel('SIP/2000-00000002');
    for (let i = 0; i < 20000 && !stalled.closed; i++) {
      events.emit({ type: 'Newstate', channel: ch });
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    stalled.sock.resume();
    await stalled.until((x) => x.closed, 5000);
    reader.send({ Action: 'Ping', ActionID: 'alive' });
    assert.equal((await reader.response('alive')).get('Ping'), 'Pong');
  });

  test('repeated failed logins ban the source: new connections are closed at once', async () => {
    banned = new Set();
    failures.clear();
    for (let i = 0; i < 3; i++) {
      const c = await client();
      assert.equal((await c.login('admin', 'wrong')).get('Message'), 'Authentication failed');
      await c.until((x) => x.closed);
    }
    const c = await RawAmi.open(port);
    clients.push(c);
    await c.until((x) => x.closed);
    assert.equal(c.text, '', 'no greeting for a banned source');
    banned.clear();
  });
});

describe('manager server under a connection flood', () => {
  let server: ManagerServer;
  const socks: RawAmi[] = [];
  before(async () => {
    const c = { ...config(), port: 0, authlimit: 3, authtimeout: 1 };
    const actions = new ActionRegistry();
    server = await ManagerServer.start({
      config: () => c,
      actions,
      events: new EventBus(),
      clock: new SystemClock(),
      guard: { isBanned: () => false, failed: () => undefined, succeeded: () => undefined },
      log: { notice: () => undefined, warning: () => undefined, verbose: () => undefined },
    });
  });
  after(async () => {
    for (const s of socks) s.close();
    await server.close();
  });

  test('connections over authlimit are closed at once; silent ones end after authtimeout', async () => {
    for (let i = 0; i < 3; i++) {
      const s = await RawAmi.open(server.local.port);
      socks.push(s);
      await s.until((x) => x.text.startsWith('Asterisk Call Manager/'));
    }
    const extra = await RawAmi.open(server.local.port);
    socks.push(extra);
    await extra.until((x) => x.closed);
    assert.equal(extra.text, '');
    assert.equal(server.stats().dropped, 1);
    for (const s of socks.slice(0, 3)) await s.until((x) => x.closed, 5000);
    const later = await RawAmi.open(server.local.port);
    socks.push(later);
    await later.until((x) => x.text.startsWith('Asterisk Call Manager/'));
  });
});
