/**
 * The demo dialplan that pbx.conf's [phones] implies until extensions.conf exists: every phone
 * number dials that phone for 20 s; 600 is Echo(). Unknown numbers never get here (the driver
 * answers 404 before creating a channel).
 */
import type { Clock } from '../platform/clock.ts';
import type { SipChannel } from '../channels/sip-channel.ts';
import { DEFAULT_DIAL_TIMEOUT_MS, ECHO_EXTENSION, type SipDriver } from '../channels/sip-driver.ts';
import { HANGUP_CAUSES } from '../core/hangup-causes.ts';
import { dial } from './dial.ts';
import { echo } from './echo.ts';

export function demoDialplan(clock: Clock, log: (message: string) => void, timeoutMs = DEFAULT_DIAL_TIMEOUT_MS) {
  return (ch: SipChannel, driver: SipDriver): void => {
    if (ch.exten === ECHO_EXTENSION) {
      echo(ch);
      return;
    }
    dial(ch, [ch.exten], driver, { clock, timeoutMs, log })
      .then((outcome) => {
        // Dial() leaves the caller to the dialplan; this one ends after it.
        if (!ch.ended) ch.hangup(outcome.cause ?? HANGUP_CAUSES.NORMAL_CLEARING);
      })
      .catch((e: unknown) => log(`Dial failed: ${e instanceof Error ? e.message : String(e)}`));
  };
}
