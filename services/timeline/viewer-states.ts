// The viewer's likes and retweets for hydration, cached per viewer under the
// viewer's states version (store/port.ts statesVersion). The tweet service
// bumps that version through InvalidateViewerStates after every like, unlike,
// retweet and undo, before it answers; so a cached state is used only while
// nothing it depends on has changed, and a read after a like shows it.
//
// Why it is safe to keep what was loaded under the version read before the
// load: a change that the load missed was committed after the load began, and
// its bump follows the commit, so the version the next read sees differs
// from the one the states were kept under.
//
// A tweet posted after an entry was made needs no lookup at all under the
// same version: liking or retweeting it would have bumped the version. (Its
// time comes from its Snowflake id, made on another machine's clock, hence
// the margin.) New tweets are what a refreshed home timeline mostly shows.
//
// Why it is worth it: without it every hydrated page is one more RPC and two
// Cassandra reads, about half of what a home-timeline read costs.
import { snowflakeTime } from "../kit/snowflake.js";

export interface ViewerState {
  liked: boolean;
  retweeted: boolean;
}

export type States = Map<bigint, ViewerState>;
export type StatesLoader = (viewerId: bigint, tweetIds: readonly bigint[]) => Promise<States>;

export interface ViewerStatesCacheOptions {
  /** How long a viewer's entry is kept at most (bounds staleness if a bump was lost); 0 = no cache. */
  ttlMs: number;
  /** Viewers kept; the least recently read goes first. */
  maxViewers: number;
  /** States kept per viewer; a viewer past it starts over. */
  maxPerViewer?: number;
}

/** How far the clock of the process that made a tweet id may be ahead of ours. */
const CLOCK_SKEW_MS = 5_000;

interface Entry {
  version: string;
  /** When it was made (after its version was read): later tweets are not engaged under that version. */
  since: number;
  /** this.clock when made: orders entries against loads in flight. */
  made: number;
  expiresAt: number;
  states: States;
}

export class ViewerStatesCache {
  private readonly viewers = new Map<bigint, Entry>();
  private readonly maxPerViewer: number;
  private clock = 0;

  constructor(
    private readonly load: StatesLoader,
    private readonly opts: ViewerStatesCacheOptions,
  ) {
    this.maxPerViewer = opts.maxPerViewer ?? 2000;
  }

  /** False when configured off: then a states version is not worth reading. */
  get enabled(): boolean {
    return this.opts.ttlMs > 0 && this.opts.maxViewers > 0;
  }

  /** States of `tweetIds` for the viewer; `version` undefined: not cached, loaded. */
  async get(viewerId: bigint, version: string | undefined, tweetIds: readonly bigint[]): Promise<States> {
    if (version === undefined || !this.enabled) return this.load(viewerId, tweetIds);
    const now = Date.now();
    let entry = this.viewers.get(viewerId);
    if (entry && (entry.version !== version || entry.expiresAt <= now)) entry = undefined;
    const out: States = new Map();
    const missing: bigint[] = [];
    for (const id of tweetIds) {
      const s = entry?.states.get(id) ?? (entry && snowflakeTime(id) > entry.since + CLOCK_SKEW_MS ? NOT_ENGAGED : undefined);
      if (s) out.set(id, s);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const started = ++this.clock;
      const loaded = await this.load(viewerId, missing);
      for (const id of missing) out.set(id, loaded.get(id) ?? NOT_ENGAGED);
      entry = this.keep(viewerId, version, started, missing, out);
    }
    // Most recently read last: Map keeps insertion order, so the first key is the one to evict.
    if (entry) {
      this.viewers.delete(viewerId);
      this.viewers.set(viewerId, entry);
      while (this.viewers.size > this.opts.maxViewers) this.viewers.delete(this.viewers.keys().next().value!);
    }
    return out;
  }

  /** The entry to add loaded states to, or undefined to keep them out of the cache. */
  private keep(viewerId: bigint, version: string, started: number, ids: readonly bigint[], states: States): Entry | undefined {
    const now = Date.now();
    const current = this.viewers.get(viewerId);
    let entry: Entry;
    if (current && current.version === version && current.expiresAt > now && current.states.size < this.maxPerViewer) entry = current;
    // Another version arrived while this one loaded: it is most likely the newer one.
    else if (current && current.version !== version && current.made > started && current.expiresAt > now) return undefined;
    // Between half and all of the time to live: the entries of readers who
    // started together would otherwise expire, and be loaded again, together.
    else entry = { version, since: now, made: ++this.clock, expiresAt: now + this.opts.ttlMs * (0.5 + Math.random() / 2), states: new Map() };
    for (const id of ids) entry.states.set(id, states.get(id)!);
    return entry;
  }
}

const NOT_ENGAGED: ViewerState = Object.freeze({ liked: false, retweeted: false });
