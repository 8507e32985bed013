/**
 * Raw UDP phones for the call tests, written independently of src/sip so the tests do not check
 * our SIP stack with itself: a SIP socket and a media socket per phone, REGISTER and INVITE with
 * digest auth, ACK/CANCEL/BYE, replies to requests from the PBX, and RTP packet building.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { digestAnswer } from './raw-sip.ts';
import { startPbx, type PbxOptions, type PbxProcess } from './harness.ts';

export interface Msg {
  first: string;
  headers: [string, string][];
  body: string;
  raw: string;
}

export function parse(raw: string): Msg {
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
export const hdr = (m: Msg, name: string): string => m.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? '';
export const statusOf = (m: Msg): number => Number(/^SIP\/2\.0 (\d{3})/.exec(m.first)?.[1] ?? 0);
export const branch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;

export function sdp(port: number, pts: number[] = [0, 8, 101]): string {
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

export function mediaPort(body: string): number {
  return Number(/m=audio (\d+)/.exec(body)?.[1]);
}

export function rtpPacket(seq: number, pt: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(seq * 160, 4);
  h.writeUInt32BE(0x1234abcd, 8);
  return Buffer.concat([h, payload]);
}

/** A UDP socket that collects datagrams; next() waits for one matching a predicate. */
export class Inbox {
  readonly sock: Socket = createSocket('udp4');
  port = 0;
  private items: Buffer[] = [];
  private waiters: (() => void)[] = [];
  /** Answers some datagrams itself (true: not queued), e.g. a phone's replies to qualify OPTIONS. */
  intercept: ((m: Buffer) => boolean) | undefined;
  constructor() {
    this.sock.on('message', (m) => {
      if (this.intercept?.(m)) return;
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
export class Phone {
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
    // A real phone answers the PBX's qualify OPTIONS; one that does not becomes UNREACHABLE
    // and, as in Asterisk, cannot be dialled any more.
    this.sip.intercept = (m) => {
      const text = m.toString('latin1');
      if (!text.startsWith('OPTIONS ')) return false;
      this.reply(parse(text), 200, 'OK');
      return true;
    };
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
  /** The next response to `cseqMethod` (with `status`; of call `callId`: a late retransmission of another call's answer is skipped). */
  response(cseqMethod: string, status?: number, ms = 5000, callId?: string): Promise<Msg> {
    return this.next(
      (m) =>
        m.first.startsWith('SIP/2.0') &&
        hdr(m, 'CSeq').endsWith(cseqMethod) &&
        (status === undefined || statusOf(m) === status) &&
        (callId === undefined || hdr(m, 'Call-ID') === callId),
      ms,
    );
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
  async invite(exten: string, body: string, password = this.password, extra: Partial<Call> = {}): Promise<Call> {
    const call: Call = { callId: randomBytes(6).toString('hex'), fromTag: this.tag, exten, cseq: this.cseq++, branch: branch(), body, toTag: '', ...extra };
    this.send(this.inviteText(call));
    const ch = await this.response('INVITE', 401, 5000, call.callId);
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
      `Max-Forwards: ${c.maxForwards ?? 70}`,
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

export interface Call {
  callId: string;
  fromTag: string;
  exten: string;
  cseq: number;
  branch: string;
  body: string;
  toTag: string;
  auth?: string;
  maxForwards?: number;
}

/** A request inside an answered call from the caller's side (re-INVITE, UPDATE, BYE ...). */
export function inDialogText(phone: Phone, c: Call, method: string, contact: string, body = '', cseq = phone.cseq++): string {
  const uri = /<([^>]+)>/.exec(contact)?.[1] ?? contact;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${phone.sip.port};branch=${branch()};rport`,
    `From: "Alice" <sip:${phone.user}@127.0.0.1>;tag=${c.fromTag}`,
    `To: <sip:${c.exten}@127.0.0.1>;tag=${c.toTag}`,
    `Call-ID: ${c.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:${phone.user}@127.0.0.1:${phone.sip.port}>`,
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** sdp() with another direction attribute (hold: sendonly, inactive). */
export function sdpWith(port: number, direction: string, pts: number[] = [0, 101]): string {
  return sdp(port, pts).replace('a=sendrecv', `a=${direction}`);
}

/**
 * The set-up of the two-party call tests: a PBX started with `opts` (startPbx's Alice and Bob by
 * default), Alice (2000) open as the caller (she authenticates her INVITEs, unregistered) and
 * Bob (2001) open and registered so that SIP/2001 reaches him. close() closes both phones and
 * stops the PBX (also after the test stopped it).
 */
export interface AliceAndBob {
  pbx: PbxProcess;
  alice: Phone;
  bob: Phone;
  close(): Promise<void>;
}

export async function startAliceAndBob(opts: PbxOptions = {}): Promise<AliceAndBob> {
  const pbx = await startPbx(opts);
  const alice = new Phone('2000', 'Secr3t-2000', pbx.port);
  const bob = new Phone('2001', 'Secr3t-2001', pbx.port);
  const close = async (): Promise<void> => {
    alice.close();
    bob.close();
    await pbx.stop();
  };
  try {
    await alice.open();
    await bob.open();
    await bob.register();
  } catch (e) {
    await close();
    throw e;
  }
  return { pbx, alice, bob, close };
}
