/**
 * One RTP stream of a call leg (RFC 3550): an even UDP port from the configured range for RTP
 * and the odd port above it for RTCP, the negotiated codec (G.711) and telephone-event payload
 * types, and the remote address from SDP.
 *
 * Receive: packets are validated (rtpPayloadOffset), checked against the expected source, fed
 * to the reception statistics (appendix A.1/A.8) and delivered without a jitter buffer: audio as
 * a G711Frame viewing the datagram, RFC 4733 events as DTMF begin/end. While a relay is attached
 * (setRawSink) accepted packets go to it untouched instead.
 *
 * Source check (symmetric RTP, RFC 4961): with `symmetric` (pbx.conf/sip.conf `nat=yes`) the
 * session latches onto the source of the first packet and sends there, whatever the SDP said
 * (the phone is behind NAT and its SDP address is private); without it, only packets from the
 * SDP address and port are accepted. Everything else is dropped and counted (`ignoredSource`).
 *
 * Send: generated frames get this session's SSRC, consecutive sequence numbers and timestamps
 * advancing by the samples sent; the marker bit is set on the first packet of a talkspurt
 * (RFC 3551 4.1: the first packet, and after DTMF, a relay, or a caller-declared gap).
 *
 * Timers (all on the injected Clock, all cancelled by close()): the RTP timeout (no packet for
 * `rtpTimeoutMs` -> onTimeout once), RTCP reports (every `rtcpIntervalMs` randomised by
 * 0.5-1.5 as RFC 3550 6.3.1 asks), the telephone-event send schedule and the lost-end timeout of
 * a received event.
 */
import { PbxError } from '../core/errors.ts';
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { bindMediaSocket, MediaBindError } from '../platform/udp-media.ts';
import type { MediaPacketHandler, MediaSocket } from '../platform/udp-media.ts';
import { convertFrame, SAMPLE_RATE } from '../media/frame.ts';
import type { AudioFrame, G711Format, G711Frame } from '../media/frame.ts';
import {
  readMarker,
  readPayloadType,
  readSequence,
  readSsrc,
  readTimestamp,
  rtpPayloadEnd,
  rtpPayloadOffset,
  RTP_HEADER_BYTES,
  RTP_MAX_PACKET,
  writeMarker,
  writePayloadType,
  writeSequence,
  writeSsrc,
  writeTimestamp,
} from './packet.ts';
import { buildRtcpReport, ntpFromUnixMs, ntpMiddle, parseRtcp } from './rtcp.ts';
import type { ReportBlock, RtcpPacket } from './rtcp.ts';
import { ReceiverStats } from './receiver-stats.ts';
import { DtmfReceiver, dtmfSendSchedule, encodeTelephoneEvent, parseTelephoneEvent } from './telephone-event.ts';
import type { DtmfEvent } from './telephone-event.ts';
import type { PortAllocator } from './ports.ts';

export interface RemoteAddress {
  address: string;
  port: number;
}

/** Receives accepted packets while a relay is attached; `isEvent` marks RFC 4733 packets. */
export type RawPacketSink = (buf: Uint8Array, length: number, payloadOffset: number, payloadEnd: number, isEvent: boolean) => void;

/**
 * What a relay needs from a leg: the narrow interface a native relay will also implement
 * (it would take the sockets over and do the same rewriting in C++).
 */
export interface RelayLeg {
  readonly format: G711Format;
  /** Payload type this leg's peer expects for audio. */
  readonly payloadType: number;
  /** Payload type this leg's peer expects for telephone-events (undefined: none negotiated). */
  readonly telephoneEventPt: number | undefined;
  readonly ssrc: number;
  /** Sequence number and timestamp the next packet sent on this leg continues with. */
  readonly nextSequence: number;
  readonly nextTimestamp: number;
  setRawSink(sink: RawPacketSink | undefined): void;
  /** Send a finished packet to this leg's peer; `samples` advances the timestamp continuity. */
  sendRaw(buf: Uint8Array, length: number, samples: number): void;
}

export interface RtpSessionEvents {
  /** An audio packet: the frame views the datagram (copy it to keep it past the callback). */
  onFrame?(frame: G711Frame, marker: boolean): void;
  onDtmf?(event: DtmfEvent): void;
  /** No RTP for rtpTimeoutMs. Fires once; again only after packets resumed and stopped again. */
  onTimeout?(): void;
  onRtcp?(packets: RtcpPacket[]): void;
}

export type MediaSocketBinder = (host: string, port: number, onPacket: MediaPacketHandler) => Promise<MediaSocket>;

export interface RtpSessionOptions {
  /** Local address to bind (the PBX's media address, or 0.0.0.0). */
  host: string;
  ports: PortAllocator;
  clock: Clock;
  format: G711Format;
  /** Audio payload type (0 PCMU, 8 PCMA unless the SDP mapped them otherwise). */
  payloadType: number;
  /** Telephone-event payload type the peer expects from us. */
  telephoneEventPt?: number;
  /** Telephone-event payload type the peer sends (default: telephoneEventPt). */
  receiveTelephoneEventPt?: number;
  remote?: RemoteAddress;
  remoteRtcp?: RemoteAddress;
  /** nat=yes: latch onto the first packet's source. */
  symmetric?: boolean;
  /** No RTP for this long -> onTimeout. 0 or absent: off. */
  rtpTimeoutMs?: number;
  /** Mean RTCP report interval; 0 disables reports. Default 5000. */
  rtcpIntervalMs?: number;
  /** End a received DTMF event whose end packets were lost after this long. Default 1000. */
  dtmfTimeoutMs?: number;
  ssrc?: number;
  cname?: string;
  events?: RtpSessionEvents;
  random?: () => number;
  bind?: MediaSocketBinder;
}

export interface RtpSessionStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  /** Valid RTP from a source other than the expected (or latched) one. */
  ignoredSource: number;
  malformed: number;
  /** Packets with a payload type that is neither the codec nor telephone-event. */
  unexpectedPayloadType: number;
  /** Generated frames not sent because a telephone-event was being sent. */
  droppedDuringDtmf: number;
  rtcpSent: number;
  rtcpReceived: number;
  rtcpMalformed: number;
  rtcpIgnoredSource: number;
}

const BIND_RETRY_CODES = new Set(['EADDRINUSE', 'EACCES']);
/** RFC 3550 6.2: the minimum RTCP interval. */
const MIN_RTCP_INTERVAL_MS = 5000;

function randomUint32(random: () => number): number {
  return Math.floor(random() * 0x1_0000_0000) >>> 0;
}

export class RtpSession implements RelayLeg {
  readonly localPort: number;
  readonly ssrc: number;
  readonly format: G711Format;
  readonly payloadType: number;
  telephoneEventPt: number | undefined;
  receiveTelephoneEventPt: number | undefined;
  events: RtpSessionEvents;
  readonly stats: RtpSessionStats = {
    packetsSent: 0,
    octetsSent: 0,
    packetsReceived: 0,
    octetsReceived: 0,
    ignoredSource: 0,
    malformed: 0,
    unexpectedPayloadType: 0,
    droppedDuringDtmf: 0,
    rtcpSent: 0,
    rtcpReceived: 0,
    rtcpMalformed: 0,
    rtcpIgnoredSource: 0,
  };
  /** Statistics of the source currently heard (reset when its SSRC changes). */
  receiver: ReceiverStats | undefined;
  /** The last report block the peer sent about our stream, and the round trip it implies. */
  remoteReport: ReportBlock | undefined;
  roundTripMs: number | undefined;

  private remote: RemoteAddress | undefined;
  private remoteRtcp: RemoteAddress | undefined;
  private latched = false;
  private rtcpLatched = false;
  private readonly symmetric: boolean;
  private readonly clock: Clock;
  private readonly cname: string;
  private readonly random: () => number;
  private rawSink: RawPacketSink | undefined;
  private seq: number;
  private ts: number;
  private markNext = true;
  private packetsAtLastReport = 0;
  private lastSendAt = 0;
  private lastSentTs = 0;
  private closed = false;
  private rtpTimeoutMs: number;
  private lastRxAt: number;
  private timedOut = false;
  private timeoutTimer: TimerHandle | undefined;
  private readonly rtcpIntervalMs: number;
  private rtcpTimer: TimerHandle | undefined;
  private readonly dtmfReceiver: DtmfReceiver;
  private readonly dtmfTimeoutMs: number;
  private dtmfExpireTimer: TimerHandle | undefined;
  private dtmfSending = false;
  private dtmfQueue: { schedule: ReturnType<typeof dtmfSendSchedule>; resolve: () => void }[] = [];
  private dtmfTimer: TimerHandle | undefined;
  private dtmfCancel: (() => void) | undefined;
  private lastSr: { middle: number; at: number } | undefined;

  private constructor(
    o: RtpSessionOptions,
    private readonly rtp: MediaSocket,
    private readonly rtcp: MediaSocket,
    private readonly ports: PortAllocator,
  ) {
    this.random = o.random ?? Math.random;
    this.clock = o.clock;
    this.localPort = rtp.port;
    this.format = o.format;
    this.payloadType = o.payloadType;
    this.telephoneEventPt = o.telephoneEventPt;
    this.receiveTelephoneEventPt = o.receiveTelephoneEventPt ?? o.telephoneEventPt;
    this.events = o.events ?? {};
    this.symmetric = o.symmetric ?? false;
    this.remote = o.remote;
    this.remoteRtcp = o.remoteRtcp;
    // RFC 3550 5.1: SSRC, initial sequence number and timestamp are random.
    this.ssrc = o.ssrc ?? randomUint32(this.random);
    this.seq = randomUint32(this.random) & 0xffff;
    this.ts = randomUint32(this.random);
    this.cname = o.cname ?? `pbx-${this.ssrc.toString(16)}`;
    this.rtpTimeoutMs = o.rtpTimeoutMs ?? 0;
    this.lastRxAt = this.clock.now();
    this.rtcpIntervalMs = o.rtcpIntervalMs ?? MIN_RTCP_INTERVAL_MS;
    this.dtmfTimeoutMs = o.dtmfTimeoutMs ?? 1000;
    this.dtmfReceiver = new DtmfReceiver((e) => this.events.onDtmf?.(e));
    this.armTimeout();
    this.scheduleRtcp();
  }

  /**
   * Bind an RTP/RTCP port pair from the range and start the session. Ports the OS refuses
   * (taken by another program) are skipped. Throws PbxError('RTP_PORTS_EXHAUSTED') when no pair
   * is free, PbxError('RTP_SOCKET') for any other bind failure.
   */
  static async open(o: RtpSessionOptions): Promise<RtpSession> {
    const bind = o.bind ?? bindMediaSocket;
    let session: RtpSession | undefined;
    const onRtp: MediaPacketHandler = (d, a, p) => session?.handleRtp(d, a, p);
    const onRtcp: MediaPacketHandler = (d, a, p) => session?.handleRtcp(d, a, p);
    const busy: number[] = [];
    try {
      for (let attempt = 0; attempt < o.ports.capacity; attempt++) {
        const port = o.ports.allocate();
        let rtp: MediaSocket | undefined;
        try {
          rtp = await bind(o.host, port, onRtp);
          const rtcp = await bind(o.host, port + 1, onRtcp);
          session = new RtpSession(o, rtp, rtcp, o.ports);
          return session;
        } catch (e) {
          await rtp?.close();
          if (e instanceof MediaBindError && BIND_RETRY_CODES.has(e.code)) {
            busy.push(port);
            continue;
          }
          o.ports.release(port);
          throw new PbxError('RTP_SOCKET', `cannot open RTP on ${o.host}:${port}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      throw new PbxError('RTP_PORTS_EXHAUSTED', `no free RTP port pair in the range (${busy.length} taken by other programs)`);
    } finally {
      for (const p of busy) o.ports.release(p);
    }
  }

  get localRtcpPort(): number {
    return this.rtcp.port;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Where RTP goes now (the latched source when symmetric). */
  get remoteAddress(): RemoteAddress | undefined {
    return this.remote;
  }

  get nextSequence(): number {
    return this.seq;
  }

  get nextTimestamp(): number {
    return this.ts;
  }

  /** A new remote from a re-INVITE: forget any latch. */
  setRemote(remote: RemoteAddress | undefined, remoteRtcp?: RemoteAddress): void {
    this.remote = remote;
    this.remoteRtcp = remoteRtcp;
    this.latched = false;
    this.rtcpLatched = false;
  }

  /** Change the RTP timeout (e.g. longer or 0 while the peer holds the call). */
  setRtpTimeout(ms: number): void {
    this.rtpTimeoutMs = ms;
    this.timeoutTimer?.cancel();
    this.timeoutTimer = undefined;
    this.lastRxAt = this.clock.now();
    this.timedOut = false;
    this.armTimeout();
  }

  /** Mark the next generated packet as the start of a talkspurt (after silence or a source change). */
  startTalkspurt(): void {
    this.markNext = true;
  }

  // ---- receive ----

  private handleRtp(buf: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    const length = buf.length;
    const off = rtpPayloadOffset(buf, length);
    if (off < 0) {
      this.stats.malformed++;
      return;
    }
    if (this.symmetric && !this.latched) {
      this.latched = true;
      this.remote = { address, port };
      if (!this.rtcpLatched) this.remoteRtcp = { address, port: port + 1 };
    } else if (!this.remote || this.remote.address !== address || this.remote.port !== port) {
      this.stats.ignoredSource++;
      return;
    }
    const now = this.clock.now();
    this.lastRxAt = now;
    if (this.timedOut) {
      this.timedOut = false;
      this.armTimeout();
    }
    const ssrc = readSsrc(buf);
    const seq = readSequence(buf);
    if (this.receiver === undefined || this.receiver.ssrc !== ssrc) this.receiver = new ReceiverStats(ssrc, seq);
    this.receiver.update(seq);
    const end = rtpPayloadEnd(buf, length);
    this.stats.packetsReceived++;
    this.stats.octetsReceived += end - off;
    const pt = readPayloadType(buf);
    const timestamp = readTimestamp(buf);
    if (pt === this.receiveTelephoneEventPt) {
      const ev = parseTelephoneEvent(buf, off, end);
      if (ev) {
        this.dtmfReceiver.receive(timestamp, ev, now);
        this.armDtmfExpiry();
      }
      this.rawSink?.(buf, length, off, end, true);
      return;
    }
    if (pt !== this.payloadType) {
      this.stats.unexpectedPayloadType++;
      return;
    }
    this.receiver.updateJitter(timestamp, Math.round((now * SAMPLE_RATE) / 1000));
    if (this.rawSink) {
      this.rawSink(buf, length, off, end, false);
      return;
    }
    this.events.onFrame?.({ format: this.format, timestamp, data: buf.subarray(off, end) }, readMarker(buf));
  }

  private armDtmfExpiry(): void {
    if (this.dtmfExpireTimer || !this.dtmfReceiver.active) return;
    const check = (): void => {
      this.dtmfExpireTimer = undefined;
      if (!this.dtmfReceiver.active) return;
      const idle = this.clock.now() - this.dtmfReceiver.lastUpdateAt;
      if (idle >= this.dtmfTimeoutMs) this.dtmfReceiver.expire();
      else this.dtmfExpireTimer = this.clock.setTimeout(check, this.dtmfTimeoutMs - idle);
    };
    this.dtmfExpireTimer = this.clock.setTimeout(check, this.dtmfTimeoutMs);
  }

  private armTimeout(): void {
    if (this.rtpTimeoutMs <= 0 || this.timeoutTimer || this.closed) return;
    const check = (): void => {
      this.timeoutTimer = undefined;
      const idle = this.clock.now() - this.lastRxAt;
      if (idle >= this.rtpTimeoutMs) {
        this.timedOut = true;
        this.events.onTimeout?.();
      } else {
        this.timeoutTimer = this.clock.setTimeout(check, this.rtpTimeoutMs - idle);
      }
    };
    this.timeoutTimer = this.clock.setTimeout(check, this.rtpTimeoutMs - (this.clock.now() - this.lastRxAt));
  }

  // ---- send ----

  /**
   * Send one frame of generated audio (converted to the session's format if needed). Returns
   * false when it was not sent (no remote yet, closed, or a DTMF event is on the wire).
   * `gapSamples` declares silence skipped before this frame: the timestamp jumps by it and the
   * marker bit starts a new talkspurt.
   */
  sendFrame(frame: AudioFrame, gapSamples = 0): boolean {
    if (this.closed || !this.remote) return false;
    if (this.dtmfSending) {
      this.stats.droppedDuringDtmf++;
      return false;
    }
    const f = frame.format === this.format ? frame : convertFrame(frame, this.format);
    const payload = f.data as Uint8Array;
    if (gapSamples > 0) {
      this.ts = (this.ts + gapSamples) >>> 0;
      this.markNext = true;
    }
    const buf = new Uint8Array(RTP_HEADER_BYTES + payload.length);
    buf[0] = 0x80;
    buf[1] = this.payloadType;
    writeMarker(buf, this.markNext);
    this.markNext = false;
    writeSequence(buf, this.seq);
    writeTimestamp(buf, this.ts);
    writeSsrc(buf, this.ssrc);
    buf.set(payload, RTP_HEADER_BYTES);
    this.transmit(buf, buf.length, payload.length);
    return true;
  }

  setRawSink(sink: RawPacketSink | undefined): void {
    this.rawSink = sink;
    // Whatever the session generates next follows someone else's stream: a new talkspurt.
    this.markNext = true;
  }

  sendRaw(buf: Uint8Array, length: number, samples: number): void {
    if (this.closed || !this.remote) return;
    // Events (samples 0) leave the continuity point at their start timestamp.
    this.transmit(buf, length, samples);
  }

  private transmit(buf: Uint8Array, length: number, samples: number): void {
    this.rtp.send(buf, length, this.remote!.address, this.remote!.port);
    this.seq = (readSequence(buf) + 1) & 0xffff;
    this.lastSentTs = readTimestamp(buf);
    this.ts = (this.lastSentTs + samples) >>> 0;
    this.lastSendAt = this.clock.now();
    this.stats.packetsSent++;
    this.stats.octetsSent += length - RTP_HEADER_BYTES;
  }

  /**
   * Send a DTMF digit as RFC 4733 events lasting `durationMs`. Digits queue behind each other.
   * Audio frames offered meanwhile are dropped (the event replaces the audio). Rejects with
   * PbxError('RTP_DTMF') for a bad digit or when no telephone-event type was negotiated.
   */
  sendDtmf(digit: string, durationMs = 100): Promise<void> {
    if (this.telephoneEventPt === undefined) return Promise.reject(new PbxError('RTP_DTMF', 'telephone-event was not negotiated'));
    let schedule: ReturnType<typeof dtmfSendSchedule>;
    try {
      schedule = dtmfSendSchedule(digit, durationMs);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve) => {
      this.dtmfQueue.push({ schedule, resolve });
      this.pumpDtmf();
    });
  }

  /** Start the next queued digit now if none is on the wire (synchronously, so timing is exact). */
  private pumpDtmf(): void {
    if (this.dtmfSending) return;
    const next = this.dtmfQueue.shift();
    if (!next) return;
    this.playDtmf(next.schedule, () => {
      next.resolve();
      this.pumpDtmf();
    });
  }

  private playDtmf(schedule: ReturnType<typeof dtmfSendSchedule>, done: () => void): void {
    if (this.closed) return done();
    const pt = this.telephoneEventPt!;
    const eventTs = this.ts;
    const start = this.clock.now();
    this.dtmfSending = true;
    let i = 0;
    const finish = (): void => {
      this.dtmfSending = false;
      this.dtmfTimer = undefined;
      this.dtmfCancel = undefined;
      done();
    };
    this.dtmfCancel = finish;
    const step = (): void => {
      this.dtmfTimer = undefined;
      const due = schedule[i]!.atMs;
      while (i < schedule.length && schedule[i]!.atMs === due) {
        const s = schedule[i++]!;
        if (this.remote && !this.closed) {
          const buf = new Uint8Array(RTP_HEADER_BYTES + 4);
          buf[0] = 0x80;
          writePayloadType(buf, pt);
          writeMarker(buf, s.marker);
          writeSequence(buf, this.seq);
          writeTimestamp(buf, eventTs);
          writeSsrc(buf, this.ssrc);
          encodeTelephoneEvent(s.payload, buf.subarray(RTP_HEADER_BYTES));
          this.transmit(buf, buf.length, 0);
        }
      }
      if (i >= schedule.length) {
        // Audio resumes after the event: timestamp past its duration, new talkspurt.
        this.ts = (eventTs + schedule[schedule.length - 1]!.payload.duration) >>> 0;
        this.markNext = true;
        finish();
        return;
      }
      this.dtmfTimer = this.clock.setTimeout(step, start + schedule[i]!.atMs - this.clock.now());
    };
    step();
  }

  // ---- RTCP ----

  private scheduleRtcp(): void {
    if (this.rtcpIntervalMs <= 0 || this.closed) return;
    const delay = this.rtcpIntervalMs * (0.5 + this.random());
    this.rtcpTimer = this.clock.setTimeout(() => {
      this.rtcpTimer = undefined;
      this.sendRtcpReport();
      this.scheduleRtcp();
    }, delay);
  }

  /** Where RTCP goes: the latched RTCP source, the SDP's a=rtcp/port+1, or RTP port + 1. */
  private rtcpDestination(): RemoteAddress | undefined {
    if (this.remoteRtcp) return this.remoteRtcp;
    return this.remote ? { address: this.remote.address, port: this.remote.port + 1 } : undefined;
  }

  /** Build and send one report now (the timer calls this; exposed for tests and BYE-time reports). */
  sendRtcpReport(): boolean {
    const dest = this.rtcpDestination();
    if (this.closed || !dest) return false;
    const now = this.clock.now();
    const reports: ReportBlock[] = [];
    if (this.receiver) {
      const sr = this.lastSr;
      const dlsr = sr ? Math.round(((now - sr.at) / 1000) * 65536) >>> 0 : 0;
      reports.push(this.receiver.reportBlock(sr?.middle ?? 0, dlsr));
    }
    const sentSince = this.stats.packetsSent > this.packetsAtLastReport;
    this.packetsAtLastReport = this.stats.packetsSent;
    let sender;
    if (sentSince) {
      const ntp = ntpFromUnixMs(this.clock.wallNow());
      const rtpTimestamp = (this.lastSentTs + Math.round(((now - this.lastSendAt) * SAMPLE_RATE) / 1000)) >>> 0;
      sender = {
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp,
        packetCount: this.stats.packetsSent >>> 0,
        octetCount: this.stats.octetsSent >>> 0,
      };
    }
    const packet = buildRtcpReport({ ssrc: this.ssrc, sender, reports, cname: this.cname });
    this.rtcp.send(packet, packet.length, dest.address, dest.port);
    this.stats.rtcpSent++;
    return true;
  }

  private handleRtcp(buf: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    if (this.symmetric && !this.rtcpLatched) {
      this.rtcpLatched = true;
      this.remoteRtcp = { address, port };
    } else if (!this.symmetric && this.remote && this.remote.address !== address) {
      this.stats.rtcpIgnoredSource++;
      return;
    } else if (this.symmetric && (this.remoteRtcp?.address !== address || this.remoteRtcp.port !== port)) {
      this.stats.rtcpIgnoredSource++;
      return;
    }
    if (buf.length > RTP_MAX_PACKET) {
      this.stats.rtcpMalformed++;
      return;
    }
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(buf);
    } catch {
      this.stats.rtcpMalformed++;
      return;
    }
    this.stats.rtcpReceived++;
    const now = this.clock.now();
    for (const p of packets) {
      if (p.type === 'sr') this.lastSr = { middle: ntpMiddle(p.sender.ntpSeconds, p.sender.ntpFraction), at: now };
      if (p.type === 'sr' || p.type === 'rr') {
        for (const block of p.reports) {
          if (block.ssrc !== this.ssrc) continue;
          this.remoteReport = block;
          if (block.lastSr !== 0) {
            // RFC 3550 6.4.1: round trip = A - LSR - DLSR, in 1/65536 s.
            const ntp = ntpFromUnixMs(this.clock.wallNow());
            const a = ntpMiddle(ntp.seconds, ntp.fraction);
            const rtt = (a - block.lastSr - block.delaySinceLastSr) >>> 0;
            this.roundTripMs = rtt < 0x80000000 ? (rtt / 65536) * 1000 : 0;
          }
        }
      }
    }
    this.events.onRtcp?.(packets);
  }

  // ---- teardown ----

  /** Stop every timer, close both sockets, give the port back. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timeoutTimer?.cancel();
    this.rtcpTimer?.cancel();
    this.dtmfExpireTimer?.cancel();
    this.dtmfTimer?.cancel();
    this.dtmfCancel?.();
    for (const q of this.dtmfQueue.splice(0)) q.resolve();
    this.timeoutTimer = this.rtcpTimer = this.dtmfExpireTimer = this.dtmfTimer = undefined;
    this.rawSink = undefined;
    await Promise.all([this.rtp.close(), this.rtcp.close()]);
    this.ports.release(this.localPort);
  }
}
