/**
 * One MeetMe conference (app_meetme's ast_conference) on the shared Mixer (core/mixer.ts) and the
 * media clock: every user is a mixer party, so each hears the sum of all the others, 16-bit
 * saturated. A user's party is an adapter over its channel's media:
 *  - in: frames reach the mixer only while the user may talk (not listen-only `m`, not muted by
 *    an admin or by itself); a silenced user's queue runs dry and the mixer adds silence for it;
 *  - out: the mix is dropped while the user hears something of its own (a menu prompt,
 *    conf-onlyperson, music while alone with `M`), so two streams never interleave on one leg.
 * Sounds for everyone (the enter/leave sounds, a recorded name + conf-hasjoin with `i`) are played
 * by an announcer party that is a source only, so every user, the joiner too, hears them mixed,
 * as app_meetme plays them into the conference itself.
 *
 * Keypad (app_meetme's conf_run): `#` leaves with `p`; `*` opens the menu with `s`
 * (conf-usermenu: 1 mute/unmute yourself; conf-adminmenu: 1 mute/unmute, 2 lock/unlock,
 * 3 eject the last user who joined), another key conf-errormenu. A user leaves on hangup, `#`,
 * kick (hears conf-kicked) or when `x` users lose the last marked (`A`) user.
 */
import type { MediaClock } from '../../media/clock.ts';
import { startPlayback, toneFrames, beepFrames, type Playback } from '../../media/player.ts';
import type { AudioFrame, MediaFormat } from '../../media/frame.ts';
import { Mixer, type MixerParty } from '../../core/mixer.ts';

/** What the conference needs of a channel (a SIP or analog channel has it). */
export interface ConfChannel {
  readonly name: string;
  readonly callerId: { name?: string | undefined; number?: string | undefined };
  readonly language: string;
  readonly hangupSignal: AbortSignal;
  readonly media: ConfMedia | undefined;
}

export interface ConfMedia {
  readonly format: MediaFormat;
  send(frame: AudioFrame): void;
  onFrame(cb: (frame: AudioFrame) => void): () => void;
}

export interface ConferenceDeps {
  clock: MediaClock;
  /** Wall-clock ms (join times for `meetme list`). */
  now(): number;
  /** Decoded prompt frames; throws when the prompt is not installed (it is then skipped). */
  prompt(name: string, language: string, format: MediaFormat): AudioFrame[];
  /** Music on hold for a user alone with `M`: starts it, returns the stop function (undefined: none). */
  music?(channel: ConfChannel, format: MediaFormat, send: (frame: AudioFrame) => void): (() => void) | undefined;
  log?(message: string): void;
}

/** The MeetMe options that shape a user's life in the conference. */
export interface UserFlags {
  admin: boolean;
  /** `m`: hears but is never heard. */
  listenOnly: boolean;
  /** `A`: a marked user. */
  marked: boolean;
  /** `q`: no enter/leave sounds, no conf-onlyperson. */
  quiet: boolean;
  /** `M`: music on hold while alone. */
  music: boolean;
  /** `1`: no conf-onlyperson. */
  noOnlyPerson: boolean;
  /** `x`: leave when the last marked user has left. */
  closeOnMarkedExit: boolean;
  /** `s`: `*` opens the menu. */
  menu: boolean;
  /** `p`: `#` leaves. */
  poundExit: boolean;
  /** `i`/`I`: the recorded name, announced with conf-hasjoin / conf-hasleft. */
  name?: AudioFrame[] | undefined;
}

export const DEFAULT_FLAGS: UserFlags = {
  admin: false,
  listenOnly: false,
  marked: false,
  quiet: false,
  music: false,
  noOnlyPerson: false,
  closeOnMarkedExit: false,
  menu: false,
  poundExit: false,
};

export type LeaveReason = 'hangup' | 'pound' | 'kicked' | 'closed';

export interface ConfUserView {
  readonly userNo: number;
  readonly channel: ConfChannel;
  readonly flags: Readonly<UserFlags>;
  readonly joinedAt: number;
  readonly adminMuted: boolean;
  readonly selfMuted: boolean;
}

/** The source of the sounds every user hears (a party that never listens). */
class Announcer implements MixerParty {
  readonly format = 'slin' as const;
  private cb: ((frame: AudioFrame) => void) | undefined;
  send(): void {}
  onFrame(cb: (frame: AudioFrame) => void): () => void {
    this.cb = cb;
    return () => (this.cb = undefined);
  }
  push(frame: AudioFrame): void {
    this.cb?.(frame);
  }
}

export class ConfUser implements ConfUserView {
  adminMuted = false;
  selfMuted = false;
  /** Prompts playing to this user only: neither the mix nor the music is sent meanwhile. */
  private prompts = 0;
  private stopMusic: (() => void) | undefined;
  private menuOpen = false;
  private stopMenuPrompt: (() => void) | undefined;
  private leaveWith!: (reason: LeaveReason) => void;
  /** Settles once, when the user is out of the conference. */
  readonly left: Promise<LeaveReason>;
  gone = false;
  readonly party: MixerParty;

  constructor(
    readonly conference: Conference,
    readonly userNo: number,
    readonly channel: ConfChannel,
    readonly media: ConfMedia,
    readonly flags: UserFlags,
    readonly joinedAt: number,
  ) {
    this.left = new Promise((r) => (this.leaveWith = r));
    this.party = {
      format: media.format,
      send: (f) => {
        if (this.prompts === 0 && !this.stopMusic) media.send(f);
      },
      onFrame: (cb) =>
        media.onFrame((f) => {
          if (this.talking) cb(f);
        }),
    };
  }

  /** Heard by the others now. */
  get talking(): boolean {
    return !this.flags.listenOnly && !this.adminMuted && !this.selfMuted && !this.gone;
  }

  /** Play frames to this user only; `done` when they ended, were stopped or the user left. */
  play(frames: Iterable<AudioFrame>): { done: Promise<void>; stop(): void } {
    if (this.gone) return { done: Promise.resolve(), stop: () => undefined };
    this.prompts++;
    const pb = startPlayback(this.conference.clock, this.media, frames, { format: this.media.format, signal: this.channel.hangupSignal });
    const off = (): void => pb.stop();
    this.onGone.add(off);
    const done = pb.done.then(() => {
      this.onGone.delete(off);
      this.prompts--;
    });
    return { done, stop: off };
  }

  /** Play prompts (by name) to this user only, a missing prompt skipped. */
  async say(...names: string[]): Promise<void> {
    for (const n of names) {
      if (this.gone) return;
      const frames = this.conference.prompt(n, this.channel.language, this.media.format);
      if (frames) await this.play(frames).done;
    }
  }

  /** Cleanups run when the user leaves. */
  readonly onGone = new Set<() => void>();

  /** Music while alone (`M`): on when `alone`, off otherwise. */
  setMusic(alone: boolean): void {
    if (alone && !this.stopMusic && !this.gone) {
      const stop = this.conference.deps.music?.(this.channel, this.media.format, (f) => {
        if (this.prompts === 0) this.media.send(f);
      });
      if (stop) this.stopMusic = stop;
    } else if (!alone && this.stopMusic) {
      this.stopMusic();
      this.stopMusic = undefined;
    }
  }

  /** A DTMF key from the user's phone. */
  press(digit: string): void {
    if (this.gone) return;
    if (this.menuOpen) {
      this.menuOpen = false;
      this.stopMenuPrompt?.();
      this.stopMenuPrompt = undefined;
      void this.menuChoice(digit);
      return;
    }
    if (digit === '#' && this.flags.poundExit) {
      this.leave('pound');
      return;
    }
    if (digit === '*' && this.flags.menu) {
      this.menuOpen = true;
      const frames = this.conference.prompt(this.flags.admin ? 'conf-adminmenu' : 'conf-usermenu', this.channel.language, this.media.format);
      // The prompt stops at the first key, as app_meetme's menu does.
      if (frames) this.stopMenuPrompt = this.play(frames).stop;
    }
  }

  private async menuChoice(digit: string): Promise<void> {
    const conf = this.conference;
    if (digit === '1') {
      // The admin's and the user's 1: mute or unmute yourself (an admin-muted user cannot unmute).
      if (this.adminMuted) return this.say('conf-muted');
      this.selfMuted = !this.selfMuted;
      return this.say(this.selfMuted ? 'conf-muted' : 'conf-unmuted');
    }
    if (this.flags.admin && digit === '2') {
      conf.locked = !conf.locked;
      return this.say(conf.locked ? 'conf-lockednow' : 'conf-unlockednow');
    }
    if (this.flags.admin && digit === '3') {
      const last = conf.lastJoined(this);
      if (last) conf.kick(last.userNo);
      return;
    }
    if (digit === '8' || digit === '#') return;
    return this.say('conf-errormenu');
  }

  /** Out of the conference now (idempotent). */
  leave(reason: LeaveReason): void {
    if (this.gone) return;
    this.gone = true;
    this.stopMusic?.();
    this.stopMusic = undefined;
    for (const f of [...this.onGone]) f();
    this.onGone.clear();
    this.conference.removeUser(this, reason);
    this.leaveWith(reason);
  }
}

export class Conference {
  readonly mixer: Mixer;
  readonly createdAt: number;
  locked = false;
  private readonly users = new Map<number, ConfUser>();
  private nextUserNo = 1;
  private readonly announcer = new Announcer();
  private readonly announcements: Iterable<AudioFrame>[] = [];
  private announcing: Playback | undefined;
  private closed = false;
  /** Callers between MeetmeRegistry.open and release (asking a PIN): the conference waits for them. */
  claims = 0;
  /** Called when the last user left (the registry forgets the conference). */
  onEmpty: (() => void) | undefined;

  constructor(
    readonly confno: string,
    readonly deps: ConferenceDeps,
    readonly pin = '',
    readonly adminpin = '',
    readonly dynamic = false,
  ) {
    this.mixer = new Mixer(deps.clock);
    this.createdAt = deps.now();
  }

  get clock(): MediaClock {
    return this.deps.clock;
  }

  get count(): number {
    return this.users.size;
  }

  get markedCount(): number {
    let n = 0;
    for (const u of this.users.values()) if (u.flags.marked) n++;
    return n;
  }

  list(): ConfUser[] {
    return [...this.users.values()];
  }

  user(userNo: number): ConfUser | undefined {
    return this.users.get(userNo);
  }

  /** Decoded frames of a prompt, or undefined (logged) when it cannot be played. */
  prompt(name: string, language: string, format: MediaFormat): AudioFrame[] | undefined {
    try {
      return this.deps.prompt(name, language, format);
    } catch (e) {
      this.deps.log?.(`meetme ${this.confno}: prompt ${name} not played: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /**
   * Adds a user (the channel must have media): it hears the others from the next tick; the
   * others hear the enter sound (unless `q`) and its name (`i`). Undefined when the channel has
   * no media or hung up already.
   */
  join(channel: ConfChannel, flags: UserFlags): ConfUser | undefined {
    const media = channel.media;
    if (!media || channel.hangupSignal.aborted || this.closed) return undefined;
    const user = new ConfUser(this, this.nextUserNo++, channel, media, flags, this.deps.now());
    this.users.set(user.userNo, user);
    const onHangup = (): void => user.leave('hangup');
    channel.hangupSignal.addEventListener('abort', onHangup, { once: true });
    user.onGone.add(() => channel.hangupSignal.removeEventListener('abort', onHangup));
    this.mixer.add(user.party);
    this.deps.log?.(`${channel.name} joined conference ${this.confno} as user ${user.userNo}`);
    if (this.count === 1 && !flags.quiet && !flags.noOnlyPerson && !flags.music) void user.say('conf-onlyperson').then(() => this.updateMusic());
    else this.updateMusic();
    if (!flags.quiet) this.announce(beepFrames('slin'));
    if (flags.name) this.announceName(user, 'conf-hasjoin');
    return user;
  }

  /** app_meetme's `k`: the user hears conf-kicked, then leaves. */
  kick(userNo: number): boolean {
    const u = this.users.get(userNo);
    if (!u) return false;
    void u.say('conf-kicked').then(() => u.leave('kicked'));
    return true;
  }

  /** `K`: everyone out. */
  kickAll(): number {
    const all = this.list();
    for (const u of all) this.kick(u.userNo);
    return all.length;
  }

  mute(userNo: number, muted: boolean): boolean {
    const u = this.users.get(userNo);
    if (!u) return false;
    u.adminMuted = muted;
    return true;
  }

  /** The most recent joiner other than `except` (the admin menu's 3). */
  lastJoined(except?: ConfUser): ConfUser | undefined {
    let last: ConfUser | undefined;
    for (const u of this.users.values()) if (u !== except && (!last || u.userNo > last.userNo)) last = u;
    return last;
  }

  /** Frames every user hears, one announcement after another (the first starts at once). */
  private announce(frames: Iterable<AudioFrame>): void {
    if (this.closed) return;
    this.mixer.add(this.announcer);
    this.announcements.push(frames);
    if (!this.announcing) this.nextAnnouncement();
  }

  private nextAnnouncement(): void {
    const frames = this.announcements.shift();
    if (!frames || this.closed) {
      this.announcing = undefined;
      this.announcements.length = 0;
      return;
    }
    this.announcing = startPlayback(this.clock, { send: (f) => this.announcer.push(f) }, frames, { format: 'slin' });
    void this.announcing.done.then(() => this.nextAnnouncement());
  }

  private announceName(user: ConfUser, what: 'conf-hasjoin' | 'conf-hasleft'): void {
    const name = user.flags.name ?? [];
    const tail = this.prompt(what, user.channel.language, 'slin') ?? [];
    this.announce([...name, ...tail]);
  }

  /** Music for users alone with `M`; off for everyone once two are in. */
  private updateMusic(): void {
    const alone = this.count === 1;
    for (const u of this.users.values()) if (u.flags.music) u.setMusic(alone);
  }

  /** ConfUser.leave's part here (not for other callers). */
  removeUser(user: ConfUser, reason: LeaveReason): void {
    if (this.users.get(user.userNo) !== user) return;
    this.users.delete(user.userNo);
    this.mixer.remove(user.party);
    this.deps.log?.(`${user.channel.name} left conference ${this.confno} (${reason})`);
    if (this.users.size === 0 && this.claims === 0) {
      this.close();
      return;
    }
    if (this.users.size === 0) return;
    if (!user.flags.quiet) this.announce(toneFrames('!600/120,!0/40,!400/180', 'slin'));
    if (user.flags.name) this.announceName(user, 'conf-hasleft');
    if (user.flags.marked && this.markedCount === 0) {
      for (const u of this.list()) if (u.flags.closeOnMarkedExit) u.leave('closed');
    }
    this.updateMusic();
  }

  /** Ends the mix (the last user left, or nobody came); the registry forgets it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.announcing?.stop();
    this.mixer.stop();
    this.onEmpty?.();
  }
}
