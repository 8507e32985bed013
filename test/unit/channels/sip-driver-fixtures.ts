/**
 * What the SipDriver tests share: a UDP socket on 127.0.0.1 playing a provider (or a stranger)
 * that keeps what the PBX sends it, a SipDriver on a real SipStack configured from a sip.conf
 * text, and the inbound channel that places the driver's outbound calls.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { systemClock } from '../../../src/platform/clock.ts';
import { loadConfig, type PbxConfig } from '../../../src/config/index.ts';
import { SipStack } from '../../../src/sip/stack.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import { SipDriver, type SipDriverOptions } from '../../../src/channels/sip-driver.ts';
import type { Registrar } from '../../../src/sip/registrar/registrar.ts';
import type { DigestAuthenticator } from '../../../src/sip/auth/digest.ts';
import type { AuthBanList } from '../../../src/sip/auth/ban.ts';
import type { Logger } from '../../../src/log/index.ts';

export const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} } as unknown as Logger;

/** The value of header `name` in a SIP message text, '' when absent. */
export function header(msg: string, name: string): string {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim() ?? '';
}

/** A UDP socket on 127.0.0.1 standing for a SIP peer: `inbox` holds what it received, oldest first. */
export class UdpPeer {
  readonly sock: Socket = createSocket('udp4');
  readonly inbox: string[] = [];
  port = 0;
  private waiter: (() => void) | undefined;

  async open(): Promise<void> {
    this.sock.on('message', (m) => {
      this.inbox.push(m.toString('latin1'));
      this.waiter?.();
    });
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }

  /** Takes the oldest message from the inbox, waiting up to 3 s for one. */
  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('nothing from the PBX')), 3000);
      const check = (): void => {
        const m = this.inbox.shift();
        if (m === undefined) return;
        clearTimeout(t);
        this.waiter = undefined;
        resolve(m);
      };
      this.waiter = check;
      check();
    });
  }

  /** The final response (2xx-6xx) for `callId` in the inbox, waiting up to 3 s; it stays in the inbox. */
  async final(callId: string): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const m = this.inbox.find((x) => x.includes(`Call-ID: ${callId}`) && /^SIP\/2\.0 [2-6]\d\d/.test(x));
      if (m) return m;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no final response');
  }

  /** Answers `request` with `status` (and `extra` header lines) to the stack at `pbxPort`, To tag `prov`. */
  reply(pbxPort: number, request: string, status: string, extra: string[] = []): void {
    const keep = request.split('\r\n').filter((l) => /^(via|from|call-id|cseq):/i.test(l));
    const to = `${header(request, 'To')};tag=prov`;
    this.sock.send(`SIP/2.0 ${status}\r\n${[...keep, ...extra].join('\r\n')}\r\nTo: ${to}\r\nContent-Length: 0\r\n\r\n`, pbxPort, '127.0.0.1');
  }

  close(): void {
    this.sock.close();
  }
}

/**
 * A SipStack on 127.0.0.1 (any port) and a SipDriver over it, configured by `sipConf` with RTP
 * ports `rtp`; registrar, authenticator and ban list are empty stand-ins unless `options` gives them.
 */
export async function startDriver(
  sipConf: string,
  rtp: [number, number],
  options: Partial<SipDriverOptions> = {},
): Promise<{ stack: SipStack; driver: SipDriver }> {
  const loaded = loadConfig({
    files: {
      'pbx.conf': `[system]\nsip = 127.0.0.1:5999\nrtp = ${rtp[0]}-${rtp[1]}\n`,
      'sip.conf': sipConf,
    },
  });
  assert.ok(loaded.config, JSON.stringify(loaded.errors));
  const config: PbxConfig = loaded.config;
  const stack = await SipStack.start({ clock: systemClock, log: quiet, host: '127.0.0.1', port: 0, userAgent: 'test' });
  const driver = new SipDriver({
    clock: systemClock,
    config: () => config,
    stack,
    registrar: {} as unknown as Registrar,
    auth: {} as unknown as DigestAuthenticator,
    bans: {} as unknown as AuthBanList,
    ports: new PortAllocator(rtp[0], rtp[1]),
    log: quiet,
    channels: new ChannelRegistry(),
    ...options,
  });
  return { stack, driver };
}

/** The inbound channel of phone 2000 ("Alice", context phones) dialling `exten`, in ulaw: the caller of driver.request(). */
export function callerChannel(driver: SipDriver, exten: string, maxForwards = 70, presentation?: string): SipChannel {
  const ch = new SipChannel({
    name: driver.channels.nextName('SIP', '2000'),
    direction: 'inbound',
    peer: '2000',
    callerId: { name: 'Alice', number: '2000', ...(presentation ? { presentation } : {}) },
    context: 'phones',
    exten,
    clock: systemClock,
    registry: driver.channels,
    rtpTimeoutMs: 0,
    maxForwards,
  });
  ch.format = 'ulaw';
  return ch;
}

/** Waits up to 1 s for an outbound leg to end (its onEnded causes collected in `ended`). */
export async function legEnded(ended: readonly unknown[]): Promise<void> {
  for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
}
