/**
 * The parking contract other services use (a blind transfer or REFER to the parking extension
 * parks the transferred party through it), so they depend on this interface only, not on the
 * parking lot's implementation.
 */
import type { DialChannel } from '../dial.ts';

export interface ParkingService {
  /** Whether `exten` is the parking extension (features.conf parkext). */
  isParkExten(exten: string): boolean;
  /**
   * Parks `channel` (answered, in no bridge): it hears music on hold; the space is announced to
   * `announceTo` (the transferer, whose part is then over; Asterisk's sip_park / masq_park_call)
   * or, without it, to the parked channel itself. Resolves with the space (701...), or undefined
   * when every space is taken (the caller of park decides what then: Asterisk hangs up or plays
   * pbx-parkingfailed).
   */
  park(channel: DialChannel, o: { parkerName?: string; announceTo?: DialChannel }): Promise<number | undefined>;
}
