/**
 * The running conferences (app_meetme's `confs` list): a conference exists while someone is in it.
 * `open` finds the running one or starts it: a `[rooms]` line of meetme.conf gives its PIN and
 * admin PIN; a number meetme.conf does not know is started only for a dynamic join (`d`/`D`),
 * with the PIN the first user chose. The room list is read from the configuration in force at
 * each call, so a reload applies to the next conference started.
 */
import type { MeetmeRoomConfig } from '../../config/meetme-conf.ts';
import { Conference, type ConferenceDeps } from './conference.ts';

export interface MeetmeRegistryOptions extends ConferenceDeps {
  /** meetme.conf [rooms] in force. */
  rooms(): ReadonlyMap<string, MeetmeRoomConfig>;
}

export class MeetmeRegistry {
  private readonly confs = new Map<string, Conference>();

  constructor(readonly o: MeetmeRegistryOptions) {}

  /** Running conferences (someone is in) in start order. */
  list(): Conference[] {
    return [...this.confs.values()].filter((c) => c.count > 0);
  }

  /** The running conference (someone is in it). */
  find(confno: string): Conference | undefined {
    const c = this.confs.get(confno);
    return c && c.count > 0 ? c : undefined;
  }

  /** The static room of that number (meetme.conf), if any. */
  room(confno: string): MeetmeRoomConfig | undefined {
    return this.o.rooms().get(confno);
  }

  /** Users in the conference (MeetMeCount): 0 when it is not running. */
  count(confno: string): number {
    return this.confs.get(confno)?.count ?? 0;
  }

  /**
   * Claims the conference for a caller about to join (PIN, name...): the running or half-open
   * one, else a new one for a meetme.conf room, else (with `dynamic`) a new
   * dynamic conference with `dynamicPin`; undefined when the number is unknown and not dynamic.
   */
  open(confno: string, dynamic?: { pin: string }): Conference | undefined {
    const running = this.confs.get(confno);
    if (running) {
      running.claims++;
      return running;
    }
    const room = this.room(confno);
    let conf: Conference;
    if (room) conf = new Conference(confno, this.o, room.pin, room.adminpin, false);
    else if (dynamic) conf = new Conference(confno, this.o, dynamic.pin, '', true);
    else return undefined;
    conf.claims = 1;
    conf.onEmpty = () => {
      if (conf.claims === 0 && this.confs.get(confno) === conf) this.confs.delete(confno);
    };
    this.confs.set(confno, conf);
    return conf;
  }

  /**
   * The caller that `open`ed it joined or gave up (a wrong PIN, a hangup): a conference nobody is
   * in or about to join is dropped (an empty conference ends, as app_meetme disposes of it).
   */
  release(conf: Conference): void {
    conf.claims = Math.max(0, conf.claims - 1);
    if (conf.claims === 0 && conf.count === 0) {
      conf.close();
      if (this.confs.get(conf.confno) === conf) this.confs.delete(conf.confno);
    }
  }
}
