/**
 * The persistent notification-mail queue: a mail is written whole to
 * `<data>/voicemail/.mailqueue/` (one file per job, atomically, the recording COPIED in so a
 * later delete of the message cannot lose the mail) before anything is sent, then sent in the
 * background, one at a time. A failed attempt is retried with exponential backoff (30 s
 * doubling to 30 min) on the injected clock and logged as a warning with the SMTP error; a
 * permanent rejection (5xx) is logged as an error and the job moved to `failed/`, never dropped.
 * Jobs left by an earlier run are loaded at start.
 *
 * The backoff belongs to the queue, not to each job: when the smarthost is down every job
 * would fail the same way, so the queue pauses as a whole instead of connecting once per job.
 *
 * Job file: a one-line JSON header (plain data, `QueuedMailHeader`), `\n`, then the raw
 * attachment bytes (no base64, so a 5-minute message costs its own size on disk).
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { ensureDir, fileExists, isDirectory, listDir, paths, removeFile, renameFile, writeFileAtomic } from '../../platform/fs.ts';
import { readBinaryFile } from '../../platform/binary-file.ts';
import type { ComposedMail } from './mail-compose.ts';

/** The persisted part of a job: the composed mail, the attachment's bytes stored after it. */
export interface QueuedMailHeader extends Omit<ComposedMail, 'attachment'> {
  version: 1;
  id: string;
  /** Wall-clock ms when it was queued. */
  queuedAt: number;
  attachment?: { filename: string; contentType: string; bytes: number };
  /** The recording was dropped to keep the queue within its bound. */
  attachmentDropped?: boolean;
}

/** A job as the sender gets it. */
export interface QueuedMail extends QueuedMailHeader {
  attachmentData?: Uint8Array;
}

/** What the console shows of a pending job. */
export interface MailQueueEntry {
  id: string;
  kind: 'email' | 'pager';
  mailbox: string;
  to: string;
  subject: string;
  attempts: number;
  /** Wall-clock ms of the next attempt (now or in the past: due). */
  nextTry: number;
  lastError?: string;
  /** Bytes of the job file. */
  bytes: number;
  sending: boolean;
}

/** Sends one mail; rejects with an error whose `permanent` is true for a 5xx rejection. */
export type SendMail = (mail: QueuedMail) => Promise<void>;

/** The part of the logger the queue uses (structural, so apps/ does not import log/). */
export interface MailLog {
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warning(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  verbose(level: number, msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface MailQueueOptions {
  /** `<data>/voicemail/.mailqueue`. */
  dir: string;
  clock: Clock;
  send: SendMail;
  log: MailLog;
  /** First retry delay (default 30 s), doubled per failure up to maxRetryMs (default 30 min). */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Bounds of the queue (default 1,000 jobs / 64 MiB). */
  maxJobs?: number;
  maxBytes?: number;
}

export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 30 * 60_000;
export const MAX_JOBS = 1000;
export const MAX_QUEUE_BYTES = 64 * 1024 * 1024;

const JOB_SUFFIX = '.mail';
const FAILED_DIR = 'failed';
const NOTE_DROPPED = '\n\n(The recording was not attached: the mail queue was full.)\n';

interface Job {
  id: string;
  header: QueuedMailHeader;
  bytes: number;
  attempts: number;
  /** Monotonic clock ms of the next attempt. */
  nextTry: number;
  lastError?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeJob(header: QueuedMailHeader, attachment: Uint8Array | undefined): Uint8Array {
  const head = encoder.encode(`${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.length + (attachment?.length ?? 0));
  out.set(head, 0);
  if (attachment) out.set(attachment, head.length);
  return out;
}

function decodeJob(bytes: Uint8Array): QueuedMail {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error('no header line');
  const header = JSON.parse(decoder.decode(bytes.subarray(0, nl))) as QueuedMailHeader;
  if (header.version !== 1 || typeof header.id !== 'string' || !header.to?.address) throw new Error('not a mail job');
  const rest = bytes.subarray(nl + 1);
  if (header.attachment && rest.length !== header.attachment.bytes) throw new Error('attachment truncated');
  return header.attachment ? { ...header, attachmentData: rest } : header;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MailQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxJobs: number;
  private readonly maxBytes: number;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private inFlight: { id: string; done: Promise<void> } | undefined;
  /** Consecutive transient failures: the exponent of the queue's pause. */
  private failures = 0;
  private pausedUntil = 0;
  private started = false;
  private closed = false;
  private seq = 0;
  private failedCount = 0;

  constructor(private readonly opts: MailQueueOptions) {
    this.firstRetryMs = opts.firstRetryMs ?? FIRST_RETRY_MS;
    this.maxRetryMs = opts.maxRetryMs ?? MAX_RETRY_MS;
    this.maxJobs = opts.maxJobs ?? MAX_JOBS;
    this.maxBytes = opts.maxBytes ?? MAX_QUEUE_BYTES;
  }

  /** The retry delay after `n` consecutive failures (1-based): 30 s, 60 s, 120 s ... 30 min. */
  retryDelay(n: number): number {
    return Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** Math.min(30, Math.max(0, n - 1)));
  }

  /** Loads the jobs an earlier run left and starts sending. */
  start(): void {
    if (this.started) return;
    this.started = true;
    ensureDir(this.opts.dir);
    for (const name of listDir(this.opts.dir)) {
      const path = paths.join(this.opts.dir, name);
      // A temp file of an interrupted atomic write: its job never existed.
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        removeFile(path);
        continue;
      }
      if (!name.endsWith(JOB_SUFFIX)) continue;
      try {
        const bytes = readBinaryFile(path);
        if (!bytes) continue;
        const mail = decodeJob(bytes);
        this.jobs.set(mail.id, { id: mail.id, header: stripData(mail), bytes: bytes.length, attempts: 0, nextTry: this.opts.clock.now() });
      } catch (e) {
        this.opts.log.error(`voicemail mail queue: unreadable job ${name} moved to ${FAILED_DIR}/: ${errorText(e)}`);
        this.moveToFailed(name);
      }
    }
    if (isDirectory(this.failedDir())) this.failedCount = listDir(this.failedDir()).filter((n) => n.endsWith(JOB_SUFFIX)).length;
    if (this.jobs.size > 0) this.opts.log.verbose(2, `voicemail mail queue: ${this.jobs.size} mail(s) left from before, sending`);
    this.schedule();
  }

  /**
   * Writes the job to disk (crash-safe) and schedules it; returns its id. Throws only when the
   * job could not be written (disk full ...): then nothing was queued.
   */
  enqueue(mail: ComposedMail, attachment?: Uint8Array): string {
    const id = this.newId();
    const header: QueuedMailHeader = {
      version: 1,
      id,
      kind: mail.kind,
      mailbox: mail.mailbox,
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      date: mail.date,
      queuedAt: this.opts.clock.wallNow(),
    };
    if (attachment && mail.attachment) header.attachment = { filename: mail.attachment.filename, contentType: mail.attachment.contentType, bytes: attachment.length };
    const data = encodeJob(header, header.attachment ? attachment : undefined);
    writeFileAtomic(this.jobPath(id), data);
    this.jobs.set(id, { id, header, bytes: data.length, attempts: 0, nextTry: this.opts.clock.now() });
    this.opts.log.verbose(3, `voicemail mail queue: queued ${mail.kind} mail for ${mail.mailbox} to ${mail.to.address}`, { job: id });
    this.enforceBounds(id);
    this.schedule();
    return id;
  }

  /** Pending jobs, oldest first. */
  list(): MailQueueEntry[] {
    const now = this.opts.clock.now();
    const wall = this.opts.clock.wallNow();
    return this.ordered().map((j) => ({
      id: j.id,
      kind: j.header.kind,
      mailbox: j.header.mailbox,
      to: j.header.to.address,
      subject: j.header.subject,
      attempts: j.attempts,
      nextTry: wall + (this.dueAt(j) - now),
      lastError: j.lastError,
      bytes: j.bytes,
      sending: this.inFlight?.id === j.id,
    }));
  }

  /** Jobs kept in `failed/` (permanent rejections, unreadable files). */
  failedJobs(): number {
    return this.failedCount;
  }

  /** Forget the pause and try every job now (`voicemail mailqueue flush`, a new smarthost). */
  flush(): void {
    this.failures = 0;
    this.pausedUntil = 0;
    const now = this.opts.clock.now();
    for (const j of this.jobs.values()) j.nextTry = Math.min(j.nextTry, now);
    this.schedule();
  }

  /** Stops sending; waits for an attempt in progress. Jobs stay on disk for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight?.done;
  }

  private ordered(): Job[] {
    return [...this.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private dueAt(j: Job): number {
    return Math.max(j.nextTry, this.pausedUntil);
  }

  /** Arms the timer for the earliest due job (or runs it now). */
  private schedule(): void {
    if (!this.started || this.closed || this.inFlight) return;
    let next: Job | undefined;
    for (const j of this.ordered()) if (!next || this.dueAt(j) < this.dueAt(next)) next = j;
    if (!next) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    const at = this.dueAt(next);
    if (this.timer && this.timerAt === at) return;
    this.timer?.cancel();
    this.timerAt = at;
    // Even a due job goes through the clock: enqueue() returns before any sending starts.
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.runNext();
    }, Math.max(0, at - this.opts.clock.now()));
  }

  private runNext(): void {
    if (this.closed || this.inFlight) return;
    const now = this.opts.clock.now();
    const job = this.ordered().find((j) => this.dueAt(j) <= now);
    if (!job) {
      this.schedule();
      return;
    }
    const done = this.attempt(job).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    this.inFlight = { id: job.id, done };
  }

  private async attempt(job: Job): Promise<void> {
    const name = `${job.id}${JOB_SUFFIX}`;
    let mail: QueuedMail;
    try {
      const bytes = readBinaryFile(this.jobPath(job.id));
      if (!bytes) throw new Error('job file vanished');
      mail = decodeJob(bytes);
    } catch (e) {
      this.jobs.delete(job.id);
      this.opts.log.error(`voicemail mail queue: unreadable job ${name} moved to ${FAILED_DIR}/: ${errorText(e)}`);
      this.moveToFailed(name);
      return;
    }
    job.attempts++;
    try {
      await this.opts.send(mail);
    } catch (e) {
      const text = errorText(e);
      job.lastError = text;
      if ((e as { permanent?: unknown }).permanent === true) {
        this.jobs.delete(job.id);
        this.moveToFailed(name);
        this.opts.log.error(`voicemail mail for ${mail.mailbox} to ${mail.to.address} rejected, kept in .mailqueue/${FAILED_DIR}/${name}: ${text}`, { job: job.id });
        return;
      }
      this.failures++;
      const delay = this.retryDelay(this.failures);
      this.pausedUntil = this.opts.clock.now() + delay;
      job.nextTry = this.pausedUntil;
      this.opts.log.warning(`voicemail mail for ${mail.mailbox} to ${mail.to.address} not sent (attempt ${job.attempts}), retry in ${Math.round(delay / 1000)} s: ${text}`, { job: job.id });
      return;
    }
    this.failures = 0;
    this.pausedUntil = 0;
    this.jobs.delete(job.id);
    removeFile(this.jobPath(job.id));
    this.opts.log.verbose(2, `voicemail mail for ${mail.mailbox} sent to ${mail.to.address}`, { job: job.id });
  }

  /**
   * Keeps the queue within maxJobs / maxBytes: the oldest recordings go first (the mail itself
   * stays, saying the recording was dropped); only when no recording is left does the oldest
   * job move to failed/ (kept on disk, not deleted).
   */
  private enforceBounds(newest: string): void {
    for (;;) {
      const total = [...this.jobs.values()].reduce((n, j) => n + j.bytes, 0);
      if (this.jobs.size <= this.maxJobs && total <= this.maxBytes) return;
      const movable = this.ordered().filter((j) => j.id !== this.inFlight?.id);
      const withAudio = movable.find((j) => j.header.attachment);
      if (withAudio) {
        this.dropAttachment(withAudio, total);
        continue;
      }
      const oldest = movable.find((j) => j.id !== newest) ?? movable[0];
      if (!oldest || this.jobs.size <= this.maxJobs) return;
      this.jobs.delete(oldest.id);
      this.moveToFailed(`${oldest.id}${JOB_SUFFIX}`);
      this.opts.log.error(`voicemail mail queue full (${this.maxJobs} jobs): mail for ${oldest.header.mailbox} to ${oldest.header.to.address} moved to ${FAILED_DIR}/`, { job: oldest.id });
    }
  }

  private dropAttachment(job: Job, total: number): void {
    const header: QueuedMailHeader = { ...job.header, text: job.header.text + NOTE_DROPPED, attachmentDropped: true };
    delete header.attachment;
    const data = encodeJob(header, undefined);
    writeFileAtomic(this.jobPath(job.id), data);
    this.opts.log.error(
      `voicemail mail queue over its bound (${this.jobs.size} jobs, ${total} bytes): dropped the recording from the mail for ${job.header.mailbox} to ${job.header.to.address}`,
      { job: job.id },
    );
    job.header = header;
    job.bytes = data.length;
  }

  private moveToFailed(name: string): void {
    try {
      ensureDir(this.failedDir());
      renameFile(paths.join(this.opts.dir, name), paths.join(this.failedDir(), name));
      this.failedCount++;
    } catch (e) {
      this.opts.log.error(`voicemail mail queue: could not move ${name} to ${FAILED_DIR}/: ${errorText(e)}`);
    }
  }

  private failedDir(): string {
    return paths.join(this.opts.dir, FAILED_DIR);
  }

  private jobPath(id: string): string {
    return paths.join(this.opts.dir, `${id}${JOB_SUFFIX}`);
  }

  /** Sortable and unique: wall-clock ms, then a counter (several mails in one ms, clock steps). */
  private newId(): string {
    const wall = String(Math.floor(this.opts.clock.wallNow())).padStart(14, '0');
    for (;;) {
      const id = `${wall}-${String(this.seq++ % 1_000_000).padStart(6, '0')}`;
      if (!this.jobs.has(id) && !fileExists(this.jobPath(id))) return id;
    }
  }
}

function stripData(mail: QueuedMail): QueuedMailHeader {
  const { attachmentData: _unused, ...header } = mail;
  return header;
}
