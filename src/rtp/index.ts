/** The public surface of the RTP layer. */
export * from './packet.ts';
export * from './rtcp.ts';
export { ReceiverStats } from './receiver-stats.ts';
export * from './telephone-event.ts';
export { PortAllocator } from './ports.ts';
export { RtpSession } from './session.ts';
export type {
  MediaSocketBinder,
  RawPacketSink,
  RelayLeg,
  RemoteAddress,
  RtpSessionEvents,
  RtpSessionOptions,
  RtpSessionStats,
} from './session.ts';
export { createJsRelay } from './relay.ts';
export type { MediaRelay, RelayDirectionStats, RelayFactory } from './relay.ts';
