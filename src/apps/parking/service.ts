/**
 * The ParkingService other services use (a transfer to the parking extension): parks through
 * the lot and sends the parked channel's dialplan to the parking extension at once, where Park()
 * finds it parked already and keeps it there. Without that, a channel whose Dial bridge was
 * released for the transfer would be hung up by its dialplan (nothing else holds it), and the
 * answered leg of a Dial (which runs no dialplan) would have nothing waiting on it.
 */
import type { DialChannel } from '../dial.ts';
import type { ParkingLot } from './parking-lot.ts';
import type { ParkingService } from './types.ts';

/** `hold(channel)`: run the channel's dialplan at the parking extension (the runtime's redirect). */
export function transferParking(lot: ParkingLot, hold: (channel: DialChannel) => void): ParkingService {
  return {
    isParkExten: (exten) => lot.isParkExten(exten),
    park(channel, o) {
      const parked = lot.park(channel, o);
      // The space is taken synchronously; the announcement is what park() still waits for.
      if (lot.spaceOf(channel) !== undefined) hold(channel);
      return parked;
    },
  };
}
