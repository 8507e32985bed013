/**
 * Originate through the manager interface, checked from outside on the bundle: panoramisk
 * (python3-panoramisk) logs in with MD5 and originates calls; SIPp phones registered as 2000
 * and 2001 answer. Originate SIP/2000 to extension 2001 rings 2000, then 2001, bridges them, and
 * the client hears Newchannel, DialBegin, BridgeEnter, Hangup and Cdr with the right channels;
 * Async gives an OriginateResponse; an unregistered peer fails with a Reason; Application=
 * Playback plays to the answered phone, then hangs up; a busy phone gives Reason 5; Redirect
 * moves the answered phone to the echo test. AMI_DEBUG=1 prints the PBX's log at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startPbx, type PbxProcess } from './harness.ts';
import { Panoramisk, type AmiDict } from './ami-client.ts';
import { describe as describeRun, receivedRequests, sipp, type SippRun } from './calls-sipp.ts';

const SECRET = 'Amiga-5038';
type Msg = AmiDict;

const of = (events: Msg[], name: string, re?: RegExp): Msg[] => events.filter((e) => e.Event === name && (!re || re.test(String(e.Channel ?? ''))));

describe('AMI Originate (panoramisk, SIPp phones)', { timeout: 120_000 }, () => {
  let pbx: PbxProcess;
  let ami: Panoramisk;
  const phonePort: Record<string, number> = {};

  /** A SIPp phone that answers the next call on its registered port. */
  const answering = (ext: string): Promise<SippRun> => sipp('uas-answer.xml', { port: phonePort[ext]!, timeoutS: 30 });
  /** The call requests a phone received (qualify OPTIONS and MWI NOTIFYs left out). */
  const callRequests = (run: SippRun): string[] => receivedRequests(run.messages).filter((m) => ['INVITE', 'CANCEL', 'BYE'].includes(m));

  before(async () => {
    const amiPort = await freePort();
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' },
      files: {
        // The phones without qualify and MWI, so the only requests a SIPp phone gets are calls.
        'sip.conf': ['2000', '2001', '2002'].map((e) => `[${e}]\ntype = friend\nhost = dynamic\nsecret = Secr3t-${e}\ncontext = phones\nqualify = no\n`).join('\n'),
        'manager.conf': ['[general]', 'enabled = yes', `port = ${amiPort}`, 'bindaddr = 127.0.0.1', '', '[admin]', `secret = ${SECRET}`, 'read = all', 'write = all', ''].join('\n'),
      },
    });
    for (const ext of ['2000', '2001']) {
      phonePort[ext] = await freePort();
      const r = await sipp('register-auth.xml', { port: phonePort[ext], remotePort: pbx.port, args: ['-s', ext, '-au', ext, '-ap', `Secr3t-${ext}`, '-set', 'expires', '300'] });
      assert.equal(r.status, 0, describeRun(r));
    }
    ami = new Panoramisk();
    const login = (await ami.connect(amiPort, 'admin', SECRET, 'md5')).response;
    assert.equal(login.Response, 'Success', JSON.stringify(login));
  });

  after(async () => {
    if (process.env.AMI_DEBUG) console.log(pbx?.output().slice(-6000));
    await ami?.close();
    await pbx?.stop();
  });

  test('Originate SIP/2000 to 2001 rings both phones, bridges them, and the client hears the call', async () => {
    const phoneA = answering('2000');
    const phoneB = answering('2001');
    const r = (await ami.action({ Action: 'Originate', Channel: 'SIP/2000', Exten: '2001', Context: 'phones', Priority: '1', CallerID: '"Front desk" <100>', Timeout: '20000' }, false)) as Msg;
    assert.equal(r.Response, 'Success', JSON.stringify(r));
    assert.equal(r.Message, 'Originate successfully queued');
    let ev = await ami.until((e) => of(e, 'BridgeEnter').length >= 2, 'BridgeEnter for both legs');
    const a = String(of(ev, 'Newchannel', /^SIP\/2000-/)[0]?.Channel ?? '');
    const b = String(of(ev, 'Newchannel', /^SIP\/2001-/)[0]?.Channel ?? '');
    assert.match(a, /^SIP\/2000-[0-9a-f]{8}$/);
    assert.match(b, /^SIP\/2001-[0-9a-f]{8}$/);
    assert.equal(of(ev, 'Newchannel', /^SIP\/2000-/)[0]!.CallerIDNum, '100');
    const dial = of(ev, 'DialBegin')[0]!;
    assert.deepEqual([dial.Channel, dial.DestChannel], [a, b]);
    assert.deepEqual(of(ev, 'BridgeEnter').map((e) => e.Channel).sort(), [a, b].sort());
    // While they talk, the extension that rang the second phone is in use.
    const busy = (await ami.action({ Action: 'ExtensionState', Exten: '2001', Context: 'phones' }, null)) as Msg;
    assert.deepEqual([busy.Status, busy.StatusText, busy.Hint], ['1', 'InUse', 'SIP/2001']);

    const h = (await ami.action({ Action: 'Hangup', Channel: a }, false)) as Msg;
    assert.equal(h.Response, 'Success', JSON.stringify(h));
    ev = await ami.until((e) => of(e, 'Hangup').length >= 2 && of(e, 'Cdr').length >= 1, 'Hangup of both legs and a Cdr');
    assert.deepEqual(of(ev, 'Hangup').map((e) => e.Channel).sort(), [a, b].sort());
    const cdr = of(ev, 'Cdr')[0]!;
    assert.equal(cdr.Channel, a);
    assert.equal(cdr.DestinationChannel, b);
    assert.equal(cdr.Disposition, 'ANSWERED');

    // Each phone got the INVITE, answered, and got the BYE.
    for (const run of [await phoneA, await phoneB]) {
      assert.equal(run.status, 0, describeRun(run));
      assert.deepEqual(callRequests(run), ['INVITE', 'BYE']);
    }
  });

  test('Async Originate with Application=Playback: OriginateResponse Success, the prompt, then the hang-up', async () => {
    const phone = answering('2000');
    const r = (await ami.action({ Action: 'Originate', Channel: 'SIP/2000', Application: 'Playback', Data: 'hello-world', Async: 'true', CallerID: '100' }, null)) as Msg[];
    assert.ok(Array.isArray(r), JSON.stringify(r));
    assert.deepEqual([r[0]!.Response, r[0]!.Message], ['Success', 'Originate successfully queued']);
    const resp = r[1]!;
    assert.equal(resp.Event, 'OriginateResponse');
    assert.equal(resp.Response, 'Success');
    assert.equal(resp.Reason, '4');
    assert.match(String(resp.Channel), /^SIP\/2000-[0-9a-f]{8}$/);
    assert.match(String(resp.Uniqueid), /^\d+\.\d+$/);
    assert.equal(resp.CallerIDNum, '100');
    const run = await phone;
    assert.equal(run.status, 0, describeRun(run));
    // The PBX ended the call once the prompt was over.
    assert.deepEqual(callRequests(run), ['INVITE', 'BYE']);
    const ev = await ami.events();
    assert.ok(
      ev.some((e) => e.Event === 'Newexten' && e.Channel === resp.Channel && e.Application === 'Playback' && e.AppData === 'hello-world'),
      'Newexten Playback(hello-world) on the originated channel',
    );
  });

  test('Originate to a peer that is not registered fails: OriginateResponse Failure, Reason 0; synchronous: Error', async () => {
    const r = (await ami.action({ Action: 'Originate', Channel: 'SIP/2002', Exten: '2001', Context: 'phones', Async: 'true' }, null)) as Msg[];
    assert.ok(Array.isArray(r), JSON.stringify(r));
    const resp = r[1]!;
    assert.deepEqual([resp.Event, resp.Response, resp.Reason, resp.Channel], ['OriginateResponse', 'Failure', '0', 'SIP/2002']);
    const sync = (await ami.action({ Action: 'Originate', Channel: 'SIP/2002', Exten: '2001', Context: 'phones' }, false)) as Msg;
    assert.deepEqual([sync.Response, sync.Message], ['Error', 'Originate failed']);
  });

  test('a busy phone: OriginateResponse Failure with Reason 5 and the channel that was tried', async () => {
    const phone = sipp('uas-busy.xml', { port: phonePort['2001']!, timeoutS: 30 });
    const r = (await ami.action({ Action: 'Originate', Channel: 'SIP/2001', Exten: '2000', Context: 'phones', Async: 'true' }, null)) as Msg[];
    assert.ok(Array.isArray(r), JSON.stringify(r));
    const resp = r[1]!;
    assert.deepEqual([resp.Event, resp.Response, resp.Reason], ['OriginateResponse', 'Failure', '5']);
    assert.match(String(resp.Channel), /^SIP\/2001-[0-9a-f]{8}$/);
    const run = await phone;
    assert.equal(run.status, 0, describeRun(run));
  });

  test('Redirect takes the answered phone out of the call to the echo test', async () => {
    const phoneA = answering('2000');
    const phoneB = answering('2001');
    const r = (await ami.action({ Action: 'Originate', Channel: 'SIP/2000', Exten: '2001', Context: 'phones', CallerID: '100' }, false)) as Msg;
    assert.equal(r.Response, 'Success', JSON.stringify(r));
    const seen = (await ami.events()).length;
    const fresh = async (pred: (e: Msg[]) => boolean, what: string): Promise<Msg[]> => (await ami.until((e) => pred(e.slice(seen)), what)).slice(seen);
    let ev = await fresh((e) => of(e, 'BridgeEnter').length >= 2, 'BridgeEnter for both legs');
    const b = String(of(ev, 'BridgeEnter', /^SIP\/2001-/)[0]!.Channel);
    const red = (await ami.action({ Action: 'Redirect', Channel: b, Exten: '600', Context: 'phones', Priority: '1' }, false)) as Msg;
    assert.deepEqual([red.Response, red.Message], ['Success', 'Redirect successful']);
    ev = await fresh((e) => e.some((x) => x.Event === 'Newexten' && x.Channel === b && x.Application === 'Echo'), 'Echo on the redirected channel');
    assert.ok(of(ev, 'BridgeLeave').some((e) => e.Channel === b));
    // The other party's Dial is over: its dialplan ends and it is hung up; the echo goes on.
    const a = await phoneA;
    assert.equal(a.status, 0, describeRun(a));
    assert.ok(!of(await ami.events(), 'Hangup').some((e) => e.Channel === b), 'the redirected channel is still up');
    const h = (await ami.action({ Action: 'Hangup', Channel: b }, false)) as Msg;
    assert.equal(h.Response, 'Success');
    const run = await phoneB;
    assert.equal(run.status, 0, describeRun(run));
    const bad = (await ami.action({ Action: 'Redirect', Channel: b, Exten: '600', Context: 'phones' }, false)) as Msg;
    assert.deepEqual([bad.Response, bad.Message], ['Error', `Channel does not exist: ${b}`]);
  });

  test('SIPpeers, SIPshowpeer and ExtensionState see the registered phones', async () => {
    const peers = (await ami.action({ Action: 'SIPpeers' }, null)) as Msg[];
    const entries = peers.filter((m) => m.Event === 'PeerEntry');
    assert.deepEqual(entries.map((e) => e.ObjectName).sort(), ['2000', '2001', '2002']);
    const e2000 = entries.find((e) => e.ObjectName === '2000')!;
    assert.deepEqual([e2000.IPaddress, e2000.IPport, e2000.Dynamic], ['127.0.0.1', String(phonePort['2000']), 'yes']);
    assert.equal(entries.find((e) => e.ObjectName === '2002')!.IPaddress, '-none-');
    assert.equal(peers.at(-1)!.Event, 'PeerlistComplete');
    const show = (await ami.action({ Action: 'SIPshowpeer', Peer: '2001' }, null)) as Msg;
    assert.deepEqual([show.Response, show.ObjectName, show['Address-Port'], show.SecretExist], ['Success', '2001', String(phonePort['2001']), 'Y']);
    const idle = (await ami.action({ Action: 'ExtensionState', Exten: '2001', Context: 'phones' }, null)) as Msg;
    assert.deepEqual([idle.Status, idle.StatusText], ['0', 'Idle']);
    // 2002 never registered.
    const gone = (await ami.action({ Action: 'ExtensionState', Exten: '2002', Context: 'phones' }, null)) as Msg;
    assert.deepEqual([gone.Status, gone.StatusText, gone.Hint], ['4', 'Unavailable', 'SIP/2002']);
  });
});
