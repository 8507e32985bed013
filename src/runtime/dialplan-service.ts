/**
 * The dialplan as the running PBX holds it: extensions.conf (if the user wrote one) plus the
 * contexts pbx.conf implies (generated.ts), parsed and checked against the registered
 * applications, the [globals], the AstDB, the prompts, the functions and applications, and the
 * executor every inbound channel runs through. A reload parses everything again and swaps the
 * dialplan only when it has no error: running channels continue with the new one at their next
 * priority, as Asterisk's do after `dialplan reload`.
 */
import { systemClock, type Clock } from '../platform/clock.ts';
import { paths } from '../platform/fs.ts';
import { proc } from '../platform/process.ts';
import { regularFileInfo } from '../platform/file-info.ts';
import type { ConfigError } from '../core/errors.ts';
import { diskReader, memoryReader, parseConfFile, type ConfFile, type ConfigSource, type PbxConfig } from '../config/index.ts';
import type { ConfParseResult } from '../config/conf-parser.ts';
import type { Logger } from '../log/index.ts';
import { TimerMediaClock, type MediaClock } from '../media/clock.ts';
import { SoundLibrary } from '../media/sounds.ts';
import { AstDb } from '../store/astdb.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import type { DahdiDriver } from '../channels/dahdi-driver.ts';
import type { Dialplan, DialplanCdr, DialplanChannel, DialplanFunction, DialplanLookup, FunctionEnv } from '../dialplan/types.ts';
import { dialplanFromConf, type DialplanParseResult } from '../dialplan/parse/index.ts';
import { createLookup } from '../dialplan/match/index.ts';
import { substitute, withFunctions } from '../dialplan/expr/index.ts';
import { ChannelGroups } from '../dialplan/functions/group.ts';
import { createFunctionRegistry } from '../dialplan/functions/index.ts';
import { requestRedirect, runDialplan, type DialplanLog } from '../dialplan/exec/index.ts';
import { createApplicationRegistry, type ApplicationRegistry } from '../dialplan/apps/registry.ts';
import { GENERATED_FILE, generatedDialplanText } from '../dialplan/generated.ts';
import { parseConfText } from '../config/conf-parser.ts';
import type { VoicemailRuntime } from '../apps/voicemail/runtime.ts';
import type { MusicOnHold } from '../apps/moh/moh-service.ts';
import type { ParkingLot } from '../apps/parking/parking-lot.ts';
import type { PickupService } from '../apps/pickup.ts';
import type { MeetmeRegistry } from '../apps/meetme/registry.ts';
import { featuresOf } from '../config/features-model.ts';
import { IMAGE_AGI_DIR } from '../apps/agi/transports.ts';

export const EXTENSIONS_CONF = 'extensions.conf';

export interface DialplanServiceOptions {
  source: ConfigSource;
  config: () => PbxConfig;
  clock: Clock;
  mediaClock: MediaClock;
  log: Logger;
  sip: () => SipDriver | undefined;
  /** The analog driver for Dial(DAHDI/...), when [analog] is configured. */
  dahdi?: () => DahdiDriver | undefined;
  /** Where the prompts are (default /usr/share/asterisk/sounds). */
  soundsDir?: string;
  /** Voicemail for VoiceMail(), MailboxExists, VMCOUNT ... (absent: they report FAILED / 0). */
  voicemail?: () => VoicemailRuntime | undefined;
  /** Music on hold for MusicOnHold(), Dial's m and hold (absent: they play nothing). */
  moh?: MusicOnHold;
  /** Call parking for Park()/ParkedCall() (absent: they fail). */
  parking?: () => ParkingLot | undefined;
  /** Call pickup for Pickup() and Dial's ringing legs (absent: nothing can be picked up). */
  pickup?: () => PickupService | undefined;
  /** MeetMe conferences for MeetMe()/MeetMeCount() (absent: MeetMe warns and goes on). */
  meetme?: () => MeetmeRegistry | undefined;
  /** A channel's live call record for CDR(), ForkCDR, NoCDR ... (absent: no records). */
  cdr?: (channel: DialplanChannel) => DialplanCdr | undefined;
}

interface Active {
  dialplan: Dialplan;
  lookup: DialplanLookup;
}

export class DialplanService {
  readonly db: AstDb;
  readonly sounds: SoundLibrary;
  readonly functions: Map<string, DialplanFunction> = createFunctionRegistry();
  readonly applications: ApplicationRegistry;
  readonly globals = new Map<string, string>();
  /** GROUP() memberships of the live channels (GROUP_COUNT limits calls per trunk). */
  readonly groups = new ChannelGroups();
  private active: Active | undefined;
  private readonly dlog: DialplanLog;

  constructor(
    private readonly o: DialplanServiceOptions,
    db?: AstDb,
  ) {
    const config = o.config();
    const log = o.log;
    this.dlog = {
      error: (m) => log.error(m),
      warning: (m) => log.warning(m),
      notice: (m) => log.notice(m),
      verbose: (level, m) => log.verbose(level, m),
      debug: (level, m) => log.debug(level, m),
      // Lets the executor skip building `-- Executing [...]` lines no destination would show.
      isVerbose: (level) => log.isVerbose(level),
    };
    this.db = db ?? new AstDb({ dir: paths.join(config.system.data, 'astdb'), wallNow: () => o.clock.wallNow(), log: (level, m) => {
        if (level === 'error') log.error(m);
        else if (level === 'warn') log.warning(m);
        else if (level === 'info') log.verbose(3, m);
        else log.debug(1, m);
      },
    });
    this.sounds = new SoundLibrary(o.soundsDir !== undefined ? { dir: o.soundsDir } : {});
    this.applications = createApplicationRegistry({
      clock: o.clock,
      log: this.dlog,
      db: this.db,
      sip: o.sip,
      ...(o.dahdi ? { dahdi: o.dahdi } : {}),
      ...(o.voicemail ? { voicemail: o.voicemail } : {}),
      ...(o.moh ? { moh: o.moh } : {}),
      ...(o.parking ? { parking: o.parking } : {}),
      ...(o.pickup ? { pickup: o.pickup } : {}),
      ...(o.meetme ? { meetme: o.meetme } : {}),
      features: () => featuresOf(o.config()),
      redirect: (ch, to) => this.redirect(ch, to),
      agiDirs: () => [paths.join(o.config().system.data, 'agi-bin'), IMAGE_AGI_DIR],
      peerMusic: (peer) => {
        const p = o.config().peers.get(peer);
        return p ? { ...(p.musicclass ? { musicclass: p.musicclass } : {}), ...(p.mohsuggest ? { mohsuggest: p.mohsuggest } : {}), ...(p.mohinterpret ? { mohinterpret: p.mohinterpret } : {}) } : undefined;
      },
      media: {
        clock: o.mediaClock,
        toneZone: () => o.config().system.country,
        recordingDir: paths.join(o.config().system.data, 'recordings'),
      },
    });
  }

  /** The dialplan in force (undefined before the first successful load). */
  get dialplan(): Dialplan | undefined {
    return this.active?.dialplan;
  }

  /**
   * Parses extensions.conf plus the generated contexts for `config`; applies the result when it
   * has no error. Returns the parse result either way (errors are file:line).
   */
  load(config: PbxConfig = this.o.config()): DialplanParseResult {
    const result = this.parse(config);
    if (result.dialplan) {
      const cleared = !this.active || result.dialplan.general.clearGlobalVars;
      this.active = { dialplan: result.dialplan, lookup: createLookup(result.dialplan) };
      this.applyGlobals(result.dialplan, cleared);
    }
    return result;
  }

  /** Parse without applying (pbx check, reload's first step). */
  parse(config: PbxConfig): DialplanParseResult {
    return parseDialplanFor(this.o.source, config, {
      knownApps: (n) => this.applications.known(n),
      suggestApp: (n) => this.applications.suggest(n),
      unavailableApp: (n) => this.applications.unavailable(n),
    });
  }

  /** For the SIP driver: does `exten` exist in `context` (404 otherwise, as chan_sip answers)? */
  exists(context: string, exten: string, callerId?: string): boolean {
    return this.active?.lookup.exists(context, exten, callerId) ?? false;
  }

  /** For an analog phone dialing as it goes: could more digits still match in `context`? */
  matchMore(context: string, exten: string, callerId?: string): boolean {
    return this.active?.lookup.matchMore(context, exten, callerId) ?? false;
  }

  /** Runs an inbound channel through the dialplan until it ends. */
  run(channel: DialplanChannel): Promise<void> {
    return this.execute(channel, (lookup) => lookup);
  }

  /**
   * Runs one application on a channel, then hangs it up (manager Originate with `Application`,
   * Asterisk's ast_pbx_outgoing_app): the channel's own position holds only that priority; every
   * other place (a Goto, a Gosub) is the dialplan in force, and no `h` runs for it.
   */
  runApplication(channel: DialplanChannel, app: string, data: string): Promise<void> {
    const context = channel.context;
    const exten = channel.exten;
    channel.priority = 1;
    const priority = { priority: 1, app, appData: data, source: { file: 'manager', line: 0 } };
    const found = { context, extension: { name: exten, priorities: [priority], source: priority.source }, priority };
    const here = (c: string, e: string): boolean => c === context && e === exten;
    return this.execute(channel, (real) => ({
      find: (c, e, p, cid, at) => (here(c, e) ? (p === 1 ? found : undefined) : real.find(c, e, p, cid, at)),
      findLabel: (c, e, l, cid, at) => (here(c, e) ? undefined : real.findLabel(c, e, l, cid, at)),
      exists: (c, e, cid, at) => here(c, e) || (c !== context || e !== 'h' ? real.exists(c, e, cid, at) : false),
      canMatch: (c, e, cid, at) => here(c, e) || real.canMatch(c, e, cid, at),
      matchMore: (c, e, cid, at) => real.matchMore(c, e, cid, at),
      hasContext: (c) => c === context || real.hasContext(c),
    }));
  }

  /** The executor over the dialplan in force, as `view` shows it to this channel. */
  private execute(channel: DialplanChannel, view: (lookup: DialplanLookup) => DialplanLookup): Promise<void> {
    return runDialplan(channel, {
      dialplan: () => {
        const a = this.active!;
        return { lookup: view(a.lookup), autoFallthrough: a.dialplan.general.autoFallthrough };
      },
      applications: this.applications,
      substitute,
      functionEnv: (ch) => this.functionEnv(ch),
      sounds: this.sounds,
      clock: this.o.clock,
      log: this.dlog,
      ...(this.active?.dialplan.general.maxSteps !== undefined ? { maxSteps: this.active.dialplan.general.maxSteps } : {}),
    });
  }

  /**
   * Sends a channel to `to` (a transfer, a parked call coming back): a channel running the
   * dialplan continues there when its application returns (its Dial, once the bridge is
   * released); any other (the answered leg of a Dial) starts a run there. Settles when a run
   * started here ends.
   */
  redirect(channel: DialplanChannel, to: { context: string; exten: string; priority: number }): Promise<void> {
    if (requestRedirect(channel, to)) return Promise.resolve();
    channel.context = to.context;
    channel.exten = to.exten;
    channel.priority = to.priority;
    return this.run(channel);
  }

  functionEnv(channel: DialplanChannel | undefined): FunctionEnv {
    const base: FunctionEnv = {
      channel,
      globals: this.globals,
      db: this.db,
      lookup: this.active!.lookup,
      now: () => this.o.clock.wallNow(),
      env: (name) => proc.env(name),
      setEnv: (name, value) => proc.setEnv(name, value),
      stat: (path) => {
        const info = regularFileInfo(path);
        return info ? { size: info.size, mtimeMs: info.mtimeMs, isDirectory: false } : undefined;
      },
      log: (level, message) => (level === 'verbose' ? this.o.log.verbose(3, message) : level === 'warning' ? this.o.log.warning(message) : this.o.log.notice(message)),
      ...(this.o.voicemail ? { voicemail: this.o.voicemail } : {}),
      ...(this.o.cdr ? { cdr: this.o.cdr } : {}),
      groups: this.groups,
    };
    return withFunctions(base, this.functions);
  }

  /** [globals] values are substituted once, in file order, like pbx_config does at load. */
  private applyGlobals(dialplan: Dialplan, clear: boolean): void {
    if (clear) this.globals.clear();
    for (const g of dialplan.globals) {
      this.globals.set(g.name, substitute(g.value, this.functionEnv(undefined)));
    }
  }

  close(): void {
    this.db.close();
  }
}

/**
 * `pbx check`: parse the dialplan for a configuration with the real application registry (so
 * unknown and not-yet-available applications are reported at file:line), touching no data
 * directory (an in-memory AstDB) and starting no clock.
 */
export function checkDialplan(source: ConfigSource, config: PbxConfig, log: Logger): DialplanParseResult {
  const service = new DialplanService(
    { source, config: () => config, clock: systemClock, mediaClock: new TimerMediaClock(systemClock), log, sip: () => undefined },
    new AstDb(),
  );
  return service.parse(config);
}

/** extensions.conf (optional) + the generated contexts, as one dialplan. */
export function parseDialplanFor(
  source: ConfigSource,
  config: PbxConfig,
  options: Parameters<typeof dialplanFromConf>[1] = {},
): DialplanParseResult {
  const io = 'files' in source ? memoryReader(source.files) : diskReader(source.dir);
  const user: ConfParseResult = parseConfFile(EXTENSIONS_CONF, io);
  const present = user.conf.files.length > 0;
  const userErrors = present ? user.errors : user.errors.filter((e) => !(e.file === EXTENSIONS_CONF && e.line === 0));
  const definesPhones = user.conf.sections.some((s) => s.name === 'phones' && !s.templateOnly);
  const generated = parseConfText(GENERATED_FILE, generatedDialplanText(config, !definesPhones));
  const conf: ConfFile = {
    file: present ? EXTENSIONS_CONF : GENERATED_FILE,
    sections: [...user.conf.sections, ...generated.conf.sections],
    files: [...user.conf.files, ...generated.conf.files],
  };
  const problems: { errors: ConfigError[]; warnings: ConfigError[] } = {
    errors: [...userErrors, ...generated.errors],
    warnings: [...user.warnings, ...generated.warnings],
  };
  return dialplanFromConf(conf, options, problems);
}
