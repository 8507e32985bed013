/**
 * Sets up many calls through the PBX from one UDP socket per side, so the relay bench knows
 * every leg's media ports: the caller side sends INVITE (digest-challenged, answered with
 * credentials) with the generator's caller-leg port in its SDP and reads the PBX's port from the
 * 200 OK; the callee side is the static sip.conf peer the PBX dials, answering each INVITE at once
 * with 200 OK and the generator's callee-leg port, reading the PBX's port from the INVITE.
 * hangupAll() sends BYE for every call. Written apart from src/sip (like test/integration's
 * phones) so the bench does not measure our stack with itself.
 *
 * The PBX's INVITE to the callee is matched to its call by the caller's number in From: every
 * call has its own caller phone. Requests are retransmitted (T1 = 500 ms doubling, 4 tries)
 * and every wait is bounded.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { digestAnswer } from '../../test/integration/raw-sip.ts';
import type { LoadUser } from '../lib/pbx.ts';

interface Msg {
  first: string;
  status: number;
  method: string;
  headers: Map<string, string>;
  body: string;
}

function parse(raw: string): Msg | undefined {
  const i = raw.indexOf('\r\n\r\n');
  if (i < 0) return undefined;
  const lines = raw.slice(0, i).split('\r\n');
  const first = lines[0] ?? '';
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const j = l.indexOf(':');
    if (j > 0) {
      const name = l.slice(0, j).trim().toLowerCase();
      // Keep the first Via only (responses to our requests carry ours on top).
      if (!headers.has(name)) headers.set(name, l.slice(j + 1).trim());
    }
  }
  const status = /^SIP\/2\.0 (\d{3})/.exec(first);
  return { first, status: status ? Number(status[1]) : 0, method: status ? '' : (first.split(' ')[0] ?? ''), headers, body: raw.slice(i + 4) };
}

const h = (m: Msg, name: string): string => m.headers.get(name) ?? '';
const branch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;
const audioPort = (body: string): number => Number(/m=audio (\d+)/.exec(body)?.[1] ?? NaN);

function sdp(port: number): string {
  return ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

export interface BulkCall {
  index: number;
  user: LoadUser;
  callee: string;
  callId: string;
  fromTag: string;
  toTag: string;
  remoteTarget: string;
  cseq: number;
  /** The PBX's RTP ports: towards the caller (from its 200 OK), towards the callee (from its INVITE). */
  pbxCallerPort: number;
  pbxCalleePort: number;
}

interface Pending {
  match(m: Msg): boolean;
  resolve(m: Msg): void;
}

export class BulkCalls {
  private readonly uac: Socket = createSocket('udp4');
  private readonly uas: Socket = createSocket('udp4');
  uacPort = 0;
  uasPort = 0;
  pbxPort = 0;
  private pending: Pending[] = [];
  /** Callee side: per caller number, the call waiting for the PBX's INVITE. */
  private awaitingInvite = new Map<string, { genPort: number; got(port: number): void }>();
  /** Callee side: the 200 OK sent per Call-ID, re-sent when the PBX retransmits its INVITE. */
  private answered = new Map<string, string>();
  /** Caller side: the ACK sent for each call's 200 OK, re-sent when the PBX retransmits the 200. */
  private acks = new Map<string, string>();
  readonly calls: BulkCall[] = [];
  failures: string[] = [];

  async open(): Promise<void> {
    this.uac.on('message', (b) => this.onUac(b.toString('latin1')));
    this.uas.on('message', (b, r) => this.onUas(b.toString('latin1'), r.port));
    await new Promise<void>((r) => this.uac.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => this.uas.bind(0, '127.0.0.1', () => r()));
    this.uacPort = this.uac.address().port;
    this.uasPort = this.uas.address().port;
  }

  close(): void {
    this.uac.close();
    this.uas.close();
  }

  private onUac(raw: string): void {
    const m = parse(raw);
    if (!m) return;
    if (m.status === 0) {
      // A request from the PBX to a caller (BYE when the PBX hangs up, OPTIONS): 200 OK.
      this.reply(this.uac, this.pbxPort, m, 200, 'OK');
      return;
    }
    const i = this.pending.findIndex((p) => p.match(m));
    if (i >= 0) {
      const [p] = this.pending.splice(i, 1);
      p?.resolve(m);
      return;
    }
    // A retransmitted 200 OK: our ACK was lost (or is late); send it again.
    const ack = this.acks.get(h(m, 'call-id'));
    if (ack && m.status === 200 && h(m, 'cseq').endsWith('INVITE')) this.uac.send(Buffer.from(ack, 'latin1'), this.pbxPort, '127.0.0.1');
  }

  private onUas(raw: string, from: number): void {
    const m = parse(raw);
    if (!m || m.status !== 0) return;
    const callId = h(m, 'call-id');
    if (m.method === 'INVITE') {
      const again = this.answered.get(callId);
      if (again) {
        this.uas.send(Buffer.from(again, 'latin1'), from, '127.0.0.1');
        return;
      }
      const number = /sip:([^@>;]+)@/.exec(h(m, 'from'))?.[1] ?? '';
      const waiting = this.awaitingInvite.get(number);
      if (!waiting) {
        this.reply(this.uas, from, m, 486, 'Busy Here', 'nobody');
        return;
      }
      this.awaitingInvite.delete(number);
      const text = this.reply(this.uas, from, m, 200, 'OK', `callee${randomBytes(3).toString('hex')}`, sdp(waiting.genPort));
      this.answered.set(callId, text);
      waiting.got(audioPort(m.body));
    } else if (m.method !== 'ACK') {
      this.reply(this.uas, from, m, 200, 'OK');
      if (m.method === 'BYE') this.answered.delete(callId);
    }
  }

  private reply(sock: Socket, port: number, req: Msg, status: number, reason: string, toTag?: string, body = ''): string {
    const to = h(req, 'to') + (toTag && !/;tag=/.test(h(req, 'to')) ? `;tag=${toTag}` : '');
    const text = [
      `SIP/2.0 ${status} ${reason}`,
      `Via: ${h(req, 'via')}`,
      `From: ${h(req, 'from')}`,
      `To: ${to}`,
      `Call-ID: ${h(req, 'call-id')}`,
      `CSeq: ${h(req, 'cseq')}`,
      `Contact: <sip:callee@127.0.0.1:${sock === this.uas ? this.uasPort : this.uacPort}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    sock.send(Buffer.from(text, 'latin1'), port, '127.0.0.1');
    return text;
  }

  /** Sends `text` (re-sent after 0.5, 1, 2 s) until a message matching `match` arrives. */
  private transact(text: string, match: (m: Msg) => boolean): Promise<Msg | undefined> {
    return new Promise((resolve) => {
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const send = (): void => {
        if (tries++ >= 4) {
          this.pending = this.pending.filter((p) => p !== entry);
          resolve(undefined);
          return;
        }
        this.uac.send(Buffer.from(text, 'latin1'), this.pbxPort, '127.0.0.1');
        timer = setTimeout(send, 500 * 2 ** (tries - 1));
      };
      const entry: Pending = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.pending.push(entry);
      send();
    });
  }

  private request(c: BulkCall, method: string, uri: string, br: string, extra: string[] = [], body = ''): string {
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.uacPort};branch=${br};rport`,
      `From: <sip:${c.user.user}@127.0.0.1>;tag=${c.fromTag}`,
      `To: <sip:${c.callee}@127.0.0.1>${c.toTag ? `;tag=${c.toTag}` : ''}`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${c.cseq} ${method}`,
      `Contact: <sip:${c.user.user}@127.0.0.1:${this.uacPort}>`,
      'Max-Forwards: 70',
      ...extra,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  }

  /**
   * One call from `user` to `callee` with the generator's ports in both SDPs; resolves with the
   * call (undefined and a line in `failures` when any step failed).
   */
  async call(index: number, user: LoadUser, callee: string, genCallerPort: number, genCalleePort: number): Promise<BulkCall | undefined> {
    const c: BulkCall = { index, user, callee, callId: randomBytes(8).toString('hex'), fromTag: randomBytes(4).toString('hex'), toTag: '', remoteTarget: '', cseq: 1, pbxCallerPort: NaN, pbxCalleePort: NaN };
    const uri = `sip:${callee}@127.0.0.1:${this.pbxPort}`;
    const isFinal = (cseq: number) => (m: Msg): boolean => h(m, 'call-id') === c.callId && h(m, 'cseq') === `${cseq} INVITE` && m.status >= 200;
    const calleePort = new Promise<number>((resolve) => {
      const t = setTimeout(() => {
        this.awaitingInvite.delete(user.user);
        resolve(NaN);
      }, 10_000);
      this.awaitingInvite.set(user.user, { genPort: genCalleePort, got: (p) => (clearTimeout(t), resolve(p)) });
    });
    const b1 = branch();
    const challenge = await this.transact(this.request(c, 'INVITE', uri, b1, [], sdp(genCallerPort)), isFinal(1));
    if (!challenge || challenge.status !== 401) return this.fail(c, `first INVITE: ${challenge?.first ?? 'no answer'}`);
    this.uac.send(Buffer.from(this.ackFor(c, uri, b1, h(challenge, 'to')), 'latin1'), this.pbxPort, '127.0.0.1');
    c.cseq = 2;
    const auth = digestAnswer(h(challenge, 'www-authenticate'), user.user, user.password, uri, 'INVITE');
    const ok = await this.transact(this.request(c, 'INVITE', uri, branch(), [`Authorization: ${auth}`], sdp(genCallerPort)), isFinal(2));
    if (!ok || ok.status !== 200) return this.fail(c, `INVITE with credentials: ${ok?.first ?? 'no answer'}`);
    c.toTag = /;tag=([^;>\s]+)/.exec(h(ok, 'to'))?.[1] ?? '';
    c.remoteTarget = /<([^>]+)>/.exec(h(ok, 'contact'))?.[1] ?? uri;
    c.pbxCallerPort = audioPort(ok.body);
    const ack = this.request(c, 'ACK', c.remoteTarget, branch());
    this.acks.set(c.callId, ack);
    this.uac.send(Buffer.from(ack, 'latin1'), this.pbxPort, '127.0.0.1');
    c.pbxCalleePort = await calleePort;
    if (!Number.isFinite(c.pbxCallerPort) || !Number.isFinite(c.pbxCalleePort)) return this.fail(c, 'no media port in an SDP');
    this.calls.push(c);
    return c;
  }

  private ackFor(c: BulkCall, uri: string, br: string, to: string): string {
    return [
      `ACK ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.uacPort};branch=${br};rport`,
      `From: <sip:${c.user.user}@127.0.0.1>;tag=${c.fromTag}`,
      `To: ${to}`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${c.cseq} ACK`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  private fail(c: BulkCall, why: string): undefined {
    this.failures.push(`call ${c.index} (${c.user.user}): ${why}`);
    return undefined;
  }

  /**
   * Calls users[i] -> callee for every i, at most `window` setting up at once; ports[2i] and
   * ports[2i+1] are the generator's caller and callee ports of call i.
   */
  async setUp(users: readonly LoadUser[], callee: string, ports: readonly number[], window: number): Promise<(BulkCall | undefined)[]> {
    const out: (BulkCall | undefined)[] = new Array(users.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < users.length) {
        const i = next++;
        out[i] = await this.call(i, users[i] as LoadUser, callee, ports[2 * i] as number, ports[2 * i + 1] as number);
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, users.length) }, worker));
    return out;
  }

  /** BYE for every call set up; resolves with how many got their 200 OK. */
  async hangupAll(window: number): Promise<number> {
    const calls = this.calls.splice(0);
    let ok = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < calls.length) {
        const c = calls[next++] as BulkCall;
        c.cseq = 3;
        const r = await this.transact(
          this.request(c, 'BYE', c.remoteTarget, branch()),
          (m) => h(m, 'call-id') === c.callId && h(m, 'cseq') === '3 BYE',
        );
        if (r?.status === 200) ok++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, calls.length) }, worker));
    this.answered.clear();
    this.acks.clear();
    return ok;
  }
}
