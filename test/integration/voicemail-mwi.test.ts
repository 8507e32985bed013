/**
 * MWI from outside, on the bundle: a raw UDP phone registered as 2000 (pbx.conf gives it
 * mailbox 2000@default) receives an unsolicited NOTIFY message-summary after registering; a
 * message left for 2000 through the dialplan (SIPp as 2001 calls VoiceMail with pcap audio)
 * brings NOTIFY `Messages-Waiting: yes` with `Voice-Message: 1/0` within 2 s; SUBSCRIBE gets
 * 200 and a NOTIFY in its dialog, Expires: 0 a terminated NOTIFY, other packages 489; once the
 * message is deleted with VoiceMailMain (RFC 4733 digits) NOTIFY `no` and `0/0`. An analog sim
 * phone whose box gets a message shows `VMWI on` in `sim show` and hears stutter dial tone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { freePort, runSipp, startPbx, type PbxProcess } from './harness.ts';
import { UdpPhone, digestAnswer, header, parseResponse, type RawResponse } from './raw-sip.ts';
import { Phone } from './calls-phone.ts';
import { callAndAnswer, sleep } from './dialplan-phone.ts';
import { VOICEMAIL_EXTENSIONS, heard, voicemailConf } from './voicemail-phone.ts';

const PIN = '582937';


interface RawRequest {
  method: string;
  headers: [string, string][];
  body: string;
  raw: string;
}

function parseRequest(raw: string): RawRequest | undefined {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const lines = (head ?? '').split('\r\n');
  const m = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers = lines.slice(1).map((l): [string, string] => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return { method: m[1]!, headers, body: rest.join('\r\n\r\n'), raw };
}

function reqHeader(r: RawRequest, name: string): string | undefined {
  return r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * A phone that answers every request it receives with 200 (qualify OPTIONS, NOTIFY) and keeps
 * the NOTIFYs and responses apart, so a test can wait for either.
 */
class MwiPhone {
  readonly phone: UdpPhone;
  readonly notifies: RawRequest[] = [];
  private responses: RawResponse[] = [];
  private pumping = false;
  private closed = false;

  constructor(user: string, pbxPort: number) {
    this.phone = new UdpPhone(user, pbxPort);
  }

  async start(): Promise<void> {
    await this.phone.bind();
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      const s = await this.phone.next(200);
      if (s === undefined) continue;
      if (s.startsWith('SIP/2.0')) {
        this.responses.push(parseResponse(s));
        continue;
      }
      const req = parseRequest(s);
      if (!req) continue;
      if (req.method === 'NOTIFY') this.notifies.push(req);
      const keep = s.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
      this.phone.sendRaw(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
    }
    this.pumping = false;
  }

  async response(ms = 3000): Promise<RawResponse> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const r = this.responses.shift();
      if (r) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('no response');
  }

  /** The first NOTIFY after index `from` that matches, or an error after ms. */
  async notify(match: (n: RawRequest) => boolean, from = 0, ms = 3000): Promise<RawRequest> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const n = this.notifies.slice(from).find(match);
      if (n) return n;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`no matching NOTIFY; got:\n${this.notifies.map((x) => x.raw).join('\n----\n')}`);
  }

  async register(password: string): Promise<void> {
    this.phone.register({ expires: 300 });
    const challenge = await this.response();
    assert.equal(challenge.status, 401);
    const uri = `sip:127.0.0.1:${this.phone.pbxPort}`;
    this.phone.register({ expires: 300, auth: digestAnswer(header(challenge, 'WWW-Authenticate')!, this.phone.user, password, uri) });
    assert.equal((await this.response()).status, 200);
  }

  /** SUBSCRIBE (challenged, then with credentials); returns the final response. */
  async subscribe(password: string, o: { callId: string; event?: string; expires: number; toTag?: string; cseq: number }): Promise<RawResponse> {
    const p = this.phone;
    const uri = `sip:${p.user}@127.0.0.1:${p.pbxPort}`;
    const build = (seq: number, auth?: string): string =>
      [
        `SUBSCRIBE ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${p.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `From: <sip:${p.user}@127.0.0.1>;tag=${p.tag}`,
        `To: <sip:${p.user}@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
        `Call-ID: ${o.callId}`,
        `CSeq: ${seq} SUBSCRIBE`,
        `Contact: <sip:${p.user}@127.0.0.1:${p.port}>`,
        `Event: ${o.event ?? 'message-summary'}`,
        'Accept: application/simple-message-summary',
        `Expires: ${o.expires}`,
        ...(auth ? [`Authorization: ${auth}`] : []),
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    p.sendRaw(build(o.cseq));
    const first = await this.response();
    if (first.status !== 401) return first;
    p.sendRaw(build(o.cseq + 1, digestAnswer(header(first, 'WWW-Authenticate')!, p.user, password, uri, 'SUBSCRIBE')));
    return this.response();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.pumping) await new Promise((res) => setTimeout(res, 20));
    this.phone.close();
  }
}

describe('MWI (message-summary NOTIFY) on the bundle', () => {
  let pbx: PbxProcess;
  let phone: MwiPhone;
  before(async () => {
    pbx = await startPbx({ files: { 'extensions.conf': VOICEMAIL_EXTENSIONS, 'voicemail.conf': voicemailConf(PIN) }, system: { rtp: '35700-35798' } });
    phone = new MwiPhone('2000', pbx.port);
    await phone.start();
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    await bob.open();
  });
  after(async () => {
    await phone.close();
    bob.close();
    await pbx.stop();
  });
  let bob: Phone;

  test('after registering, 2000 gets an unsolicited NOTIFY with Messages-Waiting: no', async () => {
    await phone.register('Secr3t-2000');
    const n = await phone.notify((x) => reqHeader(x, 'Event') === 'message-summary');
    assert.equal(reqHeader(n, 'Content-Type'), 'application/simple-message-summary');
    assert.match(reqHeader(n, 'Subscription-State') ?? '', /^active/);
    assert.match(n.body, /^Messages-Waiting: no\r\n/);
    assert.match(n.body, /Message-Account: sip:2000@127\.0\.0\.1\r\n/);
    assert.match(n.body, /Voice-Message: 0\/0 \(0\/0\)\r\n/);
  });

  test('a message left for 2000 through VoiceMail() brings NOTIFY yes and 1/0 within 2 s', async (t) => {
    if (!existsSync('/usr/share/sip-tester/g711a.pcap')) return t.skip('SIPp (sip-tester) with its pcaps is not installed');
    const before = phone.notifies.length;
    const media = await freePort();
    const sipp = await runSipp(
      'call-auth-pcap.xml',
      pbx.port,
      ['-s', '8000', '-au', '2001', '-ap', 'Secr3t-2001', '-set', 'caller', '2001', '-mp', String(media), '-auth_uri', `8000@127.0.0.1:${pbx.port}`],
      { timeoutS: 15 },
    );
    assert.equal(sipp.status, 0, `sipp failed:\n${sipp.stderr}\n${sipp.errors}\n${pbx.output().slice(-2000)}`);
    // The issue's bound: the lamp lights within 2 s of the caller hanging up (SIPp exits on the 200 to its BYE).
    const n = await phone.notify((x) => /Messages-Waiting: yes/.test(x.body), before, 2000);
    assert.match(n.body, /Voice-Message: 1\/0 \(0\/0\)\r\n/);
  });

  test('SUBSCRIBE message-summary: 200 with Expires, then a NOTIFY in the dialog; Expires 0 ends it', async () => {
    const callId = `mwi-${randomBytes(4).toString('hex')}`;
    const before = phone.notifies.length;
    const ok = await phone.subscribe('Secr3t-2000', { callId, expires: 600, cseq: 1 });
    assert.equal(ok.status, 200);
    assert.equal(header(ok, 'Expires'), '600');
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To') ?? '')?.[1];
    assert.ok(toTag, 'the 200 carries a To tag (a dialog)');
    const n = await phone.notify((x) => reqHeader(x, 'Call-ID') === callId, before);
    assert.match(reqHeader(n, 'Subscription-State') ?? '', /^active;expires=(600|599)$/);
    assert.match(reqHeader(n, 'To') ?? '', new RegExp(`tag=${phone.phone.tag}`));
    assert.match(n.body, /Messages-Waiting: (yes|no)\r\n/);
    const listed = pbx.rx('sip show subscriptions');
    assert.match(listed, new RegExp(`^2000\\s+127\\.0\\.0\\.1:\\d+\\s+${callId}\\s+mwi\\s+2000@default\\s+(600|599)\\s+`, 'm'));
    assert.match(listed, /^1 active SIP subscription$/m);

    const end = await phone.subscribe('Secr3t-2000', { callId, expires: 0, cseq: 3, toTag });
    assert.equal(end.status, 200);
    const last = await phone.notify((x) => reqHeader(x, 'Call-ID') === callId && /^terminated/.test(reqHeader(x, 'Subscription-State') ?? ''), before);
    assert.equal(reqHeader(last, 'Subscription-State'), 'terminated;reason=timeout');
    const gone = await phone.subscribe('Secr3t-2000', { callId, expires: 600, cseq: 5, toTag });
    assert.equal(gone.status, 481);
    assert.match(pbx.rx('sip show subscriptions'), /^0 active SIP subscriptions$/m);
  });

  test('SUBSCRIBE is authenticated like REGISTER: a wrong password gets 403 and no NOTIFY', async () => {
    const callId = `bad-${randomBytes(4).toString('hex')}`;
    const r = await phone.subscribe('not-the-password', { callId, expires: 600, cseq: 1 });
    assert.equal(r.status, 403);
    await sleep(300);
    assert.ok(!phone.notifies.some((x) => reqHeader(x, 'Call-ID') === callId));
  });

  test('SUBSCRIBE for another event package gets 489 Bad Event with Allow-Events', async () => {
    const r = await phone.subscribe('Secr3t-2000', { callId: `pres-${randomBytes(4).toString('hex')}`, event: 'presence', expires: 600, cseq: 1 });
    assert.equal(r.status, 489);
    assert.match(header(r, 'Allow-Events') ?? '', /message-summary/);
  });

  test('after the message is deleted with VoiceMailMain: NOTIFY no and 0/0', async (t) => {
    // The deposit test above left the message; without SIPp there is none to delete.
    if (!existsSync('/usr/share/sip-tester/g711a.pcap')) return t.skip('no message was left (SIPp not installed)');
    const before = phone.notifies.length;
    const c = await callAndAnswer(bob, '8500');
    await heard(c, 'vm-password');
    await c.digits(`${PIN}#`);
    await heard(c, 'vm-youhave');
    const mark = c.received.length;
    await c.digit('1');
    await heard(c, 'vm-repeat', mark);
    await c.digit('7');
    await heard(c, 'vm-deleted', mark);
    await c.digit('#');
    await c.awaitBye();
    const n = await phone.notify((x) => /Voice-Message: 0\/0 /.test(x.body), before, 5000);
    assert.match(n.body, /^Messages-Waiting: no\r\n/);
  });
});

describe('MWI on an analog phone (sim FXS port) on the bundle', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx({
      phones: { '2001': 'Secr3t-2001, Bob' },
      // The harness writes [system] and [phones]; the [analog] section rides after the last key.
      system: { rtp: '35800-35898', country: 'us\n\n[analog]\nbackend = sim\nfxs = 1\n1 = 2100' },
      files: {
        'extensions.conf': ['[phones]', 'exten => 8100,1,Answer()', ' same => n,VoiceMail(2100@default,s)', ' same => n,Hangup()', 'include => pbx-phones', ''].join('\n'),
        'voicemail.conf': '[default]\n2100 => 4711,Analog Phone\n',
      },
    });
  });
  after(async () => {
    await pbx.stop();
  });

  const row = (): string => pbx.rx('sim show').split('\n').find((l) => /^1\s+phone\b/.test(l)) ?? '';
  async function until(check: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  }

  test('no messages: plain dial tone; a message for 2100: VMWI on in sim show and stutter dial tone off hook', async (t) => {
    if (!existsSync('/usr/share/sip-tester/g711a.pcap')) return t.skip('SIPp (sip-tester) with its pcaps is not installed');
    pbx.rx('sim phone 1 offhook');
    await until(() => /dial tone/.test(row()));
    assert.match(row(), /offhook\s+dial tone/);
    assert.doesNotMatch(row(), /VMWI on/);
    pbx.rx('sim phone 1 onhook');

    const media = await freePort();
    const sipp = await runSipp(
      'call-auth-pcap.xml',
      pbx.port,
      ['-s', '8100', '-au', '2001', '-ap', 'Secr3t-2001', '-set', 'caller', '2001', '-mp', String(media), '-auth_uri', `8100@127.0.0.1:${pbx.port}`],
      { timeoutS: 15 },
    );
    assert.equal(sipp.status, 0, `sipp failed:\n${sipp.stderr}\n${sipp.errors}\n${pbx.output().slice(-2000)}`);
    await until(() => /VMWI on/.test(row()));
    assert.match(row(), /onhook\s+.*VMWI on/);
    pbx.rx('sim phone 1 offhook');
    await until(() => /stutter dial/.test(row()));
    assert.match(row(), /offhook\s+stutter dial/);
    pbx.rx('sim phone 1 onhook');
  });
});
