// The viewer's likes and retweets for hydration, kept in the shared hydration
// cache per viewer under the viewer's states version (store/port.ts
// statesVersion). The tweet service
// bumps that version through InvalidateViewerStates after every like, unlike,
// retweet and undo, before it answers; so a cached state is used only while
// nothing it depends on has changed, and a read after a like shows it.
//
// Why it is safe to keep what was loaded under the version read before the
// load: a change that the load missed was committed after the load began, and
// its bump follows the commit, so the version the next read sees differs
// from the one the states were kept under (and entries are kept by version).
//
// A tweet posted after an entry was made needs no lookup at all under the
// same version: liking or retweeting it would have bumped the version. (Its
// time comes from its Snowflake id, made on another machine's clock, hence
// the margin.) New tweets are what a refreshed home timeline mostly shows.
//
// Why it is worth it: without it every hydrated page is one more RPC and two
// Cassandra reads.
import { snowflakeTime } from "../kit/snowflake.js";
import type { HydrationCache } from "../hydration/port.js";

export interface ViewerState {
  liked: boolean;
  retweeted: boolean;
}

export type States = Map<bigint, ViewerState>;
export type StatesLoader = (viewerId: bigint, tweetIds: readonly bigint[]) => Promise<States>;

export interface ViewerStatesCacheOptions {
  /** How long a viewer's entry is kept at most (bounds staleness if a bump was lost); 0 = no cache. */
  ttlMs: number;
}

/** How far the clock of the process that made a tweet id may be ahead of ours. */
const CLOCK_SKEW_MS = 5_000;

const bitsOf = (s: ViewerState) => (s.liked ? 1 : 0) | (s.retweeted ? 2 : 0);
const STATES: readonly ViewerState[] = [0, 1, 2, 3].map((b) => Object.freeze({ liked: (b & 1) !== 0, retweeted: (b & 2) !== 0 }));
const NOT_ENGAGED = STATES[0]!;

export class ViewerStatesCache {
  constructor(
    private readonly load: StatesLoader,
    /** Where the states are kept: the shared hydration cache. */
    private readonly cache: HydrationCache,
    private readonly opts: ViewerStatesCacheOptions,
    private readonly onCacheError: (err: unknown) => void = () => {},
  ) {}

  /** False when configured off: then a states version is not worth reading. */
  get enabled(): boolean {
    return this.opts.ttlMs > 0;
  }

  /** States of `tweetIds` for the viewer; `version` undefined: not cached, loaded. */
  async get(viewerId: bigint, version: string | undefined, tweetIds: readonly bigint[]): Promise<States> {
    if (version === undefined || !this.enabled) return this.load(viewerId, tweetIds);
    let kept;
    try {
      kept = await this.cache.readStates(viewerId, version, tweetIds);
    } catch (err) {
      this.onCacheError(err);
      return this.load(viewerId, tweetIds);
    }
    const out: States = new Map();
    const missing: bigint[] = [];
    for (let i = 0; i < tweetIds.length; i++) {
      const id = tweetIds[i]!;
      const bits = kept.bits[i];
      if (bits !== undefined) out.set(id, STATES[bits & 3]!);
      else if (kept.since !== undefined && snowflakeTime(id) > kept.since + CLOCK_SKEW_MS) out.set(id, NOT_ENGAGED);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const loaded = await this.load(viewerId, missing);
      const fill = new Map<bigint, number>();
      for (const id of missing) {
        const s = loaded.get(id) ?? NOT_ENGAGED;
        out.set(id, s);
        fill.set(id, bitsOf(s));
      }
      // Kept behind the answer, under the version read before the load.
      this.cache.fillStates(viewerId, version, fill, this.opts.ttlMs).catch(this.onCacheError);
    }
    return out;
  }
}
