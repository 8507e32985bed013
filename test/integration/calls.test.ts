/**
 * Calls from outside, on the bundle: two raw UDP phones (a caller with digest auth and a callee
 * registered as 2001) talk through the PBX; RTP sent by one arrives at the other; CANCEL, busy,
 * codec mismatch, unknown numbers and unregistered phones give the caller the right final
 * response; 600 echoes RTP payloads; the console lists and hangs up channels.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { freePort, runSipp, sleep, startPbx, type PbxProcess } from './harness.ts';
import { digestAnswer } from './raw-sip.ts';

interface Msg {
  first: string;
  headers: [string, string][];
  body: string;
  raw: string;
}

function parse(raw: string): Msg {
  const i = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, i).split('\r\n');
  return {
    first: head[0],
    headers: head.slice(1).map((l) => {
      const j = l.indexOf(':');
      return [l.slice(0, j).trim(), l.slice(j + 1).trim()] as [string, string];
    }),
    body: raw.slice(i + 4),
    raw,
  };
}
const hdr = (m: Msg, name: string): string => m.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? '';
const statusOf = (m: Msg): number => Number(/^SIP\/2\.0 (\d{3})/.exec(m.first)?.[1] ?? 0);
const branch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;

function sdp(port: number, pts: number[] = [0, 8, 101]): string {
  const names: Record<number, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000', 18: 'G729/8000', 101: 'telephone-event/8000' };
  return [
    'v=0',
    `o=ua 1 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts.join(' ')}`,
    ...pts.map((pt) => `a=rtpmap:${pt} ${names[pt]}`),
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function mediaPort(body: string): number {
  return Number(/m=audio (\d+)/.exec(body)?.[1]);
}

function rtpPacket(seq: number, pt: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(seq * 160, 4);
  h.writeUInt32BE(0x1234abcd, 8);
  return Buffer.concat([h, payload]);
}

/** A UDP socket that collects datagrams; next() waits for one matching a predicate. */
class Inbox {
  readonly sock: Socket = createSocket('udp4');
  port = 0;
  private items: Buffer[] = [];
  private waiters: (() => void)[] = [];
  constructor() {
    this.sock.on('message', (m) => {
      this.items.push(m);
      for (const w of [...this.waiters]) w();
    });
  }
  bind(): Promise<void> {
    return new Promise((r) => this.sock.bind(0, '127.0.0.1', () => ((this.port = this.sock.address().port), r())));
  }
  send(data: string | Buffer, port: number): void {
    this.sock.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, port, '127.0.0.1');
  }
  take(pred: (b: Buffer) => boolean, ms = 5000): Promise<Buffer | undefined> {
    return new Promise((res) => {
      const check = (): boolean => {
        const i = this.items.findIndex(pred);
        if (i < 0) return false;
        const [b] = this.items.splice(i, 1);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(t);
        res(b);
        return true;
      };
      const waiter = (): void => void check();
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        res(undefined);
      }, ms);
      this.waiters.push(waiter);
      check();
    });
  }
  close(): void {
    this.sock.close();
  }
}

/** A minimal SIP phone on UDP: REGISTER, INVITE with digest, answer incoming INVITEs. */
class Phone {
  readonly sip = new Inbox();
  readonly media = new Inbox();
  readonly tag = randomBytes(4).toString('hex');
  cseq = 1;
  constructor(
    readonly user: string,
    readonly password: string,
    readonly pbxPort: number,
  ) {}
  async open(): Promise<void> {
    await this.sip.bind();
    await this.media.bind();
  }
  close(): void {
    this.sip.close();
    this.media.close();
  }
  send(text: string): void {
    this.sip.send(text, this.pbxPort);
  }
  async next(pred: (m: Msg) => boolean, ms = 5000): Promise<Msg> {
    const b = await this.sip.take((d) => pred(parse(d.toString('latin1'))), ms);
    if (!b) throw new Error(`${this.user}: expected message did not arrive`);
    return parse(b.toString('latin1'));
  }
  response(cseqMethod: string, status?: number, ms = 5000): Promise<Msg> {
    return this.next((m) => m.first.startsWith('SIP/2.0') && hdr(m, 'CSeq').endsWith(cseqMethod) && (status === undefined || statusOf(m) === status), ms);
  }
  request(method: string, ms = 5000): Promise<Msg> {
    return this.next((m) => m.first.startsWith(`${method} `), ms);
  }
  async register(): Promise<void> {
    const callId = randomBytes(6).toString('hex');
    const reg = (auth?: string): string =>
      [
        `REGISTER sip:127.0.0.1:${this.pbxPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.port};branch=${branch()};rport`,
        `From: <sip:${this.user}@127.0.0.1>;tag=${this.tag}`,
        `To: <sip:${this.user}@127.0.0.1>`,
        `Call-ID: ${callId}`,
        `CSeq: ${this.cseq++} REGISTER`,
        `Contact: <sip:${this.user}@127.0.0.1:${this.sip.port}>`,
        'Expires: 300',
        ...(auth ? [`Authorization: ${auth}`] : []),
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    this.send(reg());
    const ch = await this.response('REGISTER', 401);
    this.send(reg(digestAnswer(hdr(ch, 'WWW-Authenticate'), this.user, this.password, `sip:127.0.0.1:${this.pbxPort}`)));
    await this.response('REGISTER', 200);
  }
  /** Sends an INVITE, answers the 401 with credentials; returns what the final INVITE carried. */
  async invite(exten: string, body: string, password = this.password): Promise<Call> {
    const call: Call = { callId: randomBytes(6).toString('hex'), fromTag: this.tag, exten, cseq: this.cseq++, branch: branch(), body, toTag: '' };
    this.send(this.inviteText(call));
    const ch = await this.response('INVITE', 401);
    this.ack(call, ch);
    call.cseq = this.cseq++;
    call.branch = branch();
    call.auth = digestAnswer(hdr(ch, 'WWW-Authenticate'), this.user, password, `sip:${exten}@127.0.0.1:${this.pbxPort}`, 'INVITE');
    this.send(this.inviteText(call));
    return call;
  }
  inviteText(c: Call): string {
    return [
      `INVITE sip:${c.exten}@127.0.0.1:${this.pbxPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.port};branch=${c.branch};rport`,
      `From: "Alice" <sip:${this.user}@127.0.0.1>;tag=${c.fromTag}`,
      `To: <sip:${c.exten}@127.0.0.1>`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${c.cseq} INVITE`,
      `Contact: <sip:${this.user}@127.0.0.1:${this.sip.port}>`,
      ...(c.auth ? [`Authorization: ${c.auth}`] : []),
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(c.body)}`,
      '',
      c.body,
    ].join('\r\n');
  }
  /** ACK for a final response to the INVITE (non-2xx: same branch; 2xx: new branch, To tag). */
  ack(c: Call, res: Msg): void {
    const ok = statusOf(res) < 300;
    this.send(
      [
        `ACK sip:${c.exten}@127.0.0.1:${this.pbxPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.port};branch=${ok ? branch() : c.branch};rport`,
        `From: "Alice" <sip:${this.user}@127.0.0.1>;tag=${c.fromTag}`,
        `To: ${hdr(res, 'To')}`,
        `Call-ID: ${c.callId}`,
        `CSeq: ${c.cseq} ACK`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    if (ok) c.toTag = /tag=([^;>\s]+)/.exec(hdr(res, 'To'))?.[1] ?? '';
  }
  cancel(c: Call): void {
    this.send(
      [
        `CANCEL sip:${c.exten}@127.0.0.1:${this.pbxPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.port};branch=${c.branch};rport`,
        `From: "Alice" <sip:${this.user}@127.0.0.1>;tag=${c.fromTag}`,
        `To: <sip:${c.exten}@127.0.0.1>`,
        `Call-ID: ${c.callId}`,
        `CSeq: ${c.cseq} CANCEL`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }
  bye(c: Call, contact: string): void {
    const uri = /<([^>]+)>/.exec(contact)?.[1] ?? contact;
    this.send(
      [
        `BYE ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.port};branch=${branch()};rport`,
        `From: "Alice" <sip:${this.user}@127.0.0.1>;tag=${c.fromTag}`,
        `To: <sip:${c.exten}@127.0.0.1>;tag=${c.toTag}`,
        `Call-ID: ${c.callId}`,
        `CSeq: ${this.cseq++} BYE`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }
  /** Answer a request received from the PBX (copying the dialog headers). */
  reply(req: Msg, status: number, reason: string, opts: { toTag?: string; body?: string } = {}): void {
    const keep = req.headers.filter(([n]) => /^(via|from|call-id|cseq)$/i.test(n)).map(([n, v]) => `${n}: ${v}`);
    const to = hdr(req, 'To') + (opts.toTag && !/tag=/.test(hdr(req, 'To')) ? `;tag=${opts.toTag}` : '');
    const body = opts.body ?? '';
    this.send(
      [
        `SIP/2.0 ${status} ${reason}`,
        ...keep,
        `To: ${to}`,
        `Contact: <sip:${this.user}@127.0.0.1:${this.sip.port}>`,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
  }
}

interface Call {
  callId: string;
  fromTag: string;
  exten: string;
  cseq: number;
  branch: string;
  body: string;
  toTag: string;
  auth?: string;
}

describe('calls through the PBX', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  before(async () => {
    pbx = await startPbx({ phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' } });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    await alice.open();
    await bob.open();
    await bob.register();
  });
  after(async () => {
    alice.close();
    bob.close();
    await pbx.stop();
  });

  test('2000 calls 2001: ringing relayed, answer bridged, RTP both ways through the PBX, BYE passed on', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    assert.match(hdr(inv, 'From'), /sip:2000@/);
    assert.match(inv.body, /m=audio \d+ RTP\/AVP 0 101/, 'the callee is offered the caller\'s codec and telephone-event');
    const pbxToBob = mediaPort(inv.body);
    bob.reply(inv, 180, 'Ringing', { toTag: 'bobtag' });
    await alice.response('INVITE', 180);
    assert.match(pbx.rx('core show channels'), /SIP\/2000-[0-9a-f]{8}\s+2001@\S+\s+Ringing\s+Dial\(SIP\/2001,20\)/);
    bob.reply(inv, 200, 'OK', { toTag: 'bobtag', body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    assert.match(ok.body, /m=audio \d+ RTP\/AVP 0 101/);
    const pbxToAlice = mediaPort(ok.body);
    assert.ok(pbxToAlice >= 31000 && pbxToAlice <= 31100, 'the PBX answers with a port from the rtp range');

    const payload = Buffer.alloc(160, 0x55);
    for (let i = 0; i < 3; i++) alice.media.send(rtpPacket(100 + i, 0, payload), pbxToAlice);
    const atBob = await bob.media.take(() => true);
    assert.ok(atBob, 'RTP from the caller reaches the callee');
    assert.deepEqual(atBob.subarray(12), payload);
    bob.media.sock.send(rtpPacket(7, 0, Buffer.alloc(160, 0x22)), pbxToBob, '127.0.0.1');
    const atAlice = await alice.media.take(() => true);
    assert.ok(atAlice, 'RTP from the callee reaches the caller');
    assert.deepEqual(atAlice.subarray(12), Buffer.alloc(160, 0x22));

    const shown = pbx.rx('core show channels');
    assert.match(shown, /2 active channels/);
    const concise = pbx.rx('core show channels concise');
    assert.match(concise, /^SIP\/2000-[0-9a-f]{8}!\S+!2001!1!Up!Dial!SIP\/2001,20!2000!.*!SIP\/2001-[0-9a-f]{8}!/m);
    alice.bye(call, hdr(ok, 'Contact'));
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await alice.response('BYE', 200);
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('the callee hanging up sends BYE to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 200, 'OK', { toTag: 'bob2', body: sdp(bob.media.port, [0]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    bob.send(
      [
        `BYE ${/<([^>]+)>/.exec(hdr(inv, 'Contact'))?.[1]} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${bob.sip.port};branch=${branch()};rport`,
        `From: ${hdr(inv, 'To')};tag=bob2`,
        `To: ${hdr(inv, 'From')}`,
        `Call-ID: ${hdr(inv, 'Call-ID')}`,
        'CSeq: 2 BYE',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await bob.response('BYE', 200);
    const bye = await alice.request('BYE');
    alice.reply(bye, 200, 'OK');
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('CANCEL before the answer: 487 to the caller, CANCEL to the callee', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 180, 'Ringing', { toTag: 'bob3' });
    await alice.response('INVITE', 180);
    alice.cancel(call);
    await alice.response('CANCEL', 200);
    const final = await alice.response('INVITE', 487);
    alice.ack(call, final);
    const cancel = await bob.request('CANCEL');
    bob.reply(cancel, 200, 'OK');
    bob.reply(inv, 487, 'Request Terminated', { toTag: 'bob3' });
    await bob.request('ACK');
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('busy callee (486) gives 486 to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 486, 'Busy Here', { toTag: 'bob4' });
    await bob.request('ACK');
    const final = await alice.response('INVITE', 486);
    alice.ack(call, final);
  });

  test('callee answering 480 gives 480 to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 480, 'Temporarily Unavailable', { toTag: 'bob5' });
    await bob.request('ACK');
    alice.ack(call, await alice.response('INVITE', 480));
  });

  test('an offer with only G.729 gets 488', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port, [18]));
    alice.ack(call, await alice.response('INVITE', 488));
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('a malformed SDP offer gets 400 with a reason', async () => {
    const call = await alice.invite('2001', 'v=0\r\nthis is not sdp\r\n');
    const res = await alice.next((m) => m.first.startsWith('SIP/2.0 4') && hdr(m, 'CSeq').endsWith('INVITE'));
    alice.ack(call, res);
    assert.match(res.first, /^SIP\/2\.0 (400|488) \S/);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('a number that is not a phone gets 404; an unregistered phone gets 480', async () => {
    const c1 = await alice.invite('7777', sdp(alice.media.port));
    alice.ack(c1, await alice.response('INVITE', 404));
    const c2 = await alice.invite('2002', sdp(alice.media.port));
    alice.ack(c2, await alice.response('INVITE', 480));
  });

  test('a wrong password gets 403 and no call', async () => {
    const c = await alice.invite('2001', sdp(alice.media.port), 'wrong-password');
    alice.ack(c, await alice.response('INVITE', 403));
  });

  test('600 echoes every RTP payload back', async () => {
    const call = await alice.invite('600', sdp(alice.media.port, [8, 101]));
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    assert.match(ok.body, /m=audio \d+ RTP\/AVP 8 101/);
    const port = mediaPort(ok.body);
    const payloads = [Buffer.alloc(160, 0x11), Buffer.alloc(160, 0x77)];
    payloads.forEach((p, i) => alice.media.send(rtpPacket(500 + i, 8, p), port));
    for (const p of payloads) {
      const back = await alice.media.take((b) => b.subarray(12).equals(p));
      assert.ok(back, 'payload echoed');
      assert.equal(back[1]! & 0x7f, 8, 'with the negotiated payload type');
    }
    // RFC 4733 digit 5: begin, then three end packets; the echo sends the digit back as events.
    const ev = (end: boolean, dur: number): Buffer => Buffer.from([5, end ? 0x8a : 0x0a, dur >> 8, dur & 0xff]);
    const evPacket = (seq: number, end: boolean, dur: number): Buffer => {
      const p = rtpPacket(seq, 101, ev(end, dur));
      p.writeUInt32BE(1_000_000, 4);
      return p;
    };
    alice.media.send(evPacket(600, false, 160), port);
    for (let i = 0; i < 3; i++) alice.media.send(evPacket(601 + i, true, 800), port);
    const digit = await alice.media.take((b) => (b[1]! & 0x7f) === 101 && b[12] === 5);
    assert.ok(digit, 'DTMF 5 echoed as telephone-event');
    assert.match(pbx.rx('core show channels'), /SIP\/2000-[0-9a-f]{8}\s+600@\S+\s+Up\s+Echo\(\)/);
    assert.match(pbx.rx('channel request hangup all'), /Requested Hangup on 1 channel/);
    const bye = await alice.request('BYE');
    alice.reply(bye, 200, 'OK');
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('two contacts of 2001 ring in parallel: the first to answer gets the call, the other gets CANCEL', async () => {
    const bob2 = new Phone('2001', 'Secr3t-2001', pbx.port);
    await bob2.open();
    try {
      await bob2.register();
      const call = await alice.invite('2001', sdp(alice.media.port));
      const inv1 = await bob.request('INVITE');
      const inv2 = await bob2.request('INVITE');
      bob.reply(inv1, 180, 'Ringing', { toTag: 'fork1' });
      bob2.reply(inv2, 180, 'Ringing', { toTag: 'fork2' });
      await alice.response('INVITE', 180);
      bob2.reply(inv2, 200, 'OK', { toTag: 'fork2', body: sdp(bob2.media.port, [0]) });
      await bob2.request('ACK');
      const cancel = await bob.request('CANCEL');
      bob.reply(cancel, 200, 'OK');
      bob.reply(inv1, 487, 'Request Terminated', { toTag: 'fork1' });
      await bob.request('ACK');
      const ok = await alice.response('INVITE', 200);
      alice.ack(call, ok);
      alice.media.send(rtpPacket(1, 0, Buffer.alloc(160, 0x33)), mediaPort(ok.body));
      assert.ok(await bob2.media.take(() => true), 'media goes to the phone that answered');
      alice.bye(call, hdr(ok, 'Contact'));
      const bye = await bob2.request('BYE');
      bob2.reply(bye, 200, 'OK');
      await alice.response('BYE', 200);
    } finally {
      bob2.close();
    }
  });

  test('SIPp calls 2001 with digest auth and plays a G.711 A-law pcap: the RTP arrives at the callee', async () => {
    const mediaPortSipp = await freePort();
    const sipp = runSipp('call-auth-pcap.xml', pbx.port, ['-s', '2001', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(mediaPortSipp), '-auth_uri', `2001@127.0.0.1:${pbx.port}`], { timeoutS: 15 });
    const inv = await bob.request('INVITE', 8000).catch(async (e: unknown) => {
      const r = await sipp;
      throw new Error(`${String(e)}; sipp exited ${r.status}:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-2000)}`);
    });
    assert.match(inv.body, /RTP\/AVP 8\b/, 'the callee is offered the caller\'s A-law');
    bob.reply(inv, 200, 'OK', { toTag: 'sipp1', body: sdp(bob.media.port, [8]) });
    await bob.request('ACK');
    // Earlier tests may have left µ-law packets in bob's queue; the pcap's are A-law (PT 8).
    const first = await bob.media.take((b) => (b[1]! & 0x7f) === 8, 5000);
    assert.ok(first, 'pcap RTP (A-law) reaches the callee through the PBX');
    const bye = await bob.request('BYE', 8000);
    bob.reply(bye, 200, 'OK');
    const r = await sipp;
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
  });
});
