/**
 * A running PBX: every layer built from one validated configuration, reload that swaps the
 * configuration only when all of it validates, and an orderly stop. main.ts parses arguments and
 * calls into here; the console commands get this object.
 */
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';
import { paths } from '../platform/fs.ts';
import { ConfigError, PbxError } from '../core/errors.ts';
import { formatErrors, loadConfig, type ConfigSource, type PbxConfig, type SipPeer } from '../config/index.ts';
import { createLogger, type Logger, type LoggerOptions, type PbxLogger } from '../log/index.ts';
import { DigestAuthenticator } from '../sip/auth/digest.ts';
import { AuthBanList } from '../sip/auth/ban.ts';
import type { RegistrarPeer, RegistrationEvent } from '../sip/registrar/binding.ts';
import { Registrar } from '../sip/registrar/registrar.ts';
import { QualifyMonitor, targetFromBindings, type QualifyStatus, type QualifyTarget } from '../sip/registrar/qualify.ts';
import { FileRegistrationStore } from '../store/registration-store.ts';
import { SipStack } from '../sip/stack.ts';
import { ControlServer } from '../cli/server.ts';
import { CommandRegistry } from '../cli/registry.ts';
import { registerCoreCommands } from '../cli/commands/core.ts';
import { registerSipCommands } from '../cli/commands/sip.ts';
import { isIpAddress } from '../platform/net.ts';
import { proc } from '../platform/process.ts';
import { createMediaClock, type MediaClockChoice } from '../media/native-clock.ts';
import { registerMediaCommands } from '../cli/commands/media.ts';
import { MusicOnHold } from '../apps/moh/moh-service.ts';
import { defaultMusicOnHold } from '../config/musiconhold-conf.ts';
import { registerMohCommands } from '../cli/commands/moh.ts';
// MeetMe (issue 14): meetme.conf rooms, MeetMe(), `meetme` commands.
import { MeetmeRegistry } from '../apps/meetme/registry.ts';
import { registerMeetmeCommands } from '../cli/commands/meetme.ts';
// calls (issue 3): the SIP channel driver, the demo dialplan and the channel console commands.
import { SipDriver } from '../channels/sip-driver.ts';
import { ChannelRegistry } from '../core/channel-registry.ts';
import { EventBus } from '../core/events.ts';
// dialplan (issue 4): extensions.conf + the contexts pbx.conf implies, AstDB, prompts.
import { DialplanService, checkDialplan } from './dialplan-service.ts';
import { registerDialplanCommands, type DialplanReloadResult } from '../cli/commands/dialplan.ts';
import { registerDatabaseCommands } from '../cli/commands/database.ts';
import { registerChannelCommands } from '../cli/commands/channels.ts';
import { PortAllocator } from '../rtp/ports.ts';
// analog (issue 5): pbx.conf [analog] -> line engine + DAHDI channel driver, sim/dahdi commands.
import { AnalogService } from './analog-service.ts';
import { analogFeatures } from './analog-calls.ts';
import { heldMusicClass } from '../apps/moh/music-class.ts';
import { registerAnalogCommands } from '../cli/commands/analog.ts';
import { registerVoicemailCommands } from '../cli/commands/voicemail.ts';
// voicemail (issue 12): the spool, VoiceMail()/VoiceMailMain's runtime, the RAM warning at boot.
import { VoicemailService } from './voicemail-service.ts';
import { registerVoicemailMailCommands } from '../cli/commands/voicemail-mail.ts';
// MWI (issue 12): message-summary NOTIFY to phones with mailbox=, unsolicited and on SUBSCRIBE.
import { MwiService, subscribeAuthenticator } from './mwi-service.ts';
// transfers (issue 13): SIP REFER (blind, attended), INVITE with Replaces.
import { TransferService } from './transfer-service.ts';
// trunks (issue 13): sip.conf register => lines, kept registered at the providers.
import { RegistrationService } from './registration-service.ts';
import { TrunkDns } from './trunk-dns.ts';
// parking and pickup (issue 13): features.conf lot, Park()/ParkedCall(), *8 / Pickup().
import { ParkingLot } from '../apps/parking/parking-lot.ts';
import { promptPlayer } from '../apps/parking/prompts.ts';
import { transferParking } from '../apps/parking/service.ts';
import type { ParkingService } from '../apps/parking/types.ts';
import { PickupRegistry, configCallGroups, type PickupService } from '../apps/pickup.ts';
import { channelMusicClass, classSource } from '../apps/moh/music-class.ts';
import { featuresOf } from '../config/features-model.ts';
import { registerParkingCommands } from '../cli/commands/parking.ts';
// CDR (issue 14): call records from the event bus -> Master.csv, syslog, the Cdr event.
import { CdrService } from './cdr-service.ts';
import { registerCdrCommands } from '../cli/commands/cdr.ts';
// AMI (issue 14): manager.conf -> the manager interface on TCP 5038.
import { ManagerService } from './manager-service.ts';
import { registerCallActions } from './manager-call-deps.ts';

export interface PbxStartOptions {
  source: ConfigSource;
  version: string;
  /** Log to stdout (foreground runs); the console ring and syslog are always set up. */
  stdout: boolean;
  clock?: Clock;
}

export type StopMode = 'now' | 'gracefully';

/** Why a listen failed, in words a user acts on (errno codes from the socket layer). */
function listenProblem(e: unknown, host: string, port: number): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `port ${port} is in use by another program (maybe another PBX; 'ss -lunp sport = :${port}' names it)`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine`;
  if (code === 'EACCES') return `port ${port} needs root (or CAP_NET_BIND_SERVICE)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `'${host}' does not resolve to an address`;
  return e instanceof Error ? e.message : String(e);
}

export class Pbx {
  readonly startedAt: number;
  reloadedAt: number;
  readonly commands = new CommandRegistry();
  /** What happens to channels, bridges, peers and mailboxes (core/events.ts): AMI and CDR listen. */
  readonly events = new EventBus();
  private stopping: Promise<void> | undefined;
  private stopListeners: (() => void)[] = [];
  private debugListeners = new Set<(line: string) => void>();
  private control?: ControlServer;
  /** The 20 ms media clock: native (addon thread on timerfd) or the timer fallback. */
  readonly media: MediaClockChoice;
  /** calls (issue 3): the SIP channel driver; INVITEs go to it. */
  calls?: SipDriver;
  /** trunks (issue 13): DNS of static-host peers, externhost. */
  trunkDns?: TrunkDns;
  /** dialplan (issue 4): what inbound channels run through. */
  dialplan?: DialplanService;
  /** Music on hold (issue 12): one shared stream per musiconhold.conf class. */
  moh?: MusicOnHold;
  /** analog (issue 5): the line engine and DAHDI driver when pbx.conf has [analog]. */
  analog?: AnalogService;
  /** MWI (issue 12): NOTIFY message-summary; the voicemail spool is attached when voicemail runs. */
  mwi?: MwiService;
  /** voicemail (issue 12): the spool (`voicemail.spool`), the config in force, the login guard. */
  voicemail?: VoicemailService;
  /** Outbound registrations (issue 13): `register =>` lines, `sip show registry`. */
  outbound?: RegistrationService;
  /** Call parking (issue 13): the lot, and the service a transfer to parkext parks through. */
  parking?: ParkingLot;
  parkingService?: ParkingService;
  /** MeetMe conferences (issue 14): the running ones, rooms from meetme.conf in force. */
  meetme?: MeetmeRegistry;
  /** Call pickup (issue 13): Dial's ringing legs and the call/pickup groups. */
  pickup?: PickupService;
  /** Call records (issue 14): the engine on `events`, Master.csv, `cdr show status`. */
  cdr?: CdrService;
  /** The manager interface (issue 14): actions, and the TCP server while manager.conf enables it. */
  manager?: ManagerService;

  private constructor(
    readonly version: string,
    private source: ConfigSource,
    public config: PbxConfig,
    readonly log: PbxLogger,
    readonly clock: Clock,
    readonly auth: DigestAuthenticator,
    readonly bans: AuthBanList,
    readonly registrar: Registrar,
    readonly qualify: QualifyMonitor,
    readonly stack: SipStack,
  ) {
    this.startedAt = clock.wallNow();
    this.reloadedAt = this.startedAt;
    this.media = createMediaClock({ time: clock, warn: (m) => log.child('media').warning(`using the timer media clock: ${m}`) });
  }

  /** Loads and validates the configuration, then starts every layer. Throws on invalid config. */
  static async start(opts: PbxStartOptions): Promise<Pbx> {
    const clock = opts.clock ?? systemClock;
    const loaded = loadConfig(opts.source);
    if (!loaded.config) {
      throw new ConfigError('configuration', 0, `invalid configuration:\n${formatErrors(loaded.errors)}`);
    }
    const config = loaded.config;
    const log = createLogger(loggerOptions(config, opts.stdout));
    const core = log.child('core');
    for (const w of loaded.warnings) core.warning(`${w.file}:${w.line}: ${w.reason}`);
    // The dialplan is checked before anything binds: a broken extensions.conf stops the start.
    const dialplanCheck = checkDialplan(opts.source, config, log.child('dialplan'));
    for (const w of dialplanCheck.warnings) core.warning(`${w.file}:${w.line}: ${w.reason}`);
    if (!dialplanCheck.dialplan) {
      await log.close();
      throw new ConfigError('configuration', 0, `invalid dialplan:\n${formatErrors(dialplanCheck.errors)}`, 'DIALPLAN_INVALID');
    }
    core.notice(`PBX ${opts.version} starting (node ${proc.nodeVersion()}), configuration from ${describeSource(opts.source)}`);

    const sipLog = log.child('sip');
    const regLog = log.child('registrar');
    const general = config.sip;
    const auth = new DigestAuthenticator({
      realm: general.realm,
      clock,
      nonceLifetimeMs: general.nonceLifetime * 1000,
      algorithms: general.digestAlgorithms,
    });
    const bans = new AuthBanList({
      clock,
      threshold: general.authFailBanThreshold,
      windowMs: general.banSeconds * 1000,
      banMs: general.banSeconds * 1000,
    });
    const store = new FileRegistrationStore({
      path: paths.join(config.system.data, 'registrations.json'),
      clock,
      log: levelLog(regLog),
    });
    // The registrar and qualify monitor read peers through `self`, so reload swaps them.
    let self: Pbx | undefined;
    const registrar = new Registrar({
      clock,
      auth,
      bans,
      store,
      peers: (name) => (self ? self.registrarPeer(name) : registrarPeer(config.peers.get(name))),
      options: {
        minExpires: general.minExpires,
        maxExpires: general.maxExpires,
        defaultExpires: general.defaultExpires,
        realm: general.realm,
      },
      log: levelLog(regLog),
      onChange: (e) => self?.onRegistration(e),
    });
    // trunks (issue 13): RFC 3263 lookups for trunks named by DNS, externip/externhost.
    const trunkDns = new TrunkDns({ clock, config: () => self?.config ?? config, log: sipLog });
    let stack: SipStack;
    try {
      stack = await SipStack.start({
        clock,
        log: sipLog,
        host: config.system.sip.host,
        port: config.system.sip.port,
        userAgent: general.useragent,
        isBanned: (addr) => bans.isBanned(addr),
        onDebug: (line) => self?.emitDebug(line),
        external: () => trunkDns.external(),
        localnets: () => (self?.config ?? config).sip.localnet,
      });
    } catch (e) {
      trunkDns.close();
      registrar.close();
      // One line that says what is wrong; main prints nothing more (the log already said it).
      const { host, port } = config.system.sip;
      const problem = new PbxError('SIP_LISTEN', `cannot listen for SIP on ${host}:${port}: ${listenProblem(e, host, port)}`);
      core.error(problem.message);
      await log.close();
      throw problem;
    }
    const qualify = new QualifyMonitor({
      clock,
      frequencyMs: general.qualifyFrequency * 1000,
      timeoutMs: general.qualifyTimeout,
      // No answer within twice the peer's limit is UNREACHABLE, as chan_sip does (maxms * 2).
      sendOptions: (peer, target) => stack.sendOptions(target.uri, target.reach, 2 * qualifyLimit(self?.config ?? config, peer)),
      onChange: (peer, from, to) => self?.onQualify(peer, from, to, sipLog),
    });
    stack.handle('REGISTER', (tx, req, source) => {
      stack.respond(tx, registrar.handleRegister(req, stack.sourceOf(req, source)));
    });
    const pbx = new Pbx(opts.version, opts.source, config, log, clock, auth, bans, registrar, qualify, stack);
    pbx.events.onListenerError = (e) => core.error(`an event listener failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    self = pbx;
    pbx.watchQualify();
    registerCoreCommands(pbx.commands, pbx);
    registerSipCommands(pbx.commands, pbx);
    registerMediaCommands(pbx.commands, pbx);
    // ---- voicemail (issue 12): built before the dialplan, whose applications use it.
    pbx.voicemail = new VoicemailService({ config: () => pbx.config, clock, log: log.child('voicemail') });
    // ---- CDR (issue 14): listening before any channel exists; the dialplan reaches records through it.
    pbx.cdr = new CdrService({ config: () => pbx.config, clock, log: log.child('cdr'), events: pbx.events });
    registerCdrCommands(pbx.commands, () => pbx.cdr?.status());
    // ---- music on hold (issue 12): classes re-read from the config in force, so reload applies.
    const mohLog = log.child('moh');
    pbx.moh = new MusicOnHold({
      clock: pbx.media.clock,
      classes: () => (pbx.config.musicOnHold ?? defaultMusicOnHold()).classes,
      warn: (m) => mohLog.warning(m),
    });
    registerMohCommands(pbx.commands, () => pbx.moh);
    if (!pbx.config.musicOnHold?.fromFile && pbx.moh.tracks('default').length === 0) {
      mohLog.notice(`music on hold: no sound files in ${pbx.moh.spec('default')?.directory ?? '/usr/share/asterisk/moh'} (Debian: asterisk-moh-opsound-wav); calls on hold hear silence`);
    }
    // ---- dialplan (issue 4)
    const dialplanLog = log.child('dialplan');
    const dialplan = new DialplanService({
      source: opts.source,
      config: () => pbx.config,
      clock,
      mediaClock: pbx.media.clock,
      log: dialplanLog,
      sip: () => pbx.calls,
      dahdi: () => pbx.analog?.driver,
      voicemail: () => pbx.voicemail,
      moh: pbx.moh,
      parking: () => pbx.parking,
      pickup: () => pbx.pickup,
      cdr: (ch) => pbx.cdr?.forChannel(ch.uniqueId),
      meetme: () => pbx.meetme,
    });
    pbx.dialplan = dialplan;
    // ---- MeetMe (issue 14): conferences on the media clock; music for a user alone with M.
    const meetmeLog = log.child('meetme');
    pbx.meetme = new MeetmeRegistry({
      clock: pbx.media.clock,
      now: () => clock.wallNow(),
      rooms: () => pbx.config.meetme?.rooms ?? new Map(),
      prompt: (name, language, format) => dialplan.sounds.frames(name, language, format),
      music: (ch, format, send) => {
        const name = pbx.moh?.resolve(channelMusicClass(ch), 'default');
        return name ? pbx.moh?.listen(name, format, send) : undefined;
      },
      log: (m) => meetmeLog.verbose(3, m),
    });
    registerMeetmeCommands(pbx.commands, () => pbx.meetme, () => clock.wallNow());
    // ---- parking and pickup (issue 13)
    const parkLog = log.child('features');
    const moh = pbx.moh;
    pbx.parking = new ParkingLot({
      features: () => featuresOf(pbx.config),
      clock,
      play: promptPlayer({ sounds: dialplan.sounds, clock: pbx.media.clock, log: (m) => parkLog.verbose(3, m) }),
      music: (ch, parkedClass) => classSource(moh, moh.resolve(parkedClass || undefined, channelMusicClass(ch), 'default')),
      log: (m) => parkLog.verbose(3, m),
    });
    pbx.parkingService = transferParking(pbx.parking, (ch) => {
      const f = featuresOf(pbx.config);
      dialplan.redirect(ch, { context: f.parkingContext, exten: f.parkext, priority: 1 }).catch((e: unknown) => dialplanLog.error(`dialplan of ${ch.name} failed: ${e instanceof Error ? e.message : String(e)}`));
    });
    pbx.pickup = { registry: new PickupRegistry(), ...configCallGroups(() => pbx.config) };
    registerParkingCommands(pbx.commands, () => pbx.parking, () => clock.now());
    dialplan.load(config);
    registerDialplanCommands(pbx.commands, {
      dialplan: () => dialplan.dialplan,
      reload: () => Promise.resolve(pbx.reloadDialplan()),
      applications: dialplan.applications,
      functions: dialplan.functions,
      groups: dialplan.groups,
    });
    registerDatabaseCommands(pbx.commands, dialplan.db);
    // ---- calls (issue 3): INVITE -> SIP channel driver -> dialplan.
    const callLog = log.child('channels');
    const transfers = new TransferService({
      config: () => pbx.config,
      sip: () => pbx.calls,
      exists: (context, exten, callerId) => dialplan.exists(context, exten, callerId),
      redirect: (ch, to) => dialplan.redirect(ch, to),
      parking: () => pbx.parkingService,
      mediaClock: pbx.media.clock,
      moh: pbx.moh,
      log: callLog,
    });
    stack.handle('REFER', (tx, req) => transfers.outOfDialog(tx, req, (t, res) => stack.respond(t, res)));
    const calls = new SipDriver({
      channels: new ChannelRegistry(pbx.events),
      clock,
      config: () => pbx.config,
      stack,
      registrar,
      auth,
      bans,
      ports: new PortAllocator(config.system.rtp.start, config.system.rtp.end),
      log: callLog,
      route: (ch) => {
        dialplan.run(ch).catch((e: unknown) => dialplanLog.error(`dialplan of ${ch.name} failed: ${e instanceof Error ? e.message : String(e)}`));
      },
      exists: (context, exten, callerId) => dialplan.exists(context, exten, callerId),
      locate: (peer) => trunkDns.locate(peer),
      peerAddresses: (peer) => trunkDns.addresses(peer),
      // transfers (issue 13): REFER and INVITE with Replaces go to the transfer service.
      refer: (ch, r) => transfers.refer(ch, r),
      replaces: (ch, replaced) => transfers.replaces(ch, replaced),
    });
    pbx.calls = calls;
    pbx.trunkDns = trunkDns;
    void trunkDns.warm();
    pbx.onStop(() => trunkDns.close());
    stack.handle('INVITE', (tx, req, source) => calls.handleInvite(tx, req, source));
    registerChannelCommands(pbx.commands, calls.channels, () => clock.now());
    // ---- end calls
    // ---- analog (issue 5)
    if (config.analog) {
      const analogLog = log.child('dahdi');
      const started = AnalogService.start({
        config: config.analog,
        country: config.system.country,
        clock,
        mediaClock: pbx.media.clock,
        channels: calls.channels,
        log: analogLog,
        match: (context, digits) => ({ exists: dialplan.exists(context, digits), canMatchMore: dialplan.matchMore(context, digits) }),
        exists: (context, exten) => dialplan.exists(context, exten),
        route: (ch) => {
          dialplan.run(ch).catch((e: unknown) => dialplanLog.error(`dialplan of ${ch.name} failed: ${e instanceof Error ? e.message : String(e)}`));
        },
        // issue 13: flash -> three-way call on the mixer, hang up -> transfer.
        features: analogFeatures({
          mediaClock: pbx.media.clock,
          holdMusic: (_holder, held) => (pbx.moh ? classSource(pbx.moh, heldMusicClass(pbx.moh, held, undefined, undefined)) : undefined),
          log: (m) => analogLog.verbose(3, m),
        }),
      });
      if (typeof started === 'string') analogLog.error(`[analog] ports are disabled: ${started}`);
      else {
        pbx.analog = started;
        analogLog.notice(`analog ports ready (${config.analog.backend} backend): ${config.analog.ports.map((p) => `${p.port} ${p.kind}${p.extension ? ` = ${p.extension}` : ''}`).join(', ')}`);
      }
    }
    registerAnalogCommands(pbx.commands, () => pbx.analog, () => pbx.config.analog);
    registerVoicemailCommands(pbx.commands, () => ({ config: pbx.config.voicemail, ...(pbx.voicemail ? { spool: pbx.voicemail.spool } : {}) }));
    registerVoicemailMailCommands(pbx.commands, () => pbx.voicemail?.mail?.queue, () => clock.wallNow());
    // ---- end analog
    // ---- MWI (issue 12)
    const mwiLog = log.child('mwi');
    const mwi = new MwiService({
      clock,
      transactions: stack.transactions,
      advertise: (d) => stack.advertise(d),
      userAgent: general.useragent,
      peers: () => pbx.config.peers.values(),
      contacts: (peer) => registrar.lookup(peer).map((b) => ({ uri: b.contact, reach: { ...b.reach } })),
      authenticate: subscribeAuthenticator({ auth, bans, peers: () => pbx.config.peers.values(), log: mwiLog }),
      respond: (tx, res) => stack.respond(tx, res),
      log: mwiLog,
      // FXS phones: their extension's box (as pbx.conf phones get EXT@default) -> stutter dial tone + VMWI.
      lines: () =>
        pbx.analog
          ? pbx.analog.config.ports.flatMap((p) => (p.kind === 'fxs' && p.extension !== undefined ? [{ port: p.port, mailbox: `${p.extension}@default` }] : []))
          : [],
      setLineWaiting: (port, on) => pbx.analog?.engine.setMessageWaiting(port, on),
      events: pbx.events,
    });
    pbx.mwi = mwi;
    // The voicemail spool (built before the dialplan) feeds the counts.
    if (pbx.voicemail) mwi.attachSpool(pbx.voicemail.spool);
    else mwiLog.verbose(3, 'MWI: voicemail is not running; mailboxes report no messages');
    stack.handle('SUBSCRIBE', (tx, req, source) => mwi.handleSubscribe(tx, req, stack.sourceOf(req, source)));
    // ---- end MWI
    // ---- outbound registration (issue 13)
    pbx.outbound = new RegistrationService({ clock, stack, config: () => pbx.config, log: log.child('registry'), userAgent: general.useragent, events: pbx.events });
    pbx.outbound.apply(config);
    // ---- end outbound registration
    try {
      pbx.control = await ControlServer.listen(config.system.control, {
        registry: pbx.commands,
        subscribeLog: (verbose, listener) => log.ring.subscribe((entry) => listener(entry.line), verbose),
        subscribeDebug: (listener) => pbx.subscribeDebug(listener),
      });
    } catch (e) {
      core.error(`cannot open the control socket ${config.system.control}: ${(e as Error).message}`);
      await pbx.stop('now');
      throw e;
    }
    const restored = registrar.bindings().length;
    core.notice(
      `SIP ready on ${stack.local.address}:${stack.local.port} (UDP, TCP); ${config.peers.size} peers, ${restored} registrations restored; console on ${config.system.control}`,
    );
    // ---- AMI (issue 14): after SIP is up, so a client's first Originate finds the drivers.
    pbx.manager = new ManagerService({
      config: () => pbx.config,
      clock,
      log: log.child('manager'),
      events: pbx.events,
      command: (line) => pbx.commands.execute(line, { print: () => undefined }),
      channels: () => calls.channels.list(),
      dialplan: () => pbx.dialplan,
      reload: () => pbx.reload(),
      info: () => ({ version: pbx.version, systemName: pbx.config.system.hostname, startedAt: pbx.startedAt, reloadedAt: pbx.reloadedAt, cdrEnabled: pbx.cdr !== undefined }),
    });
    registerCallActions(pbx); // Originate, Redirect, SIPpeers, ExtensionState, MailboxCount ...
    await pbx.manager.apply();
    // ---- end AMI
    pbx.events.emit({ type: 'FullyBooted', status: 'Fully Booted' });
    return pbx;
  }

  /** The registrar's view of a configured peer. */
  registrarPeer(name: string): RegistrarPeer | undefined {
    return registrarPeer(this.config.peers.get(name));
  }

  /** Re-reads the configuration; applies it only if every file validates. */
  async reload(): Promise<{ ok: boolean; output: string }> {
    const core = this.log.child('core');
    const loaded = loadConfig(this.source);
    if (!loaded.config) {
      const text = formatErrors(loaded.errors);
      core.warning(`reload rejected, the running configuration is kept:\n${text}`);
      return { ok: false, output: `Reload failed; keeping the running configuration.\n${text}` };
    }
    const old = this.config;
    const next = loaded.config;
    const dialplanParse = this.dialplan?.parse(next);
    if (dialplanParse && !dialplanParse.dialplan) {
      const text = formatErrors(dialplanParse.errors);
      core.warning(`reload rejected, the running configuration is kept:\n${text}`);
      return { ok: false, output: `Reload failed; keeping the running configuration.\n${text}` };
    }
    const notes: string[] = [];
    for (const w of loaded.warnings) notes.push(`warning: ${w.file}:${w.line}: ${w.reason}`);
    if (old.system.sip.host !== next.system.sip.host || old.system.sip.port !== next.system.sip.port) {
      notes.push(`sip = ${next.system.sip.host}:${next.system.sip.port} takes effect at the next restart`);
    }
    if (old.system.control !== next.system.control) notes.push('control = takes effect at the next restart');
    if (old.system.data !== next.system.data) notes.push('data = takes effect at the next restart');
    if (old.sip.realm !== next.sip.realm) notes.push('realm takes effect at the next restart');
    if (JSON.stringify(old.analog ?? null) !== JSON.stringify(next.analog ?? null)) notes.push('[analog] takes effect at the next restart');
    this.config = next;
    this.dialplan?.load(next);
    for (const w of dialplanParse?.warnings ?? []) notes.push(`warning: ${w.file}:${w.line}: ${w.reason}`);
    this.reloadedAt = this.clock.wallNow();
    const dropped = this.registrar.reconcile();
    if (dropped) notes.push(`${dropped} registrations of removed or static peers dropped`);
    this.watchQualify();
    this.trunkDns?.reconfigure();
    void this.trunkDns?.warm();
    this.mwi?.reconcile();
    const regs = this.outbound?.apply(next);
    if (regs && (regs.added || regs.removed || regs.restarted)) {
      notes.push(`outbound registrations: ${regs.added} added, ${regs.removed} removed, ${regs.restarted} restarted, ${regs.kept} kept`);
    }
    this.voicemail?.mail?.reloaded(); // a corrected smarthost gets a try now, not after the backoff
    const managerNote = await this.manager?.apply(); // AMI (issue 14): users, ACLs, enabled/port
    if (managerNote) notes.push(managerNote);
    await this.log.reconfigure(loggerOptions(next, this.log.stats().stdout, this.log.getVerbose()));
    core.notice(`configuration reloaded: ${next.peers.size} peers`);
    return { ok: true, output: ['Configuration reloaded.', ...notes].join('\n') };
  }

  /** `dialplan reload`: extensions.conf only; a broken file keeps the running dialplan. */
  reloadDialplan(): DialplanReloadResult {
    const r = this.dialplan?.load(this.config);
    const log = this.log.child('dialplan');
    if (!r) return { ok: false, errors: ['no dialplan'] };
    if (!r.dialplan) {
      const lines = r.errors.map((e) => `${e.file}:${e.line}: ${e.reason}`);
      log.warning(`dialplan reload rejected, the running dialplan is kept:\n${lines.join('\n')}`);
      return { ok: false, errors: lines };
    }
    const contexts = r.dialplan.contexts.size;
    log.notice(`dialplan reloaded: ${contexts} contexts`);
    return { ok: true, notes: r.warnings.map((w) => `warning: ${w.file}:${w.line}: ${w.reason}`) };
  }

  /** Peers with qualify get OPTIONS pings; peers without stop being pinged. */
  private watchQualify(): void {
    const wanted = new Set<string>();
    for (const peer of this.config.peers.values()) {
      if (peer.qualify === false) continue;
      const target = (): QualifyTarget | undefined => this.qualifyTarget(peer.name);
      wanted.add(peer.name);
      this.qualify.watch(peer.name, peer.qualify, target);
    }
    for (const name of this.qualify.watched()) if (!wanted.has(name)) this.qualify.unwatch(name);
  }

  private qualifyTarget(name: string): QualifyTarget | undefined {
    const peer = this.config.peers.get(name);
    if (!peer) return undefined;
    if (peer.host === 'dynamic') return targetFromBindings(this.registrar.lookup(name));
    const port = peer.port ?? 5060;
    if (!isIpAddress(peer.host)) {
      // A trunk named by DNS is pinged where RFC 3263 last located it (an SRV port included).
      const reach = this.trunkDns?.endpoint(peer);
      return reach ? { uri: `sip:${name}@${peer.host}${peer.port !== undefined ? `:${port}` : ''}`, reach } : undefined;
    }
    return { uri: `sip:${name}@${peer.host}:${port}`, reach: { protocol: 'UDP', address: peer.host, port } };
  }

  /** The registrar logs the event itself; here a new contact is qualified soon after its 200 OK. */
  private onRegistration(e: RegistrationEvent): void {
    this.mwi?.onRegistration(e.kind, e.binding.aor);
    if (e.kind !== 'refreshed') {
      const { address, port } = e.binding.source;
      this.events.emit({
        type: 'PeerStatus',
        peer: `SIP/${e.binding.aor}`,
        status: e.kind === 'registered' ? 'Registered' : 'Unregistered',
        address: `${address}:${port}`,
        ...(e.kind === 'expired' ? { cause: 'Expired' } : {}),
      });
    }
    if (e.kind !== 'registered' || !this.config.peers.get(e.binding.aor)?.qualify) return;
    this.clock.setTimeout(() => void this.qualify.checkNow(e.binding.aor), 500);
  }

  private onQualify(peer: string, from: QualifyStatus, to: QualifyStatus, log: Logger): void {
    if (from.state === to.state) return;
    const status = to.state === 'OK' ? 'Reachable' : to.state === 'LAGGED' ? 'Lagged' : to.state === 'UNREACHABLE' ? 'Unreachable' : undefined;
    if (status) this.events.emit({ type: 'PeerStatus', peer: `SIP/${peer}`, status, ...(to.rttMs !== undefined ? { timeMs: to.rttMs } : {}) });
    if (to.state === 'OK') log.notice(`Peer '${peer}' is now Reachable. (${to.rttMs ?? 0}ms / ${to.maxMs}ms)`);
    else if (to.state === 'LAGGED') log.notice(`Peer '${peer}' is now Lagged. (${to.rttMs ?? 0}ms / ${to.maxMs}ms)`);
    else if (to.state === 'UNREACHABLE') log.notice(`Peer '${peer}' is now UNREACHABLE!`);
  }

  subscribeDebug(listener: (line: string) => void): () => void {
    this.debugListeners.add(listener);
    return () => this.debugListeners.delete(listener);
  }

  private emitDebug(line: string): void {
    for (const l of this.debugListeners) l(line);
  }

  onStop(cb: () => void): void {
    this.stopListeners.push(cb);
  }

  /**
   * Stops in order: control socket, SIP (transactions, transports), qualify, registrar (flushes
   * registrations to the data directory), then the logger. `gracefully` waits for calls to end;
   * with no call handling in this release both modes stop at once.
   */
  stop(mode: StopMode = 'now'): Promise<void> {
    this.stopping ??= (async () => {
      this.log.child('core').notice(`PBX stopping (${mode})`);
      await this.manager?.stop(); // AMI (issue 14): clients go first, before the events of the shutdown
      await this.control?.close();
      this.calls?.hangupAll(); // calls (issue 3): BYE/CANCEL every leg while SIP is still up
      this.analog?.stop(); // analog (issue 5): the line engine thread is joined
      this.cdr?.stop(); // CDR (issue 14): the records of the calls just ended are written (safeshutdown)
      this.dialplan?.close(); // the AstDB journal is closed (every write is already on disk)
      this.mwi?.close();
      this.voicemail?.close(); // the mail queue stops; queued mails stay on disk
      this.qualify.close();
      await this.outbound?.stop(); // un-REGISTER at the providers while the transports still run
      await this.stack.close();
      this.registrar.close();
      await this.log.close();
      for (const cb of this.stopListeners) cb();
    })();
    return this.stopping;
  }
}

export function registrarPeer(peer: SipPeer | undefined): RegistrarPeer | undefined {
  if (!peer || peer.type === 'user' && peer.host !== 'dynamic') return undefined;
  return {
    name: peer.name,
    secret: peer.secret,
    md5secret: peer.md5secret,
    nat: peer.nat,
    dynamic: peer.host === 'dynamic',
    qualify: peer.qualify,
    defaultuser: peer.defaultuser,
  };
}

function qualifyLimit(config: PbxConfig, name: string): number {
  const q = config.peers.get(name)?.qualify;
  return typeof q === 'number' ? q : config.sip.qualifyTimeout;
}

function loggerOptions(config: PbxConfig, stdout: boolean, verbose?: number): LoggerOptions {
  const v = verbose ?? config.system.verbose;
  return {
    hostname: config.system.hostname,
    name: 'core',
    stdout: stdout ? { verbose: v } : false,
    console: { verbose: v },
    syslog: config.system.syslog
      ? { host: config.system.syslog.host, port: config.system.syslog.port, protocol: config.system.syslog.protocol, hostname: config.system.hostname }
      : false,
  };
}

function levelLog(log: Logger): (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void {
  return (level, msg) => {
    if (level === 'error') log.error(msg);
    else if (level === 'warn') log.warning(msg);
    else if (level === 'info') log.verbose(3, msg);
    else log.debug(1, msg);
  };
}

function describeSource(source: ConfigSource): string {
  return 'files' in source ? 'the built-in demo' : source.dir;
}
