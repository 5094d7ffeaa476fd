// A small in-process cache: entries live ttlMs, concurrent misses for one key
// share a single load, and the oldest entries go when it is full. ttlMs 0
// still shares concurrent loads but keeps nothing.
//
// An expired entry is served for one more ttlMs while a single reload runs
// behind it (stale-while-revalidate), so a value may be up to twice ttlMs
// old. Entries loaded together (every reader at the start of a burst) expire
// together, and without this every read at that moment waited for its reload.
interface Entry<V> {
  value: Promise<V>;
  /** 0 while the first load is in flight. */
  expiresAt: number;
  refreshing: boolean;
}

export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    /** Told of each get: served from the cache (fresh, stale or loading already) or loaded (metrics). */
    private readonly onLookup: (result: "hit" | "miss") => void = () => {},
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && (hit.expiresAt > now || hit.expiresAt === 0)) {
      this.onLookup("hit");
      return hit.value;
    }
    if (hit && hit.expiresAt + this.ttlMs > now) {
      if (!hit.refreshing) this.refresh(key, hit, load);
      this.onLookup("hit");
      return hit.value;
    }
    this.onLookup("miss");
    const value = load();
    const entry: Entry<V> = { value, expiresAt: 0, refreshing: false };
    this.entries.set(key, entry);
    value.then(
      () => {
        if (this.entries.get(key) !== entry) return;
        if (this.ttlMs === 0) this.entries.delete(key);
        else entry.expiresAt = Date.now() + this.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key); // never cache a failure
      },
    );
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Replaces `old` once the reload succeeds; a failed one leaves `old` to expire (a later read tries again). */
  private refresh(key: K, old: Entry<V>, load: () => Promise<V>): void {
    old.refreshing = true;
    const value = load();
    value.then(
      () => {
        if (this.entries.get(key) === old) this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs, refreshing: false });
      },
      () => {
        old.refreshing = false;
      },
    );
  }
}
