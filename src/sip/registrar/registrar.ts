/**
 * The SIP registrar: RFC 3261 section 10.3, "Processing REGISTER Requests", with Asterisk's
 * habits where phones expect them. Synchronous and transport-free: handleRegister() takes a
 * request and its source and returns the response for the caller to send through the server
 * transaction.
 *
 * Steps, as numbered in RFC 3261 10.3:
 *   1. The Request-URI domain is not checked: phones register to our IP or any name for it.
 *   2. Require: we support no extensions, so any option tag gets 420 with Unsupported (8.2.2.3).
 *   3. Authenticate (digest, ../auth/digest.ts). No credentials: 401 challenge. Wrong password,
 *      unknown peer, a peer that is not host=dynamic, a username that is neither the To user nor
 *      the peer's defaultuser: all the same 403 (Asterisk alwaysauthreject), each counted
 *      against the source in the ban list. A good password with an old nonce: 401 stale=true.
 *   4. Authorise: the AOR is the To user part and must be the peer authenticated for.
 *   5. AOR from To: no user part, 404.
 *   6. Contacts: '*' needs Expires: 0 and no other Contact (else 400) and removes everything;
 *      each contact's interval is its expires parameter, else the Expires header, else the
 *      default; 0 removes; below minExpires (and not 0): 423 with Min-Expires (10.3 step 6);
 *      above maxExpires: shortened.
 *   7. For an existing binding with the same Call-ID, a CSeq not higher than the stored one
 *      aborts the whole request (10.3 step 7 says the update "MUST be aborted and the request
 *      fails"; we answer 400 "CSeq Out Of Order", since the request, not the server, is at fault).
 *      All updates of one REGISTER commit together or not at all.
 *   8. 200 OK with a Contact (and ;expires=N) for every current binding of the AOR, a Date header
 *      (10.3 step 8), and an Expires header with the interval granted to the first contact of the
 *      request, which some old phones read instead of the Contact parameter.
 * A REGISTER without Contact is a query: 200 with the current bindings, nothing changed.
 *
 * Bindings expire by the clock: one timer, set for the earliest expiry, sweeps and re-arms.
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { SipError } from '../../core/errors.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { addHeader, callId as callIdOf, createResponse, cseq as cseqOf, getHeader, getHeaders, parseNameAddr, parseUri, setHeader } from '../message/headers.ts';
import { newTag } from '../message/ids.ts';
import type { DigestAuthenticator, Credentials, OfferedAlgorithm } from '../auth/digest.ts';
import { actionFor } from '../auth/digest.ts';
import type { AuthBanList } from '../auth/ban.ts';
import type { RegistrationStore } from '../../store/registration-store.ts';
import { copyBinding, isTransportProtocol } from './binding.ts';
import type { Binding, RegistrarLog, RegistrarOptions, RegistrarPeer, RegistrationEvent } from './binding.ts';
import { parseContact, parseDeltaSeconds, reachFor, sameContactUri } from './contact.ts';
import type { RequestedContact } from './contact.ts';

export interface RegistrarDeps {
  clock: Clock;
  auth: DigestAuthenticator;
  bans: AuthBanList;
  peers: (name: string) => RegistrarPeer | undefined;
  store: RegistrationStore;
  options: RegistrarOptions;
  log?: RegistrarLog;
  onChange?: (event: RegistrationEvent) => void;
}

const DEFAULT_MAX_CONTACTS = 10;

export class Registrar {
  private readonly aors = new Map<string, Binding[]>();
  private sweepTimer: TimerHandle | undefined;
  private sweepAt = Infinity;
  private closed = false;

  constructor(private readonly deps: RegistrarDeps) {
    this.restore();
  }

  /** RFC 3261 10.3. Never throws: every problem with the request becomes a response. */
  handleRegister(req: SipRequest, source: Endpoint): SipResponse {
    try {
      return this.process(req, source);
    } catch (e) {
      if (e instanceof SipError) return this.reply(req, e.status, e.reason);
      this.log('error', `registrar: REGISTER from ${fmtEndpoint(source)} failed: ${(e as Error).stack ?? String(e)}`);
      return this.reply(req, 500);
    }
  }

  /** Current bindings, of one AOR or all, soonest expiry last; copies. */
  bindings(aor?: string): Binding[] {
    const now = this.deps.clock.wallNow();
    const lists = aor === undefined ? [...this.aors.values()] : [this.aors.get(aor) ?? []];
    return lists
      .flat()
      .filter((b) => b.expiresAt > now)
      .sort((a, b) => a.aor.localeCompare(b.aor) || b.expiresAt - a.expiresAt)
      .map(copyBinding);
  }

  /** Where to reach an AOR for a call: its live bindings, most recently refreshed first. */
  lookup(aor: string): Binding[] {
    return this.bindings(aor);
  }

  /** Remove every binding of an AOR (console `sip unregister`). Returns how many went. */
  unregister(aor: string): number {
    const list = this.aors.get(aor);
    if (!list) return 0;
    this.aors.delete(aor);
    for (const b of list) this.emit({ kind: 'unregistered', binding: b });
    this.persist(true);
    this.armSweep();
    return list.length;
  }

  /** After a reload: drop bindings of peers that are gone or no longer host=dynamic. */
  reconcile(): number {
    let n = 0;
    for (const aor of [...this.aors.keys()]) {
      const peer = this.deps.peers(aor);
      if (!peer || !peer.dynamic) n += this.unregister(aor);
    }
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    this.deps.store.flush();
  }

  private process(req: SipRequest, source: Endpoint): SipResponse {
    // Step 2: no extensions supported.
    const required = getHeaders(req, 'Require')
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    if (required.length > 0) {
      const res = this.reply(req, 420);
      setHeader(res, 'Unsupported', required.join(', '));
      return res;
    }

    // Step 5 first, because the peer name comes from To and authentication needs it.
    const toValue = getHeader(req, 'To');
    if (toValue === undefined) return this.reply(req, 400, 'Missing To');
    const aor = parseNameAddr(toValue).uri.user;
    if (!aor) return this.reply(req, 404);

    // Steps 3 and 4.
    const peer = this.deps.peers(aor);
    const denied = this.authenticate(req, source, aor, peer);
    if (denied) return denied;
    const p = peer as RegistrarPeer;

    // Step 6.
    const callId = callIdOf(req);
    const seq = cseqOf(req).seq;
    const contactValues = getHeaders(req, 'Contact');
    const expiresHeader = parseDeltaSeconds(getHeader(req, 'Expires'));
    const now = this.deps.clock.wallNow();
    const current = (this.aors.get(aor) ?? []).filter((b) => b.expiresAt > now);

    if (contactValues.length === 0) return this.ok(req, aor);

    if (contactValues.some((v) => v.trim() === '*')) {
      if (contactValues.length !== 1 || expiresHeader !== 0) return this.reply(req, 400, 'Invalid Wildcard Contact');
      if (current.some((b) => b.callId === callId && seq <= b.cseq)) return this.reply(req, 400, 'CSeq Out Of Order');
      return this.commit(req, aor, [], current.map((binding) => ({ kind: 'unregistered', binding })));
    }

    const { minExpires, maxExpires, defaultExpires } = this.deps.options;
    const wanted: { contact: RequestedContact; seconds: number }[] = [];
    for (const value of contactValues) {
      const contact = parseContact(value);
      let seconds = contact.expires ?? expiresHeader ?? defaultExpires;
      if (seconds !== 0 && seconds < minExpires) {
        const res = this.reply(req, 423);
        setHeader(res, 'Min-Expires', String(minExpires));
        return res;
      }
      seconds = Math.min(seconds, maxExpires);
      wanted.push({ contact, seconds });
    }

    // Step 7, on a working copy so that a failure changes nothing.
    const next = current.map(copyBinding);
    const touched = new Set<Binding>();
    const events: RegistrationEvent[] = [];
    const userAgent = getHeader(req, 'User-Agent');
    for (const { contact, seconds } of wanted) {
      const i = next.findIndex((b) => sameStoredContact(b, contact));
      const existing = i >= 0 ? next[i] : undefined;
      if (existing && !touched.has(existing) && existing.callId === callId && seq <= existing.cseq) {
        return this.reply(req, 400, 'CSeq Out Of Order');
      }
      if (seconds === 0) {
        if (existing) {
          next.splice(i, 1);
          events.push({ kind: 'unregistered', binding: existing });
        }
        continue;
      }
      const reach = reachFor(contact.uri, source, p.nat);
      const fields = { contact: contact.uriText, reach, source: { ...source }, expiresAt: now + seconds * 1000, callId, cseq: seq };
      if (existing) {
        const moved = !sameEndpoint(existing.reach, reach);
        Object.assign(existing, fields);
        setUserAgent(existing, userAgent);
        touched.add(existing);
        events.push({ kind: moved ? 'registered' : 'refreshed', binding: existing });
      } else {
        const b: Binding = { aor, ...fields, registeredAt: now };
        setUserAgent(b, userAgent);
        next.push(b);
        touched.add(b);
        events.push({ kind: 'registered', binding: b });
      }
    }

    const cap = this.deps.options.maxContactsPerAor ?? DEFAULT_MAX_CONTACTS;
    if (touched.size > cap) return this.reply(req, 403, 'Too Many Contacts');
    while (next.length > cap) {
      // Least recently refreshed first: the soonest expiry among bindings this request left alone.
      let victim = -1;
      for (let k = 0; k < next.length; k++) {
        const b = next[k] as Binding;
        if (touched.has(b)) continue;
        if (victim < 0 || b.expiresAt < (next[victim] as Binding).expiresAt) victim = k;
      }
      const [gone] = next.splice(victim, 1);
      if (gone) events.push({ kind: 'unregistered', binding: gone });
    }

    const first = wanted[0];
    const res = this.commit(req, aor, next, events);
    if (first) setHeader(res, 'Expires', String(first.seconds));
    return res;
  }

  /** Undefined when the request may proceed, else the response to send. */
  private authenticate(req: SipRequest, source: Endpoint, aor: string, peer: RegistrarPeer | undefined): SipResponse | undefined {
    const { auth, bans } = this.deps;
    const registrable = peer !== undefined && peer.dynamic && (!!peer.secret || !!peer.md5secret);
    const lookup = (username: string): Credentials | undefined => {
      if (!registrable || !peer) return undefined;
      if (username !== peer.name && username !== peer.defaultuser) return undefined;
      const creds: Credentials = { username };
      if (peer.secret) creds.secret = peer.secret;
      if (peer.md5secret) creds.md5secret = peer.md5secret;
      return creds;
    };
    const result = auth.verify(req, lookup, source);
    if (result.ok) {
      bans.recordSuccess(source.address);
      return undefined;
    }
    const algorithms = this.algorithmsFor(peer);
    switch (actionFor(result.reason)) {
      case 'challenge':
        return auth.challenge(req, { source, algorithms });
      case 'challenge-stale':
        this.log('debug', `registrar: '${aor}' from ${fmtEndpoint(source)}: ${result.reason} nonce, challenging again`);
        return auth.challenge(req, { source, algorithms, stale: true });
      case 'bad-request':
        return this.reply(req, 400, result.reason === 'bad-uri' ? 'Digest URI Mismatch' : 'Bad Authorization Header');
      case 'forbidden': {
        const banned = bans.recordFailure(source.address);
        const why = result.reason === 'wrong' ? 'Wrong password' : peer && !registrable ? 'Peer is not dynamic or has no secret' : 'No matching peer or username';
        this.log('warn', `Registration from '${aor}' failed for '${fmtEndpoint(source)}' - ${why}${banned ? ' (source banned)' : ''}`);
        return this.reply(req, 403);
      }
    }
  }

  /**
   * A peer that only has md5secret can only answer MD5, so it is offered MD5 alone. This tells
   * a prober that such a peer exists; the cure is a plain secret, which keeps SHA-256 for all.
   */
  private algorithmsFor(peer: RegistrarPeer | undefined): OfferedAlgorithm[] | undefined {
    if (!peer || !peer.dynamic || peer.secret || !peer.md5secret) return undefined;
    if (!this.deps.auth.algorithms.includes('MD5')) return undefined;
    return ['MD5'];
  }

  private commit(req: SipRequest, aor: string, next: Binding[], events: RegistrationEvent[]): SipResponse {
    if (next.length > 0) this.aors.set(aor, next);
    else this.aors.delete(aor);
    const material = events.some((e) => e.kind !== 'refreshed');
    if (events.length > 0) this.persist(material);
    this.armSweepFor(next);
    for (const e of events) this.emit(e);
    return this.ok(req, aor);
  }

  /** Step 8: every current binding with its remaining time. */
  private ok(req: SipRequest, aor: string): SipResponse {
    const res = this.reply(req, 200);
    const now = this.deps.clock.wallNow();
    for (const b of this.bindings(aor)) {
      const left = Math.max(0, Math.round((b.expiresAt - now) / 1000));
      addHeader(res, 'Contact', `<${b.contact}>;expires=${left}`);
    }
    setHeader(res, 'Date', new Date(now).toUTCString());
    return res;
  }

  private reply(req: SipRequest, status: number, reason?: string): SipResponse {
    return createResponse(req, status, reason, newTag());
  }

  private sweep(): void {
    const now = this.deps.clock.wallNow();
    const expired: Binding[] = [];
    for (const [aor, list] of this.aors) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length === list.length) continue;
      expired.push(...list.filter((b) => b.expiresAt <= now));
      if (live.length > 0) this.aors.set(aor, live);
      else this.aors.delete(aor);
    }
    if (expired.length > 0) this.persist(true);
    for (const binding of expired) this.emit({ kind: 'expired', binding });
  }

  /**
   * After a change to one AOR: only an expiry earlier than the armed one needs a new timer
   * (removed bindings just make the next sweep find less). Keeps a REGISTER O(contacts of the AOR).
   */
  private armSweepFor(changed: readonly Binding[]): void {
    if (this.closed) return;
    let earliest = Infinity;
    for (const b of changed) earliest = Math.min(earliest, b.expiresAt);
    if (earliest >= this.sweepAt && this.sweepTimer) return;
    if (earliest === Infinity) return;
    this.arm(earliest);
  }

  /** One timer for the earliest expiry; re-armed after every sweep (a full scan, once per expiry). */
  private armSweep(): void {
    if (this.closed) return;
    let earliest = Infinity;
    for (const list of this.aors.values()) for (const b of list) earliest = Math.min(earliest, b.expiresAt);
    if (earliest === this.sweepAt && this.sweepTimer) return;
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    if (earliest === Infinity) return;
    this.arm(earliest);
  }

  private arm(earliest: number): void {
    this.sweepTimer?.cancel();
    this.sweepAt = earliest;
    this.sweepTimer = this.deps.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweepAt = Infinity;
      this.sweep();
      this.armSweep();
    }, Math.max(0, earliest - this.deps.clock.wallNow()));
  }

  private persist(material: boolean): void {
    this.deps.store.save(() => {
      const all: Binding[] = [];
      for (const list of this.aors.values()) all.push(...list);
      return all;
    }, material);
  }

  /** Bindings saved by an earlier run, for peers that may still register. */
  private restore(): void {
    const now = this.deps.clock.wallNow();
    let kept = 0;
    for (const r of this.deps.store.load()) {
      const peer = this.deps.peers(r.aor);
      if (!peer || !peer.dynamic || r.expiresAt <= now) continue;
      if (!isTransportProtocol(r.reach.protocol) || !isTransportProtocol(r.source.protocol)) continue;
      const b: Binding = {
        ...r,
        reach: { protocol: r.reach.protocol, address: r.reach.address, port: r.reach.port },
        source: { protocol: r.source.protocol, address: r.source.address, port: r.source.port },
      };
      const list = this.aors.get(r.aor) ?? [];
      list.push(b);
      this.aors.set(r.aor, list);
      kept++;
    }
    if (kept > 0) this.log('info', `registrar: restored ${kept} binding(s) from the store`);
    this.armSweep();
  }

  private emit(e: RegistrationEvent): void {
    const b = e.binding;
    if (e.kind === 'registered') this.log('info', `Registered SIP '${b.aor}' at ${fmtEndpoint(b.reach)}`);
    else if (e.kind === 'unregistered') this.log('info', `Unregistered SIP '${b.aor}' at ${fmtEndpoint(b.reach)}`);
    else if (e.kind === 'expired') this.log('info', `Registration for '${b.aor}' at ${fmtEndpoint(b.reach)} expired`);
    this.deps.onChange?.({ kind: e.kind, binding: copyBinding(b) });
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    this.deps.log?.(level, msg);
  }
}

/** A stored contact that no longer parses matches nothing (it then simply expires). */
function sameStoredContact(b: Binding, contact: RequestedContact): boolean {
  try {
    return sameContactUri(parseUri(b.contact), contact.uri);
  } catch {
    return false;
  }
}

function setUserAgent(b: Binding, ua: string | undefined): void {
  if (ua !== undefined) b.userAgent = ua;
  else delete b.userAgent;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.protocol === b.protocol && a.address === b.address && a.port === b.port;
}

function fmtEndpoint(e: Pick<Endpoint, 'address' | 'port'>): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
