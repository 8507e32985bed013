/**
 * A minimal SIP client for integration tests, written independently of src/sip so the tests do
 * not check our parser with itself: builds REGISTER/OPTIONS text, sends it over UDP or TCP on
 * 127.0.0.1, and splits the answer into status and headers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  reason: string;
  headers: [string, string][];
  raw: string;
}

export function parseResponse(raw: string): RawResponse {
  const [head] = raw.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(lines[0]);
  if (!m) throw new Error(`not a SIP response: ${lines[0]}`);
  const headers: [string, string][] = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return { status: Number(m[1]), reason: m[2], headers, raw };
}

export function header(r: RawResponse, name: string): string | undefined {
  return r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

export function headersNamed(r: RawResponse, name: string): string[] {
  return r.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** A UDP "phone" bound to an ephemeral port on 127.0.0.1. */
export class UdpPhone {
  private sock: Socket;
  private queue: string[] = [];
  private waiters: ((s: string) => void)[] = [];
  port = 0;
  readonly callId = randomBytes(8).toString('hex');
  readonly tag = randomBytes(4).toString('hex');
  cseq = 1;

  constructor(
    readonly user: string,
    readonly pbxPort: number,
  ) {
    this.sock = createSocket('udp4');
    this.sock.on('message', (m) => {
      const s = m.toString('latin1');
      const w = this.waiters.shift();
      if (w) w(s);
      else this.queue.push(s);
    });
  }

  bind(): Promise<void> {
    return new Promise((r) =>
      this.sock.bind(0, '127.0.0.1', () => {
        this.port = this.sock.address().port;
        r();
      }),
    );
  }

  sendRaw(data: string | Buffer): void {
    this.sock.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, this.pbxPort, '127.0.0.1');
  }

  /** Next datagram, or undefined after ms. */
  next(ms = 3000): Promise<string | undefined> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    return new Promise((res) => {
      const w = (s: string): void => {
        clearTimeout(t);
        res(s);
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        res(undefined);
      }, ms);
      this.waiters.push(w);
    });
  }

  /** Next response (skipping requests such as qualify OPTIONS, which are answered 200). */
  async response(ms = 3000): Promise<RawResponse> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      const s = left > 0 ? await this.next(left) : undefined;
      if (s === undefined) throw new Error('no response');
      if (s.startsWith('SIP/2.0')) return parseResponse(s);
      this.answerRequest(s);
    }
  }

  private answerRequest(s: string): void {
    const lines = s.split('\r\n');
    const keep = lines.filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
    this.sendRaw(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
  }

  register(opts: { expires?: number; contact?: string; auth?: string; user?: string } = {}): string {
    const user = opts.user ?? this.user;
    const contact = opts.contact ?? `<sip:${user}@127.0.0.1:${this.port}>`;
    const lines = [
      `REGISTER sip:127.0.0.1:${this.pbxPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:${user}@127.0.0.1>;tag=${this.tag}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq++} REGISTER`,
      `Contact: ${contact}`,
      ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
      ...(opts.auth ? [`Authorization: ${opts.auth}`] : []),
      'Max-Forwards: 70',
      'User-Agent: raw-test-phone',
      'Content-Length: 0',
      '',
      '',
    ];
    const text = lines.join('\r\n');
    this.sendRaw(text);
    return text;
  }

  close(): void {
    this.sock.close();
  }
}

/** Authorization header answering a WWW-Authenticate challenge (MD5 or SHA-256, qop=auth). */
export function digestAnswer(challenge: string, user: string, password: string, uri: string, method = 'REGISTER'): string {
  const p: Record<string, string> = {};
  for (const m of challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1].toLowerCase()] = m[2] ?? m[3];
  const alg = (p.algorithm ?? 'MD5').toUpperCase();
  const h = (s: string): string => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = h(`${user}:${p.realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  const response = h(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=${alg}, cnonce="${cnonce}", nc=${nc}, qop=auth`;
}

/** Sends bytes over a fresh TCP connection; resolves with everything received within ms. */
export function tcpExchange(port: number, data: string | Buffer, ms = 1500): Promise<{ data: string; closedByPeer: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    let closedByPeer = false;
    s.on('data', (b) => (got += b.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      closedByPeer = true;
    });
    s.on('connect', () => s.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data));
    setTimeout(() => {
      s.destroy();
      resolve({ data: got, closedByPeer });
    }, ms);
  });
}
