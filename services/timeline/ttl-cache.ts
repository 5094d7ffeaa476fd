// A small in-process cache: entries live ttlMs, concurrent misses for one key
// share a single load, and the oldest entries go when it is full. ttlMs 0
// still shares concurrent loads but keeps nothing.
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && (hit.expiresAt > now || hit.expiresAt === 0)) return hit.value;
    const value = load();
    // expiresAt 0 marks a load in flight (ttl 0): shared until it settles.
    const entry = { value, expiresAt: 0 };
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
}
