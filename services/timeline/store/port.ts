// The home-timeline store: per user, the ids of the newest tweets (at most
// `cap`), plus the small shared state fan-out and reads need (large accounts,
// who is streaming, build locks, fan-out progress). Redis in a cluster, an
// in-process structure in the embedded mode; one contract suite for both.
//
// A timeline is in one of three states:
//   missing  - never built, or expired: the next read rebuilds it;
//   building - a rebuild has started: fan-out writes into it already, so a
//              tweet posted during the rebuild is not lost, but readers wait;
//   built    - complete; an empty built timeline is not a missing one.
// Writes from fan-out go only to timelines that exist (building or built):
// writing into a missing one would make a partial timeline that looks real.
//
// The same store, under a key family of its own, keeps each author's newest
// tweet and retweet ids (user timelines). Such a list is `contiguous`: it
// holds every id of the author from its oldest one up, and is `complete` when
// it holds the author's whole history, so a page past its end either ends
// there or continues from the tweet service below its oldest id.

export interface TimelinePage {
  /** False when the timeline is missing or still being built: ids is then empty. */
  built: boolean;
  /** Newest first. */
  ids: bigint[];
  /** The owner's states version (statesVersion()), when the page was asked with it. */
  statesVersion?: string;
  /**
   * Present (true) when the list holds every id older than its newest one too
   * (finishBuild(..., true)): nothing lies past its end. Kept while the list
   * holds fewer than `cap` ids; home timelines are never complete.
   */
  complete?: true;
}

export interface FanoutProgress {
  /** Batches published so far. */
  batches: number;
  /** The ListFollowers cursor after the last published batch; "" at the start. */
  cursor: string;
  /** Every batch is published. */
  done: boolean;
}

export interface TimelineStore {
  readonly cap: number;

  /**
   * Adds every tweet id to each of the timelines that exist and trims each to
   * the cap. Idempotent. Missing timelines are skipped (they are rebuilt when
   * read). In a contiguous store, a built list that is not complete takes no
   * id older than its oldest (a late or redelivered event would leave a gap
   * below it), and an empty one takes none. Returns how many timelines exist.
   */
  add(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<number>;
  /** Removes the tweet ids from each timeline (missing ones are skipped). */
  remove(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<void>;
  /**
   * Up to `limit` ids older than `before` (exclusive; undefined = from the
   * newest), newest first. Refreshes the timeline's time to live. With
   * `withStatesVersion`, also the owner's statesVersion(), in the same call.
   */
  page(userId: bigint, before: bigint | undefined, limit: number, withStatesVersion?: boolean): Promise<TimelinePage>;
  /** For each user, whether their timeline holds tweetId (tests, benchmark). */
  contains(userIds: readonly bigint[], tweetId: bigint): Promise<boolean[]>;

  /** Missing -> building (kept as it is otherwise). Fan-out writes go to it from now on. */
  beginBuild(userId: bigint): Promise<void>;
  /**
   * Adds the rebuilt ids, marks the timeline built (and complete, when the ids
   * are the owner's whole history), trims it and sets its time to live. In a
   * contiguous store, an incomplete build drops the ids older than its oldest
   * that fan-out wrote meanwhile (all of them if it has none).
   */
  finishBuild(userId: bigint, tweetIds: readonly bigint[], complete?: boolean): Promise<void>;

  /** A lock across processes so one rebuild runs per user. False when held by someone else. */
  tryLock(userId: bigint, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `token` still holds it. */
  unlock(userId: bigint, token: string): Promise<void>;
  isLocked(userId: bigint): Promise<boolean>;

  /** Large accounts: not fanned out, merged in at read time. */
  addLargeAccount(userId: bigint): Promise<void>;
  largeAccounts(): Promise<bigint[]>;
  isLargeAccount(userId: bigint): Promise<boolean>;

  /**
   * A token that changes whenever the user's likes or retweets change
   * (bumpStatesVersion), so viewer states cached under it are current while
   * it stays the same. Created at random when missing (never reused after an
   * expiry); lives as long as the timeline's time to live, renewed when read.
   */
  statesVersion(userId: bigint): Promise<string>;
  /** Changes the user's states version; a missing one is left missing (the next read creates a new one). */
  bumpStatesVersion(userId: bigint): Promise<void>;

  /** The user has a live stream open until now + ttlMs. */
  markOnline(userId: bigint, ttlMs: number): Promise<void>;
  /** The subset of userIds with a live stream open, in input order. */
  online(userIds: readonly bigint[]): Promise<bigint[]>;

  /** How far the fan-out of a tweet got, so a redelivered event resumes instead of restarting. */
  getProgress(key: string): Promise<FanoutProgress | undefined>;
  setProgress(key: string, progress: FanoutProgress, ttlMs: number): Promise<void>;

  /** Forgets every timeline and all other state of this store (tests; ops after an incident). */
  dropAll(): Promise<void>;
  /** Memory used and the limit (maxmemory; 0: none) of each Redis server holding the timelines; absent in process. */
  memory?(): Promise<Array<{ node: string; usedBytes: number; maxBytes: number }>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Zero-padded decimal: lexicographic order is numeric order for ids below 10^20. */
export function idMember(id: bigint): string {
  if (id <= 0n) throw new RangeError(`tweet id must be positive, got ${id}`);
  return id.toString().padStart(20, "0");
}

/** A new states version: random, so one that expired is not handed out again; INCR-able (below 2^53). */
export function freshStatesVersion(): string {
  return String(Math.floor(Math.random() * 2 ** 52));
}
