// Who to follow, computed for one user (a cache miss):
//   - friends of friends: the accounts followed by the people the user
//     follows, counted by how many of them follow each. A user following
//     thousands is sampled: a fixed pseudo-random sample of `sample` of their
//     follows (the same for the same user, so answers are stable), each one's
//     `perFollow` newest follows read in one store read where kept (for
//     15 minutes, dropped by their follow events), else from the graph, in
//     parallel;
//   - the user's newest followers they do not follow back;
//   - to fill up (all of it for a new account that follows nobody): the most
//     followed accounts.
// Excluded: the user, whom they follow, whom they dismissed in the last 90
// days, and accounts with no tweet in 90 days (activity kept from tweet
// events; an account never seen is asked for its newest tweet).
import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { SuggestionSchema, SuggestionSource, type Suggestion } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { DiscoveryContext } from "../context.js";
import { ACTIVE_MS } from "../trends/job.js";

/** The most suggestions kept per user (the API's maximum limit). */
export const MAX_SUGGESTIONS = 80;
/** Dismissed accounts stay out this long. */
export const DISMISS_MS = 90 * 24 * 3_600_000;
/** Follows of the user read in full up to this many (ListFollowingIds pages of 5,000). */
const MAX_FOLLOWING = 20_000;
const ID_PAGE = 5000;
/** Newest followers considered for "follows you". */
const FOLLOWERS = 1000;
/** Graph calls in flight at once for one computation. */
const PARALLEL = 32;
/** Accounts never seen tweeting that one computation asks the tweet service about. */
const ACTIVITY_LOOKUPS = 32;
/** Candidates looked at, best first, for activity at most. */
const CHECKED = 20 * MAX_SUGGESTIONS;
/** Named in the reason (followed_by_ids keeps one more). */
export const VIA_KEPT = 3;

interface Candidate {
  userId: bigint;
  mutual: number;
  via: bigint[];
  followsYou: boolean;
  /** Its place among the most followed; -1: not taken from there. */
  popular: number;
}

async function followingIds(ctx: DiscoveryContext, userId: bigint): Promise<bigint[]> {
  const out: bigint[] = [];
  let cursor = "";
  do {
    const page = await ctx.clients.graph.listFollowingIds({ userId, limit: ID_PAGE, cursor });
    out.push(...page.userIds);
    cursor = page.hasMore ? page.nextCursor : "";
  } while (cursor && out.length < MAX_FOLLOWING);
  return out;
}

/** A stable pseudo-random sample: the ids with the smallest hash under the user's seed. */
export function sampleOf(ids: readonly bigint[], n: number, seed: bigint): bigint[] {
  if (ids.length <= n) return [...ids];
  const mix = (id: bigint) => {
    // SplitMix64 of id ^ seed: cheap, well spread.
    let z = (id ^ seed ^ 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  };
  return ids
    .map((id) => [mix(id), id] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([, id]) => id);
}

/** Runs `f` over `items` with at most `n` in flight. */
async function inParallel<T>(items: readonly T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

/**
 * Best first: by how many of the user's (sampled) follows follow the
 * account, a follower counting as two more; ties to the newer account. The
 * most followed come after all of those, in their order.
 */
export function rankCandidates(candidates: Iterable<Candidate>): Candidate[] {
  const score = (c: Candidate) => c.mutual + (c.followsYou ? 2 : 0);
  return [...candidates].sort(
    (a, b) =>
      Number(a.popular >= 0) - Number(b.popular >= 0) ||
      a.popular - b.popular ||
      score(b) - score(a) ||
      b.mutual - a.mutual ||
      (b.userId > a.userId ? 1 : b.userId < a.userId ? -1 : 0),
  );
}

/** Keeps the accounts that tweeted in the last 90 days, asking the tweet service about the few never seen. */
async function activeOnes(ctx: DiscoveryContext, ids: bigint[], budget: { lookups: number }): Promise<Set<bigint>> {
  const since = ctx.now() - ACTIVE_MS;
  const known = await ctx.store.suggestions.lastActive(ids);
  const unknown = ids.filter((id) => !known.has(id)).slice(0, budget.lookups);
  budget.lookups -= unknown.length;
  const found: Array<[bigint, number]> = [];
  await inParallel(unknown, PARALLEL, async (id) => {
    const t = (await ctx.clients.tweet.listUserTweets({ userId: id, limit: 1 })).tweets[0];
    // 0: no tweet at all; a later tweet event raises it.
    found.push([id, t?.createdAt ? timestampMs(t.createdAt) : 0]);
  });
  if (found.length) await ctx.store.suggestions.recordActivity(found);
  for (const [id, at] of found) known.set(id, at);
  return new Set(ids.filter((id) => (known.get(id) ?? -Infinity) >= since));
}

/** The user's suggestions, best first, without the accounts themselves (present.ts adds them). */
export async function computeSuggestions(ctx: DiscoveryContext, userId: bigint): Promise<Suggestion[]> {
  const cfg = ctx.config.suggestions;
  const [following, followers, dismissed] = await Promise.all([
    followingIds(ctx, userId),
    ctx.clients.graph.listFollowerIds({ userId, limit: FOLLOWERS }).then((p) => p.userIds),
    ctx.store.suggestions.dismissed(userId, ctx.now() - DISMISS_MS),
  ]);
  const excluded = new Set([userId, ...following, ...dismissed]);
  const candidates = new Map<bigint, Candidate>();
  const candidate = (id: bigint) => {
    let c = candidates.get(id);
    if (!c) candidates.set(id, (c = { userId: id, mutual: 0, via: [], followsYou: false, popular: -1 }));
    return c;
  };

  const count = (friend: bigint, theirs: readonly bigint[]) => {
    for (const id of theirs) {
      if (excluded.has(id)) continue;
      const c = candidate(id);
      c.mutual++;
      if (c.via.length < VIA_KEPT) c.via.push(friend);
    }
  };
  const sample = sampleOf(following, cfg.sample, userId);
  const kept = await ctx.store.suggestions.readFollows(sample);
  const read: Array<[bigint, bigint[]]> = [];
  await inParallel(
    sample.filter((f) => !kept.has(f)),
    PARALLEL,
    async (friend) => void read.push([friend, (await ctx.clients.graph.listFollowingIds({ userId: friend, limit: cfg.perFollow })).userIds]),
  );
  // Counted in the sample's order, whichever were kept: the same answer either way.
  const lists = new Map([...kept, ...read]);
  for (const friend of sample) count(friend, lists.get(friend) ?? []);
  if (read.length && cfg.followsCacheMs > 0) {
    // Behind the answer; a follow or unfollow event drops a kept list.
    ctx.store.suggestions.fillFollows(read, cfg.followsCacheMs).catch((err) => ctx.logger.warn({ err }, "follow lists not kept"));
  }
  for (const id of followers) if (!excluded.has(id)) candidate(id).followsYou = true;
  if (candidates.size < MAX_SUGGESTIONS) {
    const popular = await ctx.store.suggestions.popular(MAX_SUGGESTIONS * 3);
    popular.forEach((id, i) => {
      if (!excluded.has(id) && !candidates.has(id)) candidate(id).popular = i;
    });
  }

  const out: Suggestion[] = [];
  const ranked = rankCandidates(candidates.values());
  const budget = { lookups: ACTIVITY_LOOKUPS };
  // The best candidates are checked in chunks until enough are active (or
  // CHECKED were, when nearly all are gone quiet).
  for (let i = 0; i < Math.min(ranked.length, CHECKED) && out.length < MAX_SUGGESTIONS; i += 2 * MAX_SUGGESTIONS) {
    const chunk = ranked.slice(i, i + 2 * MAX_SUGGESTIONS);
    const active = await activeOnes(
      ctx,
      chunk.map((c) => c.userId),
      budget,
    );
    for (const c of chunk) {
      if (out.length >= MAX_SUGGESTIONS) break;
      if (!active.has(c.userId)) continue;
      const sources = [
        ...(c.mutual > 0 ? [SuggestionSource.FRIENDS_OF_FRIENDS] : []),
        ...(c.followsYou ? [SuggestionSource.FOLLOWS_YOU] : []),
        ...(c.popular >= 0 ? [SuggestionSource.POPULAR] : []),
      ];
      out.push(create(SuggestionSchema, { userId: c.userId, sources, mutualCount: c.mutual, followedByIds: c.via }));
    }
  }
  return out;
}
