/**
 * What the non-media applications need besides their AppContext: the PBX's clock and logger,
 * the AstDB, the SIP driver for Dial(), and the pieces other dialplan modules build (variable
 * assignment with functions and inheritance, time specifications). Optional members have
 * defaults that use the real platform (shell, files, Math.random).
 */
import type { Clock } from '../../platform/clock.ts';
import type { SipDriver } from '../../channels/sip-driver.ts';
import type { DahdiDriver } from '../../channels/dahdi-driver.ts';
import type { MediaClock } from '../../media/clock.ts';
import type { MusicOnHold } from '../../apps/moh/moh-service.ts';
import type { PeerMusic } from '../../apps/moh/music-class.ts';
import type { AstDb, DialplanChannel, FunctionEnv, TimeSpec } from '../types.ts';
import type { DialplanLog } from '../exec/deps.ts';
import type { VoicemailRuntime } from '../../apps/voicemail/runtime.ts';
import type { ParkingLot } from '../../apps/parking/parking-lot.ts';
import type { PickupService } from '../../apps/pickup.ts';
import type { FeaturesConfig } from '../../config/features-model.ts';
import type { MeetmeRegistry } from '../../apps/meetme/registry.ts';

export interface ApplicationDeps {
  clock: Clock;
  log: DialplanLog;
  db: AstDb;
  /** Set(name=value): channel variable (`_`/`__` kept) or `FUNC(args)` write; default expr/ assign. */
  setVariable?(env: FunctionEnv, name: string, value: string): void;
  /** `times,weekdays,mdays,months[,tz]`; default timespec.ts parseTimeSpec (throws on bad text). */
  parseTimeSpec?(text: string): TimeSpec;
  /** The SIP driver Dial() places legs through (undefined: Dial reports CHANUNAVAIL). */
  sip?(): SipDriver | undefined;
  /** The analog driver Dial(DAHDI/...) places legs through (undefined: CHANUNAVAIL). */
  dahdi?(): DahdiDriver | undefined;
  /** The media clock a frame bridge runs on (a call between an analog and a SIP leg). */
  mediaClock?: MediaClock;
  /** Music on hold classes (MusicOnHold, Dial's `m`, hold); undefined: nothing plays. */
  moh?: MusicOnHold;
  /** A SIP peer's musicclass/mohsuggest/mohinterpret (sip.conf). */
  peerMusic?(peer: string): PeerMusic | undefined;
  /** Copies inheritable variables (`_X` as X, `__X` as __X) to a new leg; default expr/ inheritVariables. */
  inheritVariables?(from: DialplanChannel, to: DialplanChannel): void;
  /** A number in [0, 1) (Random()); default Math.random. */
  random?(): number;
  /** Exit status of `sh -c command` (System, TrySystem); default platform/shell.ts. */
  runShell?(command: string): Promise<number>;
  /** Text of a file or undefined (ReadFile); default platform/fs.ts. */
  readFile?(path: string): string | undefined;
  /**
   * Plays an in-band tone to an answered channel until the returned function is called (Busy()
   * and Congestion() on an answered call); without it those applications just wait silently.
   */
  playTone?(channel: DialplanChannel, tone: 'busy' | 'congestion'): () => void;
  /** Voicemail (VoiceMail, MailboxExists, HasVoicemail); undefined: they report FAILED. */
  voicemail?(): VoicemailRuntime | undefined;
  /** Call parking (Park, ParkedCall); undefined: they fail. */
  parking?(): ParkingLot | undefined;
  /** Call pickup (Pickup, Dial's ringing legs); undefined: nothing can be picked up. */
  pickup?(): PickupService | undefined;
  /** MeetMe conferences (MeetMe, MeetMeCount); undefined: MeetMe warns and goes on, the count is 0. */
  meetme?(): MeetmeRegistry | undefined;
  /** features.conf in force (parking times, courtesytone); default Asterisk's defaults. */
  features?(): FeaturesConfig;
  /**
   * Sends a channel to a dialplan position (a transfer by DTMF): one running the dialplan goes
   * there when its application returns, any other starts a run (DialplanService.redirect).
   */
  redirect?(channel: DialplanChannel, to: { context: string; exten: string; priority: number }): Promise<void>;
  /** AGI(): the directories a relative script name is looked up in, in order (default: the image's agi-bin). */
  agiDirs?(): string[];
}
