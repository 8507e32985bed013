/**
 * features.conf as the runtime sees it (parking, pickup, in-call DTMF features), with Asterisk's
 * defaults. features-conf.ts reads the file into this; a configuration built in code without it
 * uses `featuresOf(config)`, which answers the defaults.
 */

/** The in-call DTMF features of [featuremap] (a sequence typed during a bridged call). */
export interface FeatureMap {
  /** Blind transfer (Dial option t/T): `#` by default. */
  blindxfer: string;
  /** Hang up the other party (Dial option h/H): `*0` here (Asterisk's `*`, the issue's `*0`). */
  disconnect: string;
  /** Attended transfer (Dial option t/T): `*2`. */
  atxfer: string;
  /** Park the call (Dial option k/K); '' when not mapped (Asterisk's default). */
  parkcall: string;
}

export interface FeaturesConfig {
  /** The extension that parks a call (transfer to it or dial it): 700. */
  parkext: string;
  /** The parking spaces, inclusive: 701-720. */
  parkpos: { first: number; last: number };
  /** The context the parking extensions live in (`include => parkedcalls`). */
  parkingContext: string;
  /** Seconds a call stays parked before it rings back (45). */
  parkingtime: number;
  /** true: a timed-out parked call rings back the phone that parked it; false: it goes to comebackContext. */
  comebacktoorigin: boolean;
  /** Where a timed-out parked call goes when comebacktoorigin=no (parkedcallstimeout,s,1). */
  comebackContext: string;
  /** Music class a parked caller hears ('' = the channel's own / default). */
  parkedmusicclass: string;
  /** Seconds to ring the parker back before the call goes to comebackContext (Asterisk: 15... uses parkingtime). */
  comebackdialtime: number;
  /** Dialling this picks up a ringing phone of one's pickup groups: `*8`. */
  pickupexten: string;
  /** Milliseconds between the digits of a feature sequence (500). */
  featuredigittimeout: number;
  /** Seconds to dial the transfer target's number after `#`/`*2` (3). */
  transferdigittimeout: number;
  /** Seconds an attended transfer target may ring unanswered (15). */
  atxfernoanswertimeout: number;
  /** Sound played to the transferer after a transfer ('' = none; Asterisk's beep). */
  xfersound: string;
  /** Sound played when a transfer failed ('' = none; Asterisk's beeperr). */
  xferfailsound: string;
  /** Sound the retriever hears before bridging with a parked call ('' = none). */
  courtesytone: string;
  featuremap: FeatureMap;
}

export const DEFAULT_FEATURES: Readonly<FeaturesConfig> = Object.freeze({
  parkext: '700',
  parkpos: Object.freeze({ first: 701, last: 720 }),
  parkingContext: 'parkedcalls',
  parkingtime: 45,
  comebacktoorigin: true,
  comebackContext: 'parkedcallstimeout',
  parkedmusicclass: '',
  comebackdialtime: 30,
  pickupexten: '*8',
  featuredigittimeout: 500,
  transferdigittimeout: 3,
  atxfernoanswertimeout: 15,
  xfersound: 'beep',
  xferfailsound: 'beeperr',
  courtesytone: '',
  featuremap: Object.freeze({ blindxfer: '#', disconnect: '*0', atxfer: '*2', parkcall: '' }),
}) as FeaturesConfig;

/** The features in force: features.conf's when it was read, else the defaults. */
export function featuresOf(config: { features?: FeaturesConfig }): FeaturesConfig {
  return config.features ?? DEFAULT_FEATURES;
}
