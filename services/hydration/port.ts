// The shared hydration cache: what a read shows of a tweet or an account, as
// binary protobuf, shared by every reader (Redis in a cluster, in process in
// the all-in-one) and kept current by the events the services publish.
//
// A read that misses goes to the owning service and writes what it got back
// with fill(). An event that changes an entry invalidates it, and a fill
// that read the service before that invalidation must not write the old
// value back: every entry carries a generation, bumped by each invalidation,
// and a fill writes only if the generation is still the one its read saw.
export type Kind = "tweet" | "user" | "notification-heads" | "notification-unread";

export interface CacheRead<V = Uint8Array> {
  /** Entries present, by id. */
  hits: Map<bigint, V>;
  /** For each id missing: the generation to give fill(); -1: read through and not filled (undecodable, or the cache could not be read). */
  misses: Map<bigint, number>;
}

/** A viewer's likes and retweets kept under one states version (timeline store's statesVersion). */
export interface KeptStates {
  /** When the entry was made (ms); undefined: there is none. */
  since: number | undefined;
  /** Bits of each tweet asked for, in the order asked (1 liked, 2 retweeted); undefined: not kept. */
  bits: Array<number | undefined>;
}

export interface HydrationCache {
  /** One round trip (per Redis master) for any number of ids. */
  read(kind: Kind, ids: readonly bigint[]): Promise<CacheRead>;
  /**
   * In-process caches only: the entries decoded, each once (by `decode`)
   * and kept with the entry until it changes, so every reader shares one
   * value and a hit costs one map lookup. Without it, read() and a decode
   * per hit.
   */
  readDecoded?<V>(kind: Kind, ids: readonly bigint[], decode: (bytes: Uint8Array) => V): Promise<CacheRead<V>>;
  /** Writes values read through from the owning service, each only if not invalidated since `read` saw its generation. */
  fill(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<void>;
  /** Drops the entries (an event changed them) and bumps their generations; doing it twice is as doing it once, for readers. */
  invalidate(kind: Kind, ids: readonly bigint[]): Promise<void>;
  /** The entries holding a value, with their generations (for replace()). */
  peek(kind: Kind, ids: readonly bigint[]): Promise<Map<bigint, { value: Uint8Array; generation: number }>>;
  /**
   * Writes each value over its entry if the entry still holds a value of that
   * generation, as the next generation, keeping the entry's time to live: a
   * fill or replace that read the entry before fails. Whether each was written.
   */
  replace(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<boolean[]>;
  /** The viewer's kept states of these tweets under `version`. */
  readStates(viewerId: bigint, version: string, tweetIds: readonly bigint[]): Promise<KeptStates>;
  /**
   * Keeps states loaded under `version` (read before they were loaded: a like
   * after that changes the version, so these are never served for it). The
   * entry lives `ttlMs` from its first fill.
   */
  fillStates(viewerId: bigint, version: string, states: ReadonlyMap<bigint, number>, ttlMs: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
