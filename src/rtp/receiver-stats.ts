/**
 * Reception statistics of one source, as RFC 3550 appendix A.1 (sequence number validation
 * and extension), A.3 (expected and lost packets, fraction lost per interval) and A.8
 * (interarrival jitter) define them. The session feeds it every accepted packet and reads a
 * report block from it every RTCP interval.
 *
 * Deviation from A.1: no probation (MIN_SEQUENTIAL = 1). The session already filters sources by
 * address (or latches), so the first packet of a source counts.
 */
import type { ReportBlock } from './rtcp.ts';

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiverStats {
  readonly ssrc: number;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitterValue = 0;
  /** Duplicates and packets too old to count (reordered beyond MAX_MISORDER). */
  discarded = 0;

  constructor(ssrc: number, firstSequence: number) {
    this.ssrc = ssrc;
    // The first update(firstSequence) then counts as packet one without a wrap.
    this.initSequence(firstSequence);
  }

  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /**
   * Account for a packet (A.1 update_seq). Returns false when the packet is a duplicate or
   * out of the valid window (the caller may still deliver it; it does not count).
   */
  update(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta === 0 && this.received > 0) {
      this.discarded++;
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap; a wrap of the 16-bit counter starts a new cycle.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: two sequential packets in the new range mean the source restarted.
      if (seq === this.badSeq) {
        this.initSequence(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        this.discarded++;
        return false;
      }
    }
    // Otherwise a duplicate or reordered packet within MAX_MISORDER: counted, not max.
    this.received++;
    return true;
  }

  /**
   * A.8: J += (|D(i-1,i)| - J) / 16, with transit = arrival - RTP timestamp, both in timestamp
   * units. `arrival` is the local clock converted to the media clock rate.
   */
  updateJitter(rtpTimestamp: number, arrival: number): void {
    const transit = (arrival - rtpTimestamp) | 0;
    if (this.transit !== undefined) {
      let d = (transit - this.transit) | 0;
      if (d < 0) d = -d;
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.transit = transit;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.extendedMax - this.baseSeq + 1;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** Cumulative lost (A.3), clamped to the 24-bit signed field. */
  get lost(): number {
    return Math.max(-0x800000, Math.min(0x7fffff, this.expected - this.received));
  }

  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /**
   * The report block for this source, closing the current interval (the fraction lost covers
   * the packets since the previous call). `lastSr` and `delaySinceLastSr` come from the session,
   * which saw the source's SRs.
   */
  reportBlock(lastSr = 0, delaySinceLastSr = 0): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.lost,
      extendedHighestSequence: this.extendedMax >>> 0,
      jitter: this.jitter >>> 0,
      lastSr,
      delaySinceLastSr,
    };
  }
}
