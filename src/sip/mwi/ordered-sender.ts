/**
 * One NOTIFY at a time per subscription (or per contact, for unsolicited MWI), so a phone never
 * sees an older summary after a newer one: a NOTIFY is sent only once the previous one has its
 * final response (or timed out), and while one is in flight only the most recent request to
 * send is kept (RFC 6665 4.2.2 lets a notifier merge state changes; the newest state is what
 * counts). Requests are built when they go out, so in-dialog CSeq numbers rise in send order.
 */
export type NotifyOutcome = { status: number } | 'timeout' | 'error';

/** Starts one send and calls done exactly once with its outcome. */
export type NotifyStart = (done: (outcome: NotifyOutcome) => void) => void;

export class OrderedSender {
  private inFlight = false;
  private waiting: NotifyStart | undefined;
  private closed = false;

  /** Send now, or after the NOTIFY in flight (replacing any send still waiting). */
  submit(start: NotifyStart): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.waiting = start;
      return;
    }
    this.run(start);
  }

  get busy(): boolean {
    return this.inFlight;
  }

  /** Nothing more is sent; a waiting send is dropped. */
  close(): void {
    this.closed = true;
    this.waiting = undefined;
  }

  private run(start: NotifyStart): void {
    this.inFlight = true;
    let finished = false;
    start(() => {
      if (finished) return;
      finished = true;
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = undefined;
      if (next && !this.closed) this.run(next);
    });
  }
}
