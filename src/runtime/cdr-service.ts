/**
 * Call records for the running PBX: the engine listening to `pbx.events`, the batch writer of
 * `<data>/cdr-csv/Master.csv`, one syslog record per call (the `cdr` module, notice) and the
 * `Cdr` bus event the manager passes on. cdr.conf is read at each record, so `reload` applies;
 * at stop what waits is written (safeshutdown) before the logger closes.
 */
import type { Clock } from '../platform/clock.ts';
import { paths } from '../platform/fs.ts';
import { filesystemKind } from '../platform/spool-fs.ts';
import type { PbxConfig } from '../config/index.ts';
import { cdrOf } from '../config/cdr-conf.ts';
import type { EventBus, EventChannel } from '../core/events.ts';
import type { Logger } from '../log/index.ts';
import { CdrEngine, type ChannelCdr } from '../cdr/engine.ts';
import { csvLine } from '../cdr/csv.ts';
import { CsvBatchWriter, MASTER_CSV } from '../cdr/writer.ts';
import { cdrEventFields, type CdrRecord } from '../cdr/record.ts';
import { cdrSyslogFields, cdrSyslogMessage } from '../cdr/syslog-record.ts';
import type { CdrStatus } from '../cdr/status.ts';

export const CDR_VOLATILE_WARNING = 'call records are in RAM (no data partition): Master.csv is capped at 1 MiB and lost at reboot';

export interface CdrServiceOptions {
  config: () => PbxConfig;
  clock: Clock;
  log: Logger;
  events: EventBus;
  /** Override of the RAM check (tests). */
  volatile?: boolean;
}

/** `SIP/2000-00000001` -> peer `2000`. */
function sipPeerOf(channel: EventChannel): string | undefined {
  if (channel.tech !== 'SIP') return undefined;
  const m = /^SIP\/(.+)-[0-9a-f]{8}$/.exec(channel.name);
  return m?.[1];
}

export class CdrService {
  readonly engine: CdrEngine;
  readonly writer: CsvBatchWriter;
  readonly dir: string;
  readonly volatile: boolean;

  constructor(private readonly o: CdrServiceOptions) {
    this.dir = paths.join(o.config().system.data, 'cdr-csv');
    const kind = filesystemKind(o.config().system.data);
    this.volatile = o.volatile ?? (kind === 'tmpfs' || kind === 'ramfs');
    this.writer = new CsvBatchWriter({
      dir: this.dir,
      clock: o.clock,
      batch: () => {
        const c = this.conf();
        return { size: c.size, timeMs: c.time * 1000, accountlogs: c.csv.accountlogs };
      },
      volatile: this.volatile,
      warn: (m) => o.log.warning(m),
    });
    this.engine = new CdrEngine({
      wallNow: () => o.clock.wallNow(),
      settings: () => {
        const c = this.conf();
        return { enabled: c.enable, unanswered: c.unanswered, endBeforeHExten: c.endbeforehexten, utc: c.csv.usegmtime };
      },
      accountCode: (ch) => {
        const peer = sipPeerOf(ch);
        return peer === undefined ? undefined : o.config().peers.get(peer)?.accountcode;
      },
      post: (r) => this.post(r),
    });
    this.engine.attach(o.events);
    if (this.volatile && this.conf().enable) o.log.warning(CDR_VOLATILE_WARNING);
  }

  private conf(): ReturnType<typeof cdrOf> {
    return cdrOf(this.o.config());
  }

  /** The dialplan's seam: the channel's live record. */
  forChannel(uniqueId: string): ChannelCdr | undefined {
    return this.engine.forChannel(uniqueId);
  }

  private post(r: CdrRecord): void {
    const c = this.conf();
    const utc = c.csv.usegmtime;
    this.writer.add(csvLine(r, { utc, loguniqueid: c.csv.loguniqueid, loguserfield: c.csv.loguserfield }), r.accountcode);
    this.o.log.notice(cdrSyslogMessage(r), cdrSyslogFields(r, utc));
    this.o.events.emit({ type: 'Cdr', fields: cdrEventFields(r, utc) });
  }

  status(): CdrStatus {
    const c = this.conf();
    const next = this.writer.nextFlushInMs();
    return {
      enabled: c.enable,
      configuredBatch: c.batch,
      unanswered: c.unanswered,
      safeShutdown: c.safeshutdown,
      schedulerOnly: c.scheduleronly,
      pending: this.writer.pendingCount,
      batchSize: c.size,
      batchSeconds: c.time,
      nextBatchSeconds: next === undefined ? undefined : Math.ceil(next / 1000),
      written: this.writer.written,
      active: this.engine.active,
      backends: ['csv', 'syslog'],
      file: paths.join(this.dir, MASTER_CSV),
      volatile: this.volatile,
    };
  }

  /** Stops listening; writes what waits unless safeshutdown = no. Call after the calls ended. */
  stop(): void {
    this.engine.detach();
    if (this.conf().safeshutdown) this.writer.close();
    else this.writer.abandon();
  }
}
