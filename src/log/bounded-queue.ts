/**
 * A fixed-capacity FIFO on a circular array. When full, push() evicts the oldest item, so memory
 * stays bounded whatever the log rate: the console ring keeps the newest lines, the syslog queue
 * keeps the newest records while the server is unreachable.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    if (!(cap >= 1)) throw new RangeError(`queue capacity must be >= 1, got ${cap}`);
    this.cap = Math.floor(cap);
    this.items = new Array<T | undefined>(this.cap);
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Append; returns true when the oldest item had to be evicted to make room. */
  push(item: T): boolean {
    if (this.count === this.cap) {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.cap;
      return true;
    }
    this.items[(this.head + this.count) % this.cap] = item;
    this.count++;
    return false;
  }

  /** Remove and return the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.cap;
    this.count--;
    return item;
  }

  /** Item i counted from the oldest (0). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.head + i) % this.cap];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) % this.cap] as T);
    return out;
  }

  /** Remove everything, returning it oldest first. */
  drain(): T[] {
    const out = this.toArray();
    this.clear();
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.cap);
    this.head = 0;
    this.count = 0;
  }

  /** Change the capacity, keeping the newest items. Returns how many were evicted. */
  resize(cap: number): number {
    if (!(cap >= 1)) throw new RangeError(`queue capacity must be >= 1, got ${cap}`);
    const keep = this.toArray();
    this.cap = Math.floor(cap);
    this.clear();
    const evicted = Math.max(0, keep.length - this.cap);
    for (const x of keep.slice(evicted)) this.push(x);
    return evicted;
  }
}
