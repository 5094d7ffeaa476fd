// A timeline's ids for the in-process store, oldest to newest in a
// BigInt64Array, read newest first. A new tweet is the newest almost always,
// so adding it writes one slot at the end; the oldest go by moving the start.
// A JS array of bigints kept newest first moved the whole list on every
// insert and chased a pointer per id compared, which made fan-out writes a
// visible share of the all-in-one's CPU.
export class IdList {
  private buf = new BigInt64Array(16);
  /** The oldest id's slot. */
  private start = 0;
  /** One past the newest id's slot. */
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  oldest(): bigint | undefined {
    return this.end > this.start ? this.buf[this.start] : undefined;
  }

  /** Adds the id once, in order. */
  insert(id: bigint): void {
    if (this.end === this.buf.length) this.makeRoom();
    if (this.end === this.start || id > this.buf[this.end - 1]!) {
      this.buf[this.end++] = id;
      return;
    }
    const i = this.firstAtLeast(id);
    if (i < this.end && this.buf[i] === id) return;
    this.buf.copyWithin(i + 1, i, this.end);
    this.buf[i] = id;
    this.end++;
  }

  has(id: bigint): boolean {
    const i = this.firstAtLeast(id);
    return i < this.end && this.buf[i] === id;
  }

  clear(): void {
    this.start = this.end = 0;
  }

  /** Keeps the newest `cap` ids. */
  trimTo(cap: number): void {
    if (this.length > cap) this.start = this.end - cap;
  }

  /** Drops the ids below `oldest`. */
  dropBelow(oldest: bigint): void {
    this.start = this.firstAtLeast(oldest);
  }

  removeAll(gone: ReadonlySet<bigint>): void {
    let w = this.start;
    for (let r = this.start; r < this.end; r++) {
      const id = this.buf[r]!;
      if (!gone.has(id)) this.buf[w++] = id;
    }
    this.end = w;
  }

  /** Up to `limit` ids below `before` (all when undefined), newest first. */
  page(before: bigint | undefined, limit: number): bigint[] {
    const top = before === undefined ? this.end : this.firstAtLeast(before);
    const out: bigint[] = [];
    for (let k = top - 1; k >= this.start && out.length < limit; k--) out.push(this.buf[k]!);
    return out;
  }

  /** The first slot holding an id >= `id` (end when none). */
  private firstAtLeast(id: bigint): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A free slot at the end: the ids moved to the front when half the buffer is free, else a buffer twice as big. */
  private makeRoom(): void {
    const n = this.length;
    if (this.start > 0 && n * 2 <= this.buf.length) this.buf.copyWithin(0, this.start, this.end);
    else {
      const next = new BigInt64Array(this.buf.length * 2);
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
    }
    this.start = 0;
    this.end = n;
  }
}
