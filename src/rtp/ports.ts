/**
 * The RTP port range from pbx.conf (`rtp = START-END`). RTP uses even ports and RTCP the odd
 * port above (RFC 3550 11), so the allocator hands out even ports whose pair fits in the range.
 * Allocation is round-robin: a just-released port is the last to be reused, so late packets
 * of a finished call do not land in the next one.
 */
import { PbxError } from '../core/errors.ts';

export class PortAllocator {
  private readonly first: number;
  private readonly count: number;
  private readonly used = new Set<number>();
  private nextIndex = 0;

  constructor(start: number, end: number) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end > 65535 || start > end) {
      throw new PbxError('RTP_PORTS_EXHAUSTED', `RTP port range ${start}-${end} is invalid`);
    }
    this.first = start + (start & 1);
    this.count = Math.max(0, Math.floor((end - 1 - this.first) / 2) + 1);
    if (this.count === 0) throw new PbxError('RTP_PORTS_EXHAUSTED', `RTP port range ${start}-${end} holds no even/odd pair`);
  }

  /** Number of RTP/RTCP pairs in the range. */
  get capacity(): number {
    return this.count;
  }

  get inUse(): number {
    return this.used.size;
  }

  /** The next free even port. Throws PbxError('RTP_PORTS_EXHAUSTED') when all are taken. */
  allocate(): number {
    for (let i = 0; i < this.count; i++) {
      const idx = (this.nextIndex + i) % this.count;
      const port = this.first + idx * 2;
      if (!this.used.has(port)) {
        this.used.add(port);
        this.nextIndex = (idx + 1) % this.count;
        return port;
      }
    }
    throw new PbxError('RTP_PORTS_EXHAUSTED', `all ${this.count} RTP ports in use`);
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
