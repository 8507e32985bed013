/**
 * The application registry: every application the dialplan can run (flow, variables, AstDB,
 * System, Dial, the media helper's applications from media-index.ts, and the placeholders of
 * unavailable.ts), found by name case-insensitively as Asterisk does. It also answers the
 * parser's questions (known? a close name? unavailable?) and lists applications for
 * `core show applications`.
 */
import { PbxError } from '../../core/errors.ts';
import type { DialplanApplication } from '../types.ts';
import type { ApplicationLookup } from '../exec/deps.ts';
import type { ApplicationDeps } from './deps.ts';
import { agiApplications } from './agi.ts';
import { channelControlApplications } from './channel-control.ts';
import { databaseApplications } from './database.ts';
import { dialApplication } from './dial.ts';
import { execApplications } from './exec.ts';
import { gotoApplications } from './goto.ts';
import { mediaApplications, playTone, type MediaAppDeps } from './media-index.ts';
import { musicOnHoldApplications } from './music-on-hold.ts';
import { meetmeApplications } from './meetme.ts';
import { parkingApplications } from './parking.ts';
import { pickupApplications } from './pickup.ts';
import { subroutineApplications } from './subroutines.ts';
import { systemApplications } from './system.ts';
import { unavailableApplications } from './unavailable.ts';
import { variableApplications } from './variables.ts';
import { cdrApplications } from './cdr.ts';
import { voicemailApplications } from './voicemail.ts';
import { voicemailMainApplications } from './voicemail-main.ts';
import { whileApplications } from './while.ts';

export interface ApplicationRegistryDeps extends ApplicationDeps {
  /** The media applications' dependencies; without them Playback & co. are listed as unavailable. */
  media?: MediaAppDeps;
}

export interface ApplicationRegistry extends ApplicationLookup {
  get(name: string): DialplanApplication | undefined;
  /** Sorted by name (case-insensitively), as `core show applications` lists them. */
  list(): DialplanApplication[];
  /** For the parser: the name is registered (available or not). */
  known(name: string): boolean;
  /** For the parser: a registered name close to an unknown one (`Dail` -> `Dial`). */
  suggest(name: string): string | undefined;
  /** For the parser: why a registered application cannot run yet, or undefined. */
  unavailable(name: string): string | undefined;
}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

const MEDIA_NAMES = ['Playback', 'Background', 'WaitExten', 'Read', 'Record', 'SayAlpha', 'SayDigits', 'SayNumber', 'SayPhonetic', 'WaitForSilence', 'Echo'];

export function createApplicationRegistry(deps: ApplicationRegistryDeps): ApplicationRegistry {
  const media = deps.media;
  const appDeps: ApplicationDeps = media
    ? {
        ...deps,
        mediaClock: deps.mediaClock ?? media.clock,
        playTone:
          deps.playTone ??
          ((channel, tone) => {
            const stop = new AbortController();
            void playTone(channel, tone, media.toneZone?.(channel) ?? 'us', stop.signal, { clock: media.clock });
            return () => stop.abort();
          }),
      }
    : deps;
  const mediaApps: DialplanApplication[] = media
    ? mediaApplications(media)
    : MEDIA_NAMES.map((name) => ({ name, synopsis: `${name} (media)`, syntax: `${name}()`, description: 'Needs the media dependencies.', unavailable: 'needs media (not configured)', run: async () => ({ kind: 'hangup' as const }) }));
  const all = [
    ...channelControlApplications(appDeps),
    ...gotoApplications(appDeps),
    ...subroutineApplications(),
    ...whileApplications(),
    ...execApplications(),
    ...variableApplications(appDeps),
    ...cdrApplications(),
    ...databaseApplications(appDeps),
    ...systemApplications(appDeps),
    dialApplication(appDeps),
    ...musicOnHoldApplications(appDeps),
    ...parkingApplications(appDeps),
    ...pickupApplications(appDeps),
    ...mediaApps,
    ...(media ? agiApplications({ media, clock: deps.clock, ...(deps.agiDirs ? { agiDirs: deps.agiDirs } : {}) }) : []),
    ...voicemailApplications(appDeps, media),
    ...voicemailMainApplications(appDeps, media),
    ...meetmeApplications(appDeps, media),
    ...unavailableApplications(),
  ];
  const byName = new Map<string, DialplanApplication>();
  for (const app of all) {
    const key = app.name.toLowerCase();
    if (byName.has(key)) throw new PbxError('DIALPLAN_APP', `application '${app.name}' registered twice`);
    byName.set(key, app);
  }
  const sorted = [...byName.values()].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  return {
    get: (name) => byName.get(name.trim().toLowerCase()),
    list: () => [...sorted],
    known: (name) => byName.has(name.trim().toLowerCase()),
    suggest(name) {
      const n = name.trim().toLowerCase();
      let best: { app: DialplanApplication; d: number } | undefined;
      for (const app of sorted) {
        const d = distance(n, app.name.toLowerCase());
        if (!best || d < best.d) best = { app, d };
      }
      return best && best.d <= Math.max(2, Math.floor(n.length / 3)) ? best.app.name : undefined;
    },
    unavailable: (name) => byName.get(name.trim().toLowerCase())?.unavailable,
  };
}
