/**
 * Call transfer for SIP legs, as chan_sip does it (handle_request_refer, local_attended_transfer,
 * handle_invite_replaces):
 *
 * - Blind REFER (RFC 3515): the leg that sends REFER is the transferer, the other party of its
 *   bridge the transferee. The target extension (the Refer-To user part) is looked up in the
 *   transferer's TRANSFERCONTEXT variable, else its context. Missing: 202, then a NOTIFY
 *   `404 Not Found` and the call goes on untouched (chan_sip "fakes a failed transfer"). Found:
 *   202, NOTIFY `100 Trying`, the bridge is released, the transferee goes into the dialplan at
 *   (context, exten, 1), NOTIFY `200 OK`, then the transferer is hung up (its BYE after the
 *   NOTIFY). The parking extension parks the transferee instead, announcing the space to the
 *   transferer (sip_park).
 * - Attended REFER (Refer-To with an embedded Replaces naming the transferer's other call, as
 *   the PBX sees it): both bridges are released, the two far parties are bridged together,
 *   NOTIFY `200 OK`, both transferer legs are hung up. Replaces naming no call: NOTIFY `481`.
 * - INVITE with Replaces (RFC 3891, the driver found the leg): the new leg is answered and takes
 *   the replaced leg's place in its bridge; the replaced leg gets BYE.
 * - REFER outside a dialog: 603 Declined (No dialog), as chan_sip; `allowtransfer=no`: 603.
 *
 * Order matters: NOTIFYs are sent in the same turn as the release, so they leave before the BYE
 * the transferer's own dialplan (a Dial that returns when its bridge is released) may send.
 */
import type { PbxConfig, SipPeer } from '../config/index.ts';
import type { MusicOnHold } from '../apps/moh/moh-service.ts';
import { classSource, heldMusicClass } from '../apps/moh/music-class.ts';
import type { Logger } from '../log/index.ts';
import type { MediaClock } from '../media/clock.ts';
import type { SipChannel } from '../channels/sip-channel.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import { bridgeOf, type BridgeableChannel, type HoldSource } from '../core/bridge.ts';
import { HANGUP_CAUSES } from '../core/hangup-causes.ts';
import { bridgeCall } from '../apps/bridge-call.ts';
import type { DialChannel } from '../apps/dial.ts';
import type { ParkingService } from '../apps/parking/types.ts';
import type { ReferRequest } from '../sip/dialog/index.ts';
import { parseReferTo, type ReferTarget } from '../sip/message/refer.ts';
import { createResponse } from '../sip/message/headers.ts';
import { newTag } from '../sip/message/ids.ts';
import type { SipRequest } from '../sip/message/types.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';

/** Where a transferred party goes in the dialplan. */
export interface DialplanTarget {
  context: string;
  exten: string;
  priority: number;
}

export interface TransferServiceOptions {
  config(): PbxConfig;
  sip(): SipDriver | undefined;
  /** Whether the dialplan has the extension (DialplanService.exists). */
  exists(context: string, exten: string, callerId: string | undefined): boolean;
  /** Sends a channel into the dialplan (DialplanService.redirect). */
  redirect(channel: DialChannel, to: DialplanTarget): Promise<void>;
  mediaClock: MediaClock;
  /** Music on hold for a bridge made by a transfer (the classes Dial's bridge would use). */
  moh?: MusicOnHold;
  /** Parking, when it runs: a transfer to its extension parks the transferee. */
  parking?(): ParkingService | undefined;
  log: Logger;
}

type ReferAnswer = { status: number; reason?: string };

const ACCEPTED: ReferAnswer = { status: 202, reason: 'Accepted' };

export class TransferService {
  constructor(private readonly o: TransferServiceOptions) {}

  /** The stack's handler for a REFER that names no dialog (no To tag): chan_sip declines it. */
  outOfDialog(tx: ServerTransaction, req: SipRequest, respond: (tx: ServerTransaction, res: ReturnType<typeof createResponse>) => void): void {
    this.o.log.notice(`REFER outside of a dialog declined (Call-ID ${req.headers.find((h) => h.name === 'Call-ID')?.value ?? '?'})`);
    respond(tx, createResponse(req, 603, 'Declined (No dialog)', newTag()));
  }

  /** A REFER on `transferer`'s dialog; the answer is sent by the dialog layer, NOTIFYs follow. */
  refer(transferer: SipChannel, r: ReferRequest): ReferAnswer {
    const log = this.o.log;
    const peer = this.o.config().peers.get(transferer.peer);
    if (peer?.allowtransfer === false) {
      log.notice(`${transferer.name}: transfer refused (allowtransfer=no for peer '${peer.name}')`);
      return { status: 603, reason: 'Declined' };
    }
    const target = parseReferTo(r.referTo);
    if (!target) {
      log.notice(`${transferer.name}: REFER with an unreadable Refer-To '${r.referTo}'`);
      return { status: 400, reason: 'Bad Refer-To' };
    }
    if (transferer.state !== 'Up') return { status: 603, reason: 'Declined (Call Not Answered)' };
    // The 202 goes out when this returns; the NOTIFYs start on the next microtask, after it.
    queueMicrotask(() => {
      try {
        if (target.replaces) this.attended(transferer, r, target);
        else this.blind(transferer, r, target);
      } catch (e) {
        log.error(`${transferer.name}: transfer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        this.notify(transferer, r, 'SIP/2.0 503 Service Unavailable', true);
      }
    });
    return ACCEPTED;
  }

  /** An INVITE with Replaces: `fresh` (not answered yet) takes `replaced`'s place in its bridge. */
  replaces(fresh: SipChannel, replaced: SipChannel): void {
    const bridge = bridgeOf(replaced);
    if (!bridge || bridge.ended) {
      // Nothing to take over (the replaced leg is in the dialplan, not talking to anyone).
      this.o.log.notice(`${fresh.name}: Replaces names ${replaced.name}, which is in no call; rejected`);
      fresh.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      return;
    }
    const other = dialLeg(bridge.other(replaced));
    bridge.release();
    fresh.answer();
    this.bridge(fresh, other);
    this.o.log.verbose(3, `${fresh.name} replaced ${replaced.name}, now talking to ${other.name}`);
    replaced.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  private blind(transferer: SipChannel, r: ReferRequest, target: ReferTarget): void {
    const log = this.o.log;
    const bridge = bridgeOf(transferer);
    if (!bridge || bridge.ended) {
      log.notice(`${transferer.name}: blind transfer to '${target.user}' refused: the leg is in no call`);
      this.notify(transferer, r, 'SIP/2.0 503 Service Unavailable', true);
      return;
    }
    const transferee = dialLeg(bridge.other(transferer));
    const context = transferer.variables.get('TRANSFERCONTEXT') || transferer.context;
    const exten = target.user;
    const parking = this.o.parking?.();
    if (parking && exten !== '' && parking.isParkExten(exten)) {
      this.park(parking, transferer, transferee, r);
      return;
    }
    if (exten === '' || !this.o.exists(context, exten, transferee.callerId.number)) {
      log.notice(`${transferer.name}: blind transfer of ${transferee.name} to '${exten}@${context}' failed: no such extension`);
      this.notify(transferer, r, 'SIP/2.0 404 Not Found', true);
      return;
    }
    log.verbose(3, `${transferer.name} blind-transfers ${transferee.name} to ${exten}@${context}`);
    this.notify(transferer, r, 'SIP/2.0 100 Trying', false);
    // chan_sip's variables on the transferred channel (the dialplan can tell a transfer, and who did it).
    transferee.variables.set('BLINDTRANSFER', transferer.name);
    transferee.variables.set('SIPTRANSFER', 'yes');
    transferee.variables.set('SIPREFERRINGCONTEXT', context);
    transferee.variables.set('SIPREFERTOHDR', r.referTo);
    if (r.referredBy !== undefined) transferee.variables.set('SIPREFERREDBYHDR', r.referredBy);
    bridge.release();
    this.o.redirect(transferee, { context, exten, priority: 1 }).catch((e: unknown) => log.error(`dialplan of ${transferee.name} after transfer failed: ${e instanceof Error ? e.message : String(e)}`));
    this.notify(transferer, r, 'SIP/2.0 200 OK', true);
    transferer.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  /** Transfer to the parking extension: the transferee is parked, the transferer hears the space. */
  private park(parking: ParkingService, transferer: SipChannel, transferee: DialChannel, r: ReferRequest): void {
    const bridge = bridgeOf(transferer);
    this.notify(transferer, r, 'SIP/2.0 100 Trying', false);
    bridge?.release();
    parking
      .park(transferee, { parkerName: transferer.name, announceTo: transferer })
      .then((space) => {
        this.notify(transferer, r, space === undefined ? 'SIP/2.0 503 Service Unavailable' : 'SIP/2.0 200 OK', true);
        if (space === undefined) transferee.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        transferer.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      })
      .catch((e: unknown) => {
        this.o.log.error(`parking ${transferee.name} failed: ${e instanceof Error ? e.message : String(e)}`);
        this.notify(transferer, r, 'SIP/2.0 503 Service Unavailable', true);
        transferer.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      });
  }

  private attended(transferer: SipChannel, r: ReferRequest, target: ReferTarget): void {
    const log = this.o.log;
    const other = target.replaces ? this.o.sip()?.channelForDialog(target.replaces) : undefined;
    if (!other || other === transferer) {
      log.notice(`${transferer.name}: attended transfer refused: Replaces names no call of ours`);
      this.notify(transferer, r, 'SIP/2.0 481 Call/Transaction Does Not Exist', true);
      return;
    }
    const first = bridgeOf(transferer);
    const second = bridgeOf(other);
    if (!first || first.ended || !second || second.ended) {
      log.notice(`${transferer.name}: attended transfer refused: ${!first || first.ended ? transferer.name : other.name} is in no call`);
      this.notify(transferer, r, 'SIP/2.0 503 Service Unavailable', true);
      return;
    }
    const a = dialLeg(first.other(transferer));
    const c = dialLeg(second.other(other));
    log.verbose(3, `${transferer.name} transfers ${a.name} to ${c.name} (attended, with ${other.name})`);
    this.notify(transferer, r, 'SIP/2.0 100 Trying', false);
    first.release();
    second.release();
    this.bridge(a, c);
    this.notify(transferer, r, 'SIP/2.0 200 OK', true);
    transferer.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  /** Two answered parties talking after a transfer (with hold and music as in a Dial). */
  private bridge(a: DialChannel, b: DialChannel): void {
    const call = bridgeCall(a, b, {
      mediaClock: this.o.mediaClock,
      holdMusic: (holder, held) => this.holdMusic(holder, held),
      log: (m) => this.o.log.verbose(3, m),
    });
    void call.ended.then((how) => this.o.log.verbose(4, `transferred call ${a.name}/${b.name} ended (${how})`));
  }

  /** What `held` hears while `holder` holds: res_musiconhold's class choice, as in Dial's bridge. */
  private holdMusic(holder: DialChannel, held: DialChannel): HoldSource | undefined {
    const moh = this.o.moh;
    if (!moh) return undefined;
    const peers = this.o.config().peers;
    const peerOf = (ch: DialChannel): SipPeer | undefined => (ch.tech === 'SIP' ? peers.get((ch as SipChannel).peer) : undefined);
    return classSource(moh, heldMusicClass(moh, held, peerOf(held), peerOf(holder)));
  }

  /** A NOTIFY of the REFER's subscription; its failure is only logged (the call is not at stake). */
  private notify(transferer: SipChannel, r: ReferRequest, sipfrag: string, final: boolean): void {
    const session = transferer.session;
    if (!session || transferer.ended) return;
    void session.notifyRefer(r.id, sipfrag, final).then((res) => {
      if (!res.ok) this.o.log.verbose(3, `${transferer.name}: NOTIFY (${sipfrag}) answered ${res.status}`);
    });
  }
}

/** Every bridge here was made by bridgeCall (Dial, a transfer, parking), whose legs are SIP or analog channels. */
function dialLeg(leg: BridgeableChannel): DialChannel {
  return leg as DialChannel;
}
