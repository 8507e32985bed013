import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRequest } from '../../../src/manager/wire.ts';
import { callActions, type DeviceState, type SipPeerDetail } from '../../../src/manager/actions/call/index.ts';
import { redirectAction } from '../../../src/manager/actions/call/redirect.ts';
import { sipPeersAction, sipShowPeerAction, sipShowRegistryAction } from '../../../src/manager/actions/call/sip-peers.ts';
import { extensionStateAction, aggregateDeviceStates } from '../../../src/manager/actions/call/extension-state.ts';
import { mailboxCountAction, mailboxStatusAction } from '../../../src/manager/actions/call/mailbox.ts';
import { assertFields, fakeDeps, fakeSession, field } from './call-fixtures.ts';

const req = (action: string, ...h: [string, string][]) => makeRequest([['Action', action], ...h]);

test('the call actions and the write class each needs', () => {
  const byName = new Map(callActions().map((a) => [a.name, a.privilege]));
  assert.deepEqual(Object.fromEntries(byName), {
    Originate: 'originate',
    Redirect: 'call',
    SIPpeers: 'system',
    SIPshowpeer: 'system',
    SIPshowregistry: 'system',
    ExtensionState: 'call',
    MailboxCount: 'call',
    MailboxStatus: 'call',
  });
});

test('Redirect sends a live channel (and an extra one) to a dialplan place', async () => {
  const deps = fakeDeps();
  let r = await redirectAction.run(req('Redirect', ['Channel', 'SIP/2000-00000001'], ['Exten', '600'], ['Context', 'default'], ['Priority', '1']), fakeSession(), deps);
  assert.deepEqual([r.response, r.message], ['Success', 'Redirect successful']);
  assert.deepEqual(deps.redirected[0], ['SIP/2000-00000001', { context: 'default', exten: '600', priority: 1 }, undefined]);
  r = await redirectAction.run(
    req('Redirect', ['Channel', 'SIP/2000-00000001'], ['ExtraChannel', 'SIP/2001-00000002'], ['Exten', '600'], ['Context', 'default'], ['ExtraExten', '2000'], ['ExtraPriority', 'start']),
    fakeSession(),
    deps,
  );
  assert.deepEqual([r.response, r.message], ['Success', 'Dual Redirect successful']);
  assert.deepEqual(deps.redirected[1], ['SIP/2000-00000001', { context: 'default', exten: '600', priority: 1 }, { name: 'SIP/2001-00000002', to: { context: 'default', exten: '2000', priority: 5 } }]);
});

test('Redirect errors: no channel, unknown channel, no such extension', async () => {
  const deps = fakeDeps();
  const cases: [[string, string][], string][] = [
    [[['Exten', '600'], ['Context', 'default']], 'Channel not specified'],
    [[['Channel', 'SIP/9-1'], ['Exten', '600'], ['Context', 'default']], 'Channel does not exist: SIP/9-1'],
    [[['Channel', 'SIP/2000-1'], ['Exten', '777'], ['Context', 'default']], 'Extension does not exist.'],
    [[['Channel', 'SIP/2000-1'], ['Exten', '600']], 'Context not specified'],
    [[['Channel', 'SIP/2000-1'], ['Exten', '600'], ['Context', 'default'], ['Priority', 'x']], 'Invalid priority'],
    [[['Channel', 'SIP/2000-1'], ['ExtraChannel', 'SIP/5-1'], ['Exten', '600'], ['Context', 'default']], 'ExtraChannel does not exist: SIP/5-1'],
  ];
  for (const [h, message] of cases) {
    const r = await redirectAction.run(req('Redirect', ...h), fakeSession(), deps);
    assert.deepEqual([r.response, r.message], ['Error', message]);
  }
  assert.equal(deps.redirected.length, 0);
});

const peer2000: SipPeerDetail = {
  name: '2000', address: '127.0.0.1', port: 5070, dynamic: true, nat: false, status: 'OK (3 ms)', description: '', acl: false,
  type: 'friend', secretSet: true, md5SecretSet: false, context: 'default', language: 'en', callerId: { name: 'Joe Bloggs', number: '2000' },
  callGroup: '1', pickupGroup: '1,2', mohSuggest: '', voiceMailbox: '2000@default', defaultUser: '', fromUser: '', fromDomain: '',
  codecs: ['ulaw', 'alaw'], userAgent: 'SIPp', regContact: 'sip:2000@127.0.0.1:5070', qualifyFreq: 60000, callLimit: undefined, accountCode: '', transfer: true,
};
const peer2001: SipPeerDetail = { ...peer2000, name: '2001', address: undefined, port: 0, status: 'UNKNOWN' };

test('SIPpeers: a PeerEntry per peer with chan_sip fields, then PeerlistComplete', async () => {
  const r = await sipPeersAction.run(req('SIPpeers'), fakeSession(), fakeDeps({ sipPeers: () => [peer2000, peer2001] }));
  assert.equal(r.response, 'Success');
  assert.equal(field(r.fields, 'EventList'), 'start');
  const ev = r.events!;
  assert.deepEqual(ev.map((e) => e.event), ['PeerEntry', 'PeerEntry', 'PeerlistComplete']);
  assert.deepEqual(ev[0]!.fields.map(([k]) => k), ['Channeltype', 'ObjectName', 'ChanObjectType', 'IPaddress', 'IPport', 'Dynamic', 'AutoForcerport', 'Forcerport', 'AutoComedia', 'Comedia', 'VideoSupport', 'TextSupport', 'ACL', 'Status', 'RealtimeDevice', 'Description']);
  assertFields(ev[0]!.fields, {
    IPaddress: '127.0.0.1',
    IPport: '5070',
    Dynamic: 'yes',
    Status: 'OK (3 ms)',
  });
  assert.equal(field(ev[1]!.fields, 'IPaddress'), '-none-');
  assert.equal(field(ev[1]!.fields, 'IPport'), '0');
  assert.equal(field(ev[2]!.fields, 'ListItems'), '2');
});

test('SIPshowpeer: the peer in the response; unknown and missing peers are errors', async () => {
  const deps = fakeDeps({ sipPeer: (n) => (n === '2000' ? peer2000 : undefined) });
  const r = await sipShowPeerAction.run(req('SIPshowpeer', ['Peer', '2000']), fakeSession(), deps);
  assert.equal(r.response, 'Success');
  assertFields(r.fields, {
    ObjectName: '2000',
    SecretExist: 'Y',
    Context: 'default',
    Callgroup: '1',
    Pickupgroup: '1,2',
    VoiceMailbox: '2000@default',
    'Address-IP': '127.0.0.1',
    'Address-Port': '5070',
    Dynamic: 'Y',
    Callerid: '"Joe Bloggs" <2000>',
    Codecs: '(ulaw|alaw)',
    'SIP-Useragent': 'SIPp',
    'Reg-Contact': 'sip:2000@127.0.0.1:5070',
  });
  const missing = await sipShowPeerAction.run(req('SIPshowpeer', ['Peer', '2999']), fakeSession(), deps);
  assert.deepEqual([missing.response, missing.message], ['Error', 'Peer 2999 not found.']);
  const none = await sipShowPeerAction.run(req('SIPshowpeer'), fakeSession(), deps);
  assert.deepEqual([none.response, none.message], ['Error', 'Peer: <name> missing.']);
});

test('SIPshowregistry: a RegistryEntry per registration, then RegistrationsComplete', async () => {
  const deps = fakeDeps({
    sipRegistry: () => [{ host: 'sip.example.net', port: 5060, username: 'joe', domain: 'sip.example.net', domainPort: 5060, refresh: 120, state: 'Registered', registeredAt: 1_765_000_000_500 }],
  });
  const r = await sipShowRegistryAction.run(req('SIPshowregistry'), fakeSession(), deps);
  const ev = r.events!;
  assert.deepEqual(ev.map((e) => e.event), ['RegistryEntry', 'RegistrationsComplete']);
  assert.deepEqual(ev[0]!.fields, [
    ['Host', 'sip.example.net'], ['Port', '5060'], ['Username', 'joe'], ['Domain', 'sip.example.net'], ['DomainPort', '5060'], ['Refresh', '120'], ['State', 'Registered'], ['RegistrationTime', '1765000000'],
  ]);
  assert.equal(field(ev[1]!.fields, 'ListItems'), '1');
});

test('ExtensionState: the hint devices combined into an extension state', async () => {
  const states: Record<string, DeviceState> = { 'SIP/2000': 'NOT_INUSE', 'SIP/2001': 'INUSE', 'SIP/2002': 'RINGING', 'SIP/2003': 'UNAVAILABLE', 'SIP/2004': 'ONHOLD' };
  const hints: Record<string, string> = { '2000': 'SIP/2000', '2001': 'SIP/2001', '2002': 'SIP/2002', '2003': 'SIP/2003', '2004': 'SIP/2004', '2012': 'SIP/2001&SIP/2002' };
  const deps = fakeDeps({ hint: (_c, e) => hints[e], deviceState: (d) => states[d] ?? 'INVALID' });
  const expect: [string, string, string][] = [
    ['2000', '0', 'Idle'],
    ['2001', '1', 'InUse'],
    ['2002', '8', 'Ringing'],
    ['2003', '4', 'Unavailable'],
    ['2004', '16', 'Hold'],
    ['2012', '9', 'InUse&Ringing'],
    ['9999', '-1', 'Unknown'],
  ];
  for (const [exten, status, text] of expect) {
    const r = await extensionStateAction.run(req('ExtensionState', ['Exten', exten], ['Context', 'default']), fakeSession(), deps);
    assert.equal(r.message, 'Extension Status');
    assert.deepEqual([field(r.fields, 'Status'), field(r.fields, 'StatusText')], [status, text], exten);
    assert.equal(field(r.fields, 'Hint'), hints[exten] ?? '');
  }
  assert.equal(aggregateDeviceStates(['UNAVAILABLE', 'INVALID']), 'UNAVAILABLE');
  assert.equal(aggregateDeviceStates(['UNAVAILABLE', 'NOT_INUSE']), 'NOT_INUSE');
  const r = await extensionStateAction.run(req('ExtensionState'), fakeSession(), deps);
  assert.deepEqual([r.response, r.message], ['Error', 'Extension not specified']);
});

test('MailboxCount and MailboxStatus from the spool counts (boxes summed)', async () => {
  const deps = fakeDeps({
    mailbox: (box, context) => (context === 'default' && box === '2000' ? { newMessages: 2, oldMessages: 3, urgentMessages: 1 } : box === '2001' ? { newMessages: 0, oldMessages: 1, urgentMessages: 0 } : undefined),
  });
  let r = await mailboxCountAction.run(req('MailboxCount', ['Mailbox', '2000@default']), fakeSession(), deps);
  assert.deepEqual(r.fields, [['Mailbox', '2000@default'], ['UrgMessages', '1'], ['NewMessages', '2'], ['OldMessages', '3']]);
  r = await mailboxCountAction.run(req('MailboxCount', ['Mailbox', '2000,2001@default']), fakeSession(), deps);
  assert.equal(field(r.fields, 'OldMessages'), '4');
  r = await mailboxStatusAction.run(req('MailboxStatus', ['Mailbox', '2000@default']), fakeSession(), deps);
  assert.deepEqual([r.message, field(r.fields, 'Waiting')], ['Mailbox Status', '1']);
  r = await mailboxStatusAction.run(req('MailboxStatus', ['Mailbox', '2001']), fakeSession(), deps);
  assert.equal(field(r.fields, 'Waiting'), '0');
  r = await mailboxCountAction.run(req('MailboxCount'), fakeSession(), deps);
  assert.deepEqual([r.response, r.message], ['Error', 'Mailbox not specified']);
});
