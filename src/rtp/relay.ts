/**
 * The RTP relay between two call legs (media anchored on the PBX, Asterisk's `directmedia=no`):
 * packets received on one leg are rewritten in place and sent out of the other, with no
 * allocation per packet. The core uses it when both legs are RTP and nothing needs the audio
 * (no recording, no mixing); otherwise it bridges frames.
 *
 * What is rewritten, and why:
 * - SSRC -> the egress leg's own SSRC, and sequence number and timestamp shifted by a constant
 *   offset so they continue the egress leg's previous stream (ringback or a prompt played by
 *   the PBX before the bridge). The phone then sees one continuous source and its jitter
 *   buffer is not reset; loss and reordering pass through unchanged because the offset is
 *   constant. When the ingress SSRC changes (the far end restarted its stream) the offsets are
 *   recomputed and the marker bit is set on that packet (a new talkspurt).
 * - Payload type -> what the egress peer negotiated (audio and telephone-event numbers may
 *   differ between the two SDP sessions). Events are dropped (and counted) when the egress
 *   peer did not negotiate telephone-event; the ingress session has already reported the digit
 *   to the core.
 * - Payload, only when the codecs differ: µ-law <-> A-law through the direct 256-byte table,
 *   in place (G.711 is one byte per sample in both laws, so the length is unchanged).
 *
 * The narrow interface (RelayLeg in, MediaRelay out) is what a native relay replaces: it would
 * take the two legs' sockets and run the same rewriting in C++ without a JS call per packet.
 */
import { ALAW_TO_ULAW, transcodeInPlace, ULAW_TO_ALAW } from '../media/g711.ts';
import { readSequence, readSsrc, readTimestamp, writeMarker, writePayloadType, writeSequence, writeSsrc, writeTimestamp } from './packet.ts';
import type { RelayLeg } from './session.ts';

export interface RelayDirectionStats {
  relayed: number;
  transcoded: number;
  /** Telephone-events not forwarded because the egress peer has no telephone-event type. */
  eventsDropped: number;
}

export interface MediaRelay {
  readonly kind: 'js' | 'native';
  /** a -> b and b -> a. */
  readonly stats: { aToB: RelayDirectionStats; bToA: RelayDirectionStats };
  /** Detach from both legs; they go back to delivering frames. Idempotent. */
  stop(): void;
}

export type RelayFactory = (a: RelayLeg, b: RelayLeg) => MediaRelay;

interface Direction {
  stats: RelayDirectionStats;
  inSsrc: number;
  seqDelta: number;
  tsDelta: number;
  started: boolean;
}

function direction(): Direction {
  return { stats: { relayed: 0, transcoded: 0, eventsDropped: 0 }, inSsrc: 0, seqDelta: 0, tsDelta: 0, started: false };
}

function forward(from: RelayLeg, to: RelayLeg, d: Direction) {
  const table = from.format === to.format ? undefined : from.format === 'ulaw' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
  return (buf: Uint8Array, length: number, payloadOffset: number, payloadEnd: number, isEvent: boolean): void => {
    const ssrc = readSsrc(buf);
    const seq = readSequence(buf);
    const ts = readTimestamp(buf);
    if (!d.started || ssrc !== d.inSsrc) {
      d.started = true;
      d.inSsrc = ssrc;
      d.seqDelta = (to.nextSequence - seq) & 0xffff;
      d.tsDelta = (to.nextTimestamp - ts) >>> 0;
      writeMarker(buf, true);
    }
    let samples = 0;
    if (isEvent) {
      const pt = to.telephoneEventPt;
      if (pt === undefined) {
        d.stats.eventsDropped++;
        return;
      }
      writePayloadType(buf, pt);
    } else {
      if (table) {
        transcodeInPlace(table, buf, payloadOffset, payloadEnd);
        d.stats.transcoded++;
      }
      writePayloadType(buf, to.payloadType);
      samples = payloadEnd - payloadOffset;
    }
    writeSequence(buf, (seq + d.seqDelta) & 0xffff);
    writeTimestamp(buf, (ts + d.tsDelta) >>> 0);
    writeSsrc(buf, to.ssrc);
    to.sendRaw(buf, length, samples);
    d.stats.relayed++;
  };
}

/** Relay between two legs in JavaScript (the fallback until the native relay exists). */
export const createJsRelay: RelayFactory = (a, b) => {
  const aToB = direction();
  const bToA = direction();
  a.setRawSink(forward(a, b, aToB));
  b.setRawSink(forward(b, a, bToA));
  let stopped = false;
  return {
    kind: 'js',
    stats: { aToB: aToB.stats, bToA: bToA.stats },
    stop() {
      if (stopped) return;
      stopped = true;
      a.setRawSink(undefined);
      b.setRawSink(undefined);
    },
  };
};
