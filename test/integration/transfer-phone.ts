/**
 * What the transfer tests add to the raw phones of calls-phone.ts: a PBX started with registered
 * phones (PhoneRig), a steady tone sent as RTP (µ-law, 20 ms packets) and a check that a tone
 * arrives (two parties that hear each other), requests inside a call from either side of its
 * dialog (REFER, replies to the PBX's NOTIFYs), and a call answered by the callee.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeUlaw, ULAW_DECODE } from '../../src/media/g711.ts';
import { dominantFrequency, rms } from '../../src/media/goertzel.ts';
import { branch, hdr, mediaPort, parse, Phone, rtpPacket, sdp, type Call, type Inbox, type Msg } from './calls-phone.ts';
import { startPbx, type PbxOptions, type PbxProcess } from './harness.ts';
import { until } from './analog-phone.ts';

/** Alice (2000), Bob (2001) and Carol (2002) as startPbx's `phones` (secret, name). */
export const ALICE_BOB_CAROL: Record<string, string> = { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' };

/**
 * A PBX and raw phones registered on it (each answering MWI NOTIFYs itself), with the tones the
 * test started; close() stops the tones, closes the phones and stops the PBX.
 */
export class PhoneRig {
  private readonly tones: (() => void)[] = [];

  private constructor(
    readonly pbx: PbxProcess,
    private readonly phones: Phone[],
  ) {}

  /** Starts the PBX with `opts`; a phone for each of opts.phones and for each [user, secret] of `others` (sip.conf peers). */
  static async start(opts: PbxOptions, others: [string, string][] = []): Promise<PhoneRig> {
    const pbx = await startPbx(opts);
    const accounts = [...Object.entries(opts.phones ?? {}).map(([user, v]): [string, string] => [user, v.split(',')[0]!.trim()]), ...others];
    const rig = new PhoneRig(pbx, accounts.map(([user, secret]) => new Phone(user, secret, pbx.port)));
    try {
      for (const p of rig.phones) {
        await p.open();
        answerMwi(p);
      }
      for (const p of rig.phones) await p.register();
    } catch (e) {
      await rig.close();
      throw e;
    }
    return rig;
  }

  phone(user: string): Phone {
    const p = this.phones.find((x) => x.user === user);
    if (!p) throw new Error(`no phone ${user}`);
    return p;
  }

  /** sendTone, stopped by the returned function or at the latest by stopTones() or close(). */
  tone(phone: Phone, port: number, hz: number): () => void {
    const stop = sendTone(phone, port, hz);
    this.tones.push(stop);
    return stop;
  }

  stopTones(): void {
    for (const s of this.tones.splice(0)) s();
  }

  /** The BYE of call `callId` (stale retransmissions of earlier calls are skipped), answered 200. */
  async byeOf(phone: Phone, callId: string, ms = 8000): Promise<Msg> {
    const bye = await phone.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === callId, ms);
    phone.reply(bye, 200, 'OK');
    return bye;
  }

  /** Waits until the PBX has no channels left. */
  async idle(): Promise<void> {
    await until('no channels', () => (/^0 active channels/m.test(this.pbx.rx('core show channels')) ? true : undefined), 8000);
  }

  /** `phone` hangs up its call `c` (`ok`: the PBX's 200): 200 to its BYE, the BYE of `far`'s call `farCallId` answered, no channels left. */
  async hangUp(phone: Phone, c: Call, ok: Msg, far: Phone, farCallId: string): Promise<void> {
    phone.bye(c, hdr(ok, 'Contact'));
    await phone.response('BYE', 200);
    await this.byeOf(far, farCallId);
    await this.idle();
  }

  async close(): Promise<void> {
    this.stopTones();
    for (const p of this.phones) p.close();
    await this.pbx.stop();
  }
}

/** A call `caller` placed to `exten`, answered by `callee`: both sides and the PBX's media port for the caller. */
export interface AnsweredCall {
  c: Call;
  /** The PBX's 200 to the caller's INVITE. */
  ok: Msg;
  /** The callee's leg. */
  leg: Answered;
  toCaller: number;
}

export async function callAnswered(caller: Phone, callee: Phone, exten: string): Promise<AnsweredCall> {
  const c = await caller.invite(exten, sdp(caller.media.port, [0, 101]));
  const leg = await answerNext(callee);
  const ok = await caller.response('INVITE', 200, 5000, c.callId);
  caller.ack(c, ok);
  return { c, ok, leg, toCaller: mediaPort(ok.body) };
}

/** One side of a conversation for talk(): the phone, the PBX media port it sends to, its tone, its name in messages. */
export interface Party {
  phone: Phone;
  port: number;
  hz: number;
  name: string;
}

/** `a` and `b` each send their tone; `b` must hear `a`, then `a` must hear `b`. Both tones stop afterwards. */
export async function talk(a: Party, b: Party, when = ''): Promise<void> {
  const stopA = sendTone(a.phone, a.port, a.hz);
  const stopB = sendTone(b.phone, b.port, b.hz);
  try {
    assert.ok(await hears(b.phone.media, a.hz), `${b.name} hears ${a.name}${when}`);
    assert.ok(await hears(a.phone.media, b.hz), `${a.name} hears ${b.name}${when}`);
  } finally {
    stopA();
    stopB();
  }
}

/** Sends a tone of `hz` from `phone`'s media socket to the PBX's `port` every 20 ms until stopped. */
export function sendTone(phone: Phone, port: number, hz: number): () => void {
  let seq = Math.floor(Math.random() * 1000);
  let n = 0;
  const timer = setInterval(() => {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(9000 * Math.sin((2 * Math.PI * hz * n) / 8000));
    phone.media.send(rtpPacket(seq++ & 0xffff, 0, Buffer.from(encodeUlaw(pcm))), port);
  }, 20);
  return () => clearInterval(timer);
}

/** A µ-law packet carrying a loud tone within 40 Hz of `hz`. */
export function carries(hz: number): (pkt: Buffer) => boolean {
  return (pkt) => {
    if ((pkt[1]! & 0x7f) !== 0 || pkt.length < 172) return false;
    const s = new Int16Array(pkt.length - 12);
    for (let i = 0; i < s.length; i++) s[i] = ULAW_DECODE[pkt[12 + i]!]!;
    return rms(s) > 500 && Math.abs(dominantFrequency(s, { minHz: 300, maxHz: 3000 }).hz - hz) <= 40;
  };
}

/** Whether `inbox` receives a packet of the tone `hz` within ms. */
export async function hears(inbox: Inbox, hz: number, ms = 4000): Promise<boolean> {
  return (await inbox.take(carries(hz), ms)) !== undefined;
}

/** A call the PBX placed to `phone`, answered by it: the INVITE, our tag, the PBX's media port. */
export interface Answered {
  inv: Msg;
  tag: string;
  pbxMedia: number;
  /** CSeq of our next request in this dialog. */
  cseq: number;
}

export async function answerNext(phone: Phone): Promise<Answered> {
  const inv = await phone.request('INVITE');
  const tag = `t${randomBytes(3).toString('hex')}`;
  phone.reply(inv, 200, 'OK', { toTag: tag, body: sdp(phone.media.port, [0, 101]) });
  await phone.request('ACK');
  return { inv, tag, pbxMedia: mediaPort(inv.body), cseq: 1 };
}

/** A request from the callee side of a dialog the PBX started (our tag in From, the PBX's in To). */
export function calleeRequest(phone: Phone, a: Answered, method: string, headers: string[]): void {
  const dialog = { from: `${hdr(a.inv, 'To')};tag=${a.tag}`, to: hdr(a.inv, 'From'), callId: hdr(a.inv, 'Call-ID'), cseq: a.cseq++ };
  inDialogRequest(phone, hdr(a.inv, 'Contact'), dialog, method, headers);
}

/** A request from the caller side of a call `phone` placed (`ok` is the PBX's 200 to its INVITE). */
export function callerRequest(phone: Phone, c: Call, ok: Msg, method: string, headers: string[]): void {
  const dialog = { from: `"Alice" <sip:${phone.user}@127.0.0.1>;tag=${c.fromTag}`, to: `<sip:${c.exten}@127.0.0.1>;tag=${c.toTag}`, callId: c.callId, cseq: phone.cseq++ };
  inDialogRequest(phone, hdr(ok, 'Contact'), dialog, method, headers);
}

/** Sends `method` inside a dialog to the PBX's `contact` (a Contact header value) with our From, To, Call-ID and CSeq number. */
function inDialogRequest(phone: Phone, contact: string, d: { from: string; to: string; callId: string; cseq: number }, method: string, headers: string[]): void {
  phone.send(
    [
      `${method} ${/<([^>]+)>/.exec(contact)?.[1] ?? contact} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${phone.sip.port};branch=${branch()};rport`,
      `From: ${d.from}`,
      `To: ${d.to}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${d.cseq} ${method}`,
      `Contact: <sip:${phone.user}@127.0.0.1:${phone.sip.port}>`,
      ...headers,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * The phone answers the PBX's MWI NOTIFYs (Event: message-summary) by itself, as it answers
 * qualify OPTIONS, so that only the NOTIFYs of a transfer reach the test.
 */
export function answerMwi(phone: Phone): void {
  const before = phone.sip.intercept;
  phone.sip.intercept = (m) => {
    if (before?.(m)) return true;
    const text = m.toString('latin1');
    if (!text.startsWith('NOTIFY ') || !/^Event:\s*message-summary/im.test(text)) return false;
    phone.reply(parse(text), 200, 'OK');
    return true;
  };
}

/** The next NOTIFY of a REFER subscription, answered 200; returns it. */
export async function nextNotify(phone: Phone, ms = 5000): Promise<Msg> {
  const n = await phone.request('NOTIFY', ms);
  phone.reply(n, 200, 'OK');
  return n;
}

/** NOTIFYs until the one that ends the subscription (Subscription-State: terminated); all of them in order. */
export async function notifiesUntilFinal(phone: Phone): Promise<Msg[]> {
  const out: Msg[] = [];
  for (;;) {
    const n = await nextNotify(phone);
    out.push(n);
    if (/^terminated/i.test(hdr(n, 'Subscription-State'))) return out;
  }
}

/**
 * Types `digits` as RFC 4733 telephone-events (payload type 101) from `phone`'s media socket to
 * the PBX's `port`: per digit three packets in progress and three end packets (the end is sent
 * three times, RFC 4733 2.5.1.4), 60 ms apart from the next digit.
 */
export async function typeDigits(phone: Phone, port: number, digits: string): Promise<void> {
  let seq = 5000 + Math.floor(Math.random() * 1000);
  let ts = 160_000 + Math.floor(Math.random() * 1000) * 160;
  for (const d of digits) {
    const event = '0123456789*#'.indexOf(d);
    if (event < 0) throw new Error(`not a DTMF digit: ${d}`);
    for (let i = 1; i <= 6; i++) {
      const end = i > 3;
      const payload = Buffer.alloc(4);
      payload[0] = event;
      payload[1] = (end ? 0x80 : 0) | 10;
      payload.writeUInt16BE(Math.min(i, 4) * 400, 2);
      const pkt = rtpPacket(seq++ & 0xffff, 101, payload);
      pkt.writeUInt32BE(ts >>> 0, 4);
      if (i === 1) pkt[1] = pkt[1]! | 0x80;
      phone.media.send(pkt, port);
      await new Promise((r) => setTimeout(r, 20));
    }
    ts += 1600;
    await new Promise((r) => setTimeout(r, 60));
  }
}

/** Whether a telephone-event packet (payload type 101) of `digit` reaches `inbox` within ms. */
export async function receivesDigit(inbox: Inbox, digit: string, ms = 2000): Promise<boolean> {
  const event = '0123456789*#'.indexOf(digit);
  return (await inbox.take((p) => (p[1]! & 0x7f) === 101 && p[12] === event, ms)) !== undefined;
}
