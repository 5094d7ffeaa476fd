// The hydration cache in process (the all-in-one): a Map per kind, entries
// bounded in number and by a time to live, with the generations of port.ts.
import type { CacheRead, HydrationCache, KeptStates, Kind } from "./port.js";

interface Entry {
  /** undefined: a generation marker left by an invalidation, no value. */
  value: Uint8Array | undefined;
  /** The value decoded by its first readDecoded(); a change replaces the entry, and this with it. */
  decoded?: unknown;
  generation: number;
  expiresAt: number;
}

interface StatesEntry {
  since: number;
  expiresAt: number;
  states: Map<bigint, number>;
}

export class MemoryHydrationCache implements HydrationCache {
  private readonly maps: Record<Kind, Map<bigint, Entry>> = { tweet: new Map(), user: new Map(), "notification-heads": new Map(), "notification-unread": new Map() };
  /** By viewer and states version; the least recently read goes first. */
  private readonly viewers = new Map<string, StatesEntry>();

  constructor(
    private readonly o: {
      ttlMs: number;
      maxEntries: number;
      /** Viewers whose states are kept (default 20,000). */
      maxViewers?: number;
      /** States kept per viewer; a viewer past it starts over (default 2,000). */
      maxPerViewer?: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private live(kind: Kind, id: bigint, now = this.now()): Entry | undefined {
    const map = this.maps[kind];
    const e = map.get(id);
    if (e && e.expiresAt <= now) {
      map.delete(id);
      return undefined;
    }
    return e;
  }

  private set(kind: Kind, id: bigint, entry: Entry): void {
    const map = this.maps[kind];
    // Re-inserted last: the Map's order is the order of last writes, the oldest go first.
    map.delete(id);
    map.set(id, entry);
    while (map.size > this.o.maxEntries) map.delete(map.keys().next().value!);
  }

  async read(kind: Kind, ids: readonly bigint[]): Promise<CacheRead> {
    return this.scan(kind, ids, (e) => e.value!);
  }

  async readDecoded<V>(kind: Kind, ids: readonly bigint[], decode: (bytes: Uint8Array) => V): Promise<CacheRead<V>> {
    return this.scan(kind, ids, (e) => (e.decoded ??= decode(e.value!)) as V);
  }

  /** The entries present as `valueOf` gives them; one it throws on is a miss not to fill (-1). */
  private scan<V>(kind: Kind, ids: readonly bigint[], valueOf: (e: Entry) => V): CacheRead<V> {
    const out: CacheRead<V> = { hits: new Map(), misses: new Map() };
    const now = this.now();
    for (const id of ids) {
      const e = this.live(kind, id, now);
      if (e?.value === undefined) {
        out.misses.set(id, e?.generation ?? 0);
        continue;
      }
      try {
        out.hits.set(id, valueOf(e));
      } catch {
        out.misses.set(id, -1);
      }
    }
    return out;
  }

  async fill(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<void> {
    for (const [id, value, generation] of values) {
      const e = this.live(kind, id);
      if (e?.value || (e?.generation ?? 0) !== generation) continue;
      this.set(kind, id, { value, generation, expiresAt: this.now() + this.o.ttlMs });
    }
  }

  async invalidate(kind: Kind, ids: readonly bigint[]): Promise<void> {
    for (const id of ids) {
      const generation = (this.live(kind, id)?.generation ?? 0) + 1;
      this.set(kind, id, { value: undefined, generation, expiresAt: this.now() + this.o.ttlMs });
    }
  }

  async peek(kind: Kind, ids: readonly bigint[]): Promise<Map<bigint, { value: Uint8Array; generation: number }>> {
    const out = new Map<bigint, { value: Uint8Array; generation: number }>();
    for (const id of ids) {
      const e = this.live(kind, id);
      if (e?.value) out.set(id, { value: e.value, generation: e.generation });
    }
    return out;
  }

  async replace(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<boolean[]> {
    return values.map(([id, value, generation]) => {
      const e = this.live(kind, id);
      if (!e?.value || e.generation !== generation) return false;
      this.set(kind, id, { value, generation: generation + 1, expiresAt: e.expiresAt });
      return true;
    });
  }

  async readStates(viewerId: bigint, version: string, tweetIds: readonly bigint[]): Promise<KeptStates> {
    const key = `${viewerId}:${version}`;
    const e = this.viewers.get(key);
    if (!e || e.expiresAt <= this.now()) return { since: undefined, bits: tweetIds.map(() => undefined) };
    // Read last: Map keeps insertion order, so the first key is the one to evict.
    this.viewers.delete(key);
    this.viewers.set(key, e);
    return { since: e.since, bits: tweetIds.map((id) => e.states.get(id)) };
  }

  async fillStates(viewerId: bigint, version: string, states: ReadonlyMap<bigint, number>, ttlMs: number): Promise<void> {
    const key = `${viewerId}:${version}`;
    const now = this.now();
    let e = this.viewers.get(key);
    if (!e || e.expiresAt <= now || e.states.size >= (this.o.maxPerViewer ?? 2000)) {
      e = { since: now, expiresAt: now + ttlMs, states: new Map() };
      this.viewers.delete(key);
      this.viewers.set(key, e);
      while (this.viewers.size > (this.o.maxViewers ?? 20_000)) this.viewers.delete(this.viewers.keys().next().value!);
    }
    for (const [id, bits] of states) e.states.set(id, bits);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.maps.tweet.clear();
    this.maps.user.clear();
    this.viewers.clear();
  }
}
