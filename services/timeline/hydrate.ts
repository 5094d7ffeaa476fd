// Turns tweet ids into HydratedTweets for one viewer, in as few sequential
// round trips as the data allows: the tweets and the viewer's likes/retweets
// at once; then the originals of retweets and the authors (mostly cached);
// then, only when there are retweets, the originals' authors and states. Ids
// the tweet service reports missing (deleted) are returned so the caller can
// drop them. Viewer states come from the per-viewer cache when the viewer's
// states version is known (viewer-states.ts), else from the tweet service.
import { HydratedTweetSchema, type HydratedTweet } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { BatchLookup } from "../hydration/lookup.js";
import { chunk } from "../kit/chunk.js";
import type { States } from "./viewer-states.js";

/** The contracts' batch limit. */
const BATCH = 100;

export interface Hydrated {
  tweets: HydratedTweet[];
  /** Ids that no longer exist (never existed or deleted). */
  missing: bigint[];
}

/** Who reads; `statesVersion` (the store's, read before the page) lets their states come from the cache. */
export interface Viewer {
  id: bigint;
  statesVersion?: string | undefined;
}

export interface HydrateDeps {
  /** The viewer's likes and retweets: loadViewerStates, or ViewerStatesCache.get over it. */
  states: (viewerId: bigint, statesVersion: string | undefined, tweetIds: readonly bigint[]) => Promise<States>;
  /** Whether `states` caches: only then is a reader's states version worth reading. */
  statesCached: boolean;
  tweets: BatchLookup<Tweet>;
  users: BatchLookup<User>;
  /** Tweets as their creation event carries them, into the shared cache (CachedLookup.prime); unset: read through when first read. */
  primeTweets?: (tweets: readonly Tweet[]) => Promise<void>;
}

/** The viewer's states from the tweet service, in batches of the contract's limit. */
export function loadViewerStates(clients: Pick<ServiceClients, "tweet">) {
  return async (viewerId: bigint, tweetIds: readonly bigint[]): Promise<States> => {
    const states: States = new Map();
    await Promise.all(
      chunk(tweetIds, BATCH).map(async (c) => {
        const res = await clients.tweet.batchGetViewerStates({ viewerId, tweetIds: c });
        for (const s of res.states) states.set(s.tweetId, { liked: s.liked, retweeted: s.retweeted });
      }),
    );
    return states;
  };
}

export async function hydrate(deps: HydrateDeps, viewer: Viewer | undefined, ids: readonly bigint[]): Promise<Hydrated> {
  if (ids.length === 0) return { tweets: [], missing: [] };
  // Viewer states need only the ids: asked for alongside the tweets.
  const [{ tweets, missing }, states] = await Promise.all([getTweets(deps, ids), getStates(deps, viewer, ids)]);
  return { tweets: await hydrateTweets(deps, viewer, ids.flatMap((id) => tweets.get(id) ?? []), states), missing };
}

/** Hydrates tweets already fetched (a user timeline comes with them), in their order. */
export async function hydrateTweets(
  deps: HydrateDeps,
  viewer: Viewer | undefined,
  found: readonly Tweet[],
  knownStates?: States,
): Promise<HydratedTweet[]> {
  // Most pages hold no retweet: then there is no second round, and nothing
  // is built for one (every read comes through here).
  const first = found.some((t) => t.retweetOfTweetId !== 0n) ? new Map(found.map((t) => [t.tweetId, t])) : undefined;
  const originalIds = first ? unique(found.map((t) => t.retweetOfTweetId).filter((id) => id !== 0n && !first.has(id))) : [];

  const [originals, users, states] = await Promise.all([
    originalIds.length ? getTweets(deps, originalIds) : undefined,
    deps.users(unique(found.map((t) => t.authorId))),
    knownStates ?? getStates(deps, viewer, found.map((t) => t.tweetId)),
  ]);
  if (originals && originals.tweets.size > 0) {
    const moreAuthors = unique([...originals.tweets.values()].map((t) => t.authorId).filter((a) => !users.has(a)));
    const [moreUsers, moreStates] = await Promise.all([
      moreAuthors.length ? deps.users(moreAuthors) : undefined,
      getStates(deps, viewer, [...originals.tweets.keys()]),
    ]);
    if (moreUsers) for (const [k, v] of moreUsers) users.set(k, v);
    for (const [k, v] of moreStates) states.set(k, v);
  }
  const tweetById = (id: bigint) => first?.get(id) ?? originals?.tweets.get(id);

  const one = (t: Tweet): HydratedTweet | undefined => {
    const author = users.get(t.authorId);
    if (!author) return undefined; // an account that is gone takes its tweets with it
    const s = states.get(t.tweetId);
    // Built as the object create() would make (a proto3 message is a plain object; the type lists every scalar field), without its reflection: one per tweet of every page.
    return { $typeName: HydratedTweetSchema.typeName, tweet: t, author, liked: s?.liked ?? false, retweeted: s?.retweeted ?? false } satisfies HydratedTweet;
  };
  const out: HydratedTweet[] = [];
  for (const t of found) {
    const h = one(t);
    if (!h) continue;
    if (t.retweetOfTweetId !== 0n) {
      const original = tweetById(t.retweetOfTweetId);
      const ho = original && one(original);
      if (!ho) continue; // a retweet of a deleted tweet shows nothing
      h.retweetedTweet = ho;
    }
    out.push(h);
  }
  return out;
}

async function getTweets(deps: HydrateDeps, ids: readonly bigint[]) {
  const tweets = await deps.tweets(ids);
  // Never existed or deleted: BatchGetTweets leaves them out (and lists them).
  return { tweets, missing: ids.filter((id) => !tweets.has(id)) };
}

async function getStates(deps: HydrateDeps, viewer: Viewer | undefined, ids: readonly bigint[]): Promise<States> {
  if (viewer === undefined || ids.length === 0) return new Map();
  return deps.states(viewer.id, viewer.statesVersion, ids);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
