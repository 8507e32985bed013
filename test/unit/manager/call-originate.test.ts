import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRequest } from '../../../src/manager/wire.ts';
import { originateAction } from '../../../src/manager/actions/call/originate.ts';
import { parseCallerId, parseVariables } from '../../../src/manager/actions/call/parse.ts';
import type { OriginateOutcome } from '../../../src/manager/actions/call/index.ts';
import { assertFields, fakeDeps, fakeSession, field } from './call-fixtures.ts';

const req = (...h: [string, string][]) => makeRequest([['Action', 'Originate'], ...h]);

test('Originate to an extension waits for the answer and reports success', async () => {
  const deps = fakeDeps();
  const r = await originateAction.run(req(['Channel', 'SIP/2000'], ['Exten', '2001'], ['Context', 'default'], ['Priority', '1'], ['CallerID', '"Boss" <100>']), fakeSession(), deps);
  assert.equal(r.response, 'Success');
  assert.equal(r.message, 'Originate successfully queued');
  const o = deps.originated[0]!;
  assert.equal(o.channel, 'SIP/2000');
  assert.deepEqual(o.target, { kind: 'exten', context: 'default', exten: '2001', priority: 1 });
  assert.equal(o.timeoutMs, 30000);
  assert.deepEqual(o.callerId, { name: 'Boss', number: '100' });
});

test('a failed synchronous Originate answers Error / Originate failed', async () => {
  const deps = fakeDeps();
  deps.outcome = Promise.resolve({ answered: false, reason: 0 });
  const r = await originateAction.run(req(['Channel', 'SIP/2000'], ['Exten', '2001'], ['Context', 'default']), fakeSession(), deps);
  assert.deepEqual([r.response, r.message], ['Error', 'Originate failed']);
});

test('Async: the response comes before the outcome, then OriginateResponse to that session', async () => {
  const deps = fakeDeps();
  let settle!: (o: OriginateOutcome) => void;
  deps.outcome = new Promise((r) => (settle = r));
  const session = fakeSession();
  const r = await originateAction.run(req(['ActionID', 'a1'], ['Channel', 'SIP/2000'], ['Exten', '2001'], ['Context', 'default'], ['Async', 'true'], ['CallerID', '2000']), session, deps);
  assert.deepEqual([r.response, r.message], ['Success', 'Originate successfully queued']);
  assert.equal(session.sent.length, 0);
  settle({ answered: false, reason: 5, channel: { name: 'SIP/2000-0000000a', uniqueId: '1700000000.9' } });
  await new Promise((r) => setImmediate(r));
  const ev = session.sent[0]!;
  assert.equal(ev.event, 'OriginateResponse');
  assertFields(ev.fields, {
    ActionID: 'a1',
    Response: 'Failure',
    Reason: '5',
    Channel: 'SIP/2000-0000000a',
    Uniqueid: '1700000000.9',
    Exten: '2001',
    CallerIDNum: '2000',
    CallerIDName: '<unknown>',
  });
});

test('Async failure without any channel names the requested channel and Uniqueid <null>', async () => {
  const deps = fakeDeps();
  deps.outcome = Promise.resolve({ answered: false, reason: 0 });
  const session = fakeSession();
  await originateAction.run(req(['Channel', 'SIP/2009'], ['Application', 'Playback'], ['Data', 'demo-congrats'], ['Async', 'yes']), session, deps);
  await new Promise((r) => setImmediate(r));
  const ev = session.sent[0]!;
  assertFields(ev.fields, {
    Response: 'Failure',
    Channel: 'SIP/2009',
    Reason: '0',
    Uniqueid: '<null>',
    Application: 'Playback',
  });
  assert.deepEqual(deps.originated[0]!.target, { kind: 'app', application: 'Playback', data: 'demo-congrats' });
});

test('bad requests are refused with Asterisk messages and nothing is placed', async () => {
  const deps = fakeDeps();
  const cases: [[string, string][], string][] = [
    [[['Exten', '2001']], 'Channel not specified'],
    [[['Channel', 'SIP2000'], ['Exten', '2001']], 'Invalid channel'],
    [[['Channel', 'SIP/2000'], ['Exten', '2001'], ['Timeout', 'soon']], 'Invalid timeout'],
    [[['Channel', 'SIP/2000'], ['Exten', '2001'], ['Priority', 'nolabel']], 'Invalid priority'],
    [[['Channel', 'SIP/2000'], ['Exten', '4711'], ['Context', 'default']], 'Extension does not exist.'],
    [[['Channel', 'SIP/2000']], 'Exten not specified'],
  ];
  for (const [headers, message] of cases) {
    const r = await originateAction.run(req(...headers), fakeSession(), deps);
    assert.deepEqual([r.response, r.message], ['Error', message], JSON.stringify(headers));
  }
  assert.equal(deps.originated.length, 0);
});

test('a priority label is resolved in the target extension', async () => {
  const deps = fakeDeps();
  await originateAction.run(req(['Channel', 'SIP/2000'], ['Exten', '2001'], ['Context', 'default'], ['Priority', 'start']), fakeSession(), deps);
  assert.deepEqual(deps.originated[0]!.target, { kind: 'exten', context: 'default', exten: '2001', priority: 5 });
});

test('System, Exec and SHELL/EVAL data need the system write class too', async () => {
  const deps = fakeDeps();
  const noSystem = fakeSession(['originate']);
  for (const [app, data, what] of [
    ['System', 'rm -rf /', 'Application'],
    ['TryExec', 'System(x)', 'Application'],
    ['NoOp', '${SHELL(id)}', 'Data'],
    ['NoOp', '${EVAL(${x})}', 'Data'],
  ] as const) {
    const r = await originateAction.run(req(['Channel', 'SIP/2000'], ['Application', app], ['Data', data]), noSystem, deps);
    assert.deepEqual([r.response, r.message], ['Error', `Originate Access Forbidden: ${what}`]);
  }
  assert.equal(deps.originated.length, 0);
  const r = await originateAction.run(req(['Channel', 'SIP/2000'], ['Application', 'System'], ['Data', 'true']), fakeSession(['originate', 'system']), deps);
  assert.equal(r.response, 'Success');
});

test('Variable headers (repeated and comma lists), Timeout and Account reach the call', async () => {
  const deps = fakeDeps();
  await originateAction.run(
    req(['Channel', 'SIP/trunk/5551234'], ['Exten', '600'], ['Context', 'default'], ['Timeout', '5000'], ['Variable', 'A=1'], ['Variable', 'B=2,C=x=y'], ['Account', 'sales']),
    fakeSession(),
    deps,
  );
  const o = deps.originated[0]!;
  assert.equal(o.timeoutMs, 5000);
  assert.equal(o.account, 'sales');
  assert.deepEqual(o.variables, [['A', '1'], ['B', '2'], ['C', 'x=y']]);
});

test('caller ID forms as ast_callerid_parse reads them', () => {
  assert.deepEqual(parseCallerId('"Joe Bloggs" <2000>'), { name: 'Joe Bloggs', number: '2000' });
  assert.deepEqual(parseCallerId('Joe <2000>'), { name: 'Joe', number: '2000' });
  assert.deepEqual(parseCallerId('<2000>'), { number: '2000' });
  assert.deepEqual(parseCallerId('2000'), { number: '2000' });
  assert.deepEqual(parseCallerId('Reception'), { name: 'Reception' });
  assert.deepEqual(parseCallerId(''), {});
  assert.deepEqual(parseVariables(['novalue', '=x', 'A=']), [['A', '']]);
});
