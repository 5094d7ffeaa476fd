// People search: the accounts under a prefix with the highest follower ranks
// (a bounded window), plus the account whose username is the query, ranked
// exact username first, then accounts the viewer follows, then by follower
// count, with only as many hydrated as the page needs. Every word of the
// query must start a word of the account's names. The page continues
// strictly after the last account's place in that order.
import type { User } from "../../../gen/chirp/user/v1/user_pb.js";
import type { PersonPlace } from "../cursor.js";
import type { SearchContext } from "../context.js";
import { chunk } from "../../kit/chunk.js";
import { tokenize } from "../query/analyze.js";
import { MAX_PREFIX } from "../query/terms.js";
import { userByUsername } from "../../user/by-username.js";

export interface PeopleMatches {
  users: User[];
  hasMore: boolean;
  last?: PersonPlace | undefined;
}

const USERNAME = /^[A-Za-z0-9_]{3,15}$/;
const RELATIONSHIPS_BATCH = 100;

/** The normalised words of a people query (a leading '@' dropped); none for punctuation only. */
export function peopleWords(q: string): string[] {
  return tokenize(q.trim().replace(/^[@＠]/, ""));
}

/** Orders places: tier ascending, followers descending, id ascending. */
export function comparePlaces(a: PersonPlace, b: PersonPlace): number {
  if (a.tier !== b.tier) return a.tier - b.tier;
  if (a.followers !== b.followers) return a.followers > b.followers ? -1 : 1;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

async function exactUser(ctx: SearchContext, q: string): Promise<User | undefined> {
  const name = q.trim().replace(/^[@＠]/, "");
  if (!USERNAME.test(name)) return undefined;
  return userByUsername(ctx.clients, name);
}

async function followedBy(ctx: SearchContext, viewer: bigint, ids: bigint[]): Promise<Set<bigint>> {
  const out = new Set<bigint>();
  const others = ids.filter((id) => id !== viewer);
  const answers = await Promise.all(chunk(others, RELATIONSHIPS_BATCH).map((targetIds) => ctx.clients.graph.batchGetRelationships({ userId: viewer, targetIds, followingOnly: true })));
  for (const a of answers) for (const r of a.relationships) if (r.following) out.add(r.targetId);
  return out;
}

/**
 * The candidates in groups that sort as wholes: by tier, then by indexed
 * follower rank, highest first. Exact counts reorder accounts only within a
 * group (a rank is a count's quarter-octave), so a page needs only its first
 * groups hydrated.
 */
function groupsOf(ids: readonly bigint[], rankOf: ReadonlyMap<bigint, number>, tierOf: (id: bigint) => number): bigint[][] {
  const byKey = new Map<number, bigint[]>();
  for (const id of ids) {
    // A rank is at most 4 × 64: tier × 1000 keeps the tiers apart.
    const key = tierOf(id) * 1000 - (rankOf.get(id) ?? 0);
    const g = byKey.get(key);
    if (g) g.push(id);
    else byKey.set(key, [id]);
  }
  return [...byKey.entries()].sort((a, b) => a[0] - b[0]).map(([, group]) => group);
}

export async function findPeople(ctx: SearchContext, q: string, viewer: bigint | undefined, after: PersonPlace | undefined, limit: number): Promise<PeopleMatches> {
  const words = peopleWords(q);
  if (words.length === 0) return { users: [], hasMore: false };
  const first = [...words[0]!].slice(0, MAX_PREFIX).join("");
  const [hits, exact] = await Promise.all([ctx.store.byPrefix(first, ctx.config.peopleWindow), exactUser(ctx, q)]);
  const ids = [...new Set([...(exact ? [exact.userId] : []), ...hits.map((h) => h.userId)])];
  if (ids.length === 0) return { users: [], hasMore: false };

  // Accounts are hydrated a page and one more at a time, in the order the
  // page will have them, not the whole window: the first batch (by rank)
  // while the viewer's follows are read, then whatever groups the page still needs.
  const known = new Map<bigint, User | undefined>();
  const hydrate = async (batch: bigint[]) => {
    const users = await ctx.hydration.users(batch);
    for (const id of batch) known.set(id, users.get(id));
  };
  const [follows] = await Promise.all([
    viewer !== undefined ? followedBy(ctx, viewer, ids) : new Set<bigint>(),
    hydrate(ids.slice(0, limit + 1)),
  ]);
  const tierOf = (id: bigint) => (id === exact?.userId ? 0 : follows.has(id) ? 1 : 2);
  const groups = groupsOf(ids, new Map(hits.map((h) => [h.userId, h.rank])), tierOf);
  const ranked: Array<{ user: User; place: PersonPlace }> = [];
  for (let g = 0; g < groups.length && ranked.length <= limit; ) {
    const batch: bigint[] = [];
    while (g < groups.length && batch.length <= limit) batch.push(...groups[g++]!);
    const unknown = batch.filter((id) => !known.has(id));
    if (unknown.length > 0) await hydrate(unknown);
    for (const id of batch) {
      const user = known.get(id);
      if (!user) continue; // gone since it was indexed
      const names = [user.username.toLowerCase(), ...tokenize(user.displayName)];
      // The index is by the first word; the others (and a first word longer than a kept prefix) are checked here.
      if (!words.every((w) => names.some((n) => n.startsWith(w)))) continue;
      const place = { tier: tierOf(id), followers: user.followerCount, userId: id };
      if (!after || comparePlaces(place, after) > 0) ranked.push({ user, place });
    }
  }
  ranked.sort((a, b) => comparePlaces(a.place, b.place));
  const page = ranked.slice(0, limit);
  const hasMore = ranked.length > limit;
  return { users: page.map((r) => r.user), hasMore, last: hasMore ? page.at(-1)?.place : undefined };
}
