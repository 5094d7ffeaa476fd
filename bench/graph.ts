// The seeded social graph, computed (not stored): the same spec gives the same
// users, follows and tweet counts on every run, which is what makes seeding
// idempotent. Follower counts are skewed: a followee is drawn half the time
// uniformly and half the time by a Zipf law over a random popularity ranking,
// so most accounts end up with tens of followers and the head with hundreds or
// thousands; on top of that the top `popularAccounts` accounts are followed by
// `popularAccountFollowers` users each (10,000 by default, scaled down to 80% of
// the other users when the graph is smaller, and reported as such). They stay
// below CHIRP_FANOUT_THRESHOLD (50,000), so they are fanned out on write, not
// large accounts merged at read time.
import { hash32, Rng, WeightedSampler } from "./rng.js";

export interface GraphSpec {
  users: number;
  /** Mean number of accounts each user follows (drawn uniformly in [F/2, 3F/2]). */
  avgFollowing: number;
  /** Accounts followed by popularAccountFollowers users each. */
  popularAccounts: number;
  /** Followers each popular account should have; scaled down when users are fewer. */
  popularAccountFollowers: number;
  /** Initial tweets in total, spread evenly over the users. */
  tweets: number;
  /** Zipf exponent of the popularity ranking. */
  zipf: number;
  seed: number;
}

export interface SocialGraph {
  spec: GraphSpec;
  /** What the popular accounts actually get (may be less than asked for). */
  popularAccountFollowers: number;
  /** following[u]: the users u follows (indices). */
  following: Uint32Array[];
  followerCounts: Int32Array;
  /** Indices of the popular accounts, most followed first. */
  popularAccounts: number[];
  tweetsPerUser: Int32Array;
  edges: number;
  notes: string[];
}

export const username = (i: number): string => `bench_u${String(i + 1).padStart(6, "0")}`;

/** A short fingerprint of everything that decides the users and follows (not the tweet count: tweets are topped up). */
export function specKey(spec: GraphSpec): string {
  const { users, avgFollowing, popularAccounts, popularAccountFollowers, zipf, seed } = spec;
  // Hashed under the fields' first names (popular accounts were "celebrities"
  // then), so the rename keeps every existing dataset's name and data.
  const keyed = { users, avgFollowing, celebrities: popularAccounts, celebrityFollowers: popularAccountFollowers, zipf, seed };
  return hash32(JSON.stringify(keyed)).toString(16).padStart(8, "0");
}

export function buildGraph(spec: GraphSpec): SocialGraph {
  const n = spec.users;
  if (!Number.isInteger(n) || n < 2) throw new Error("--users must be at least 2");
  if (n > 999_999) throw new Error("--users must be at most 999,999 (six-digit usernames)");
  const notes: string[] = [];
  const rng = new Rng(spec.seed);
  // Popularity rank r(u): a random permutation, so user numbers say nothing.
  const byRank = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const weights = new Float64Array(n);
  byRank.forEach((u, r) => (weights[u] = Math.pow(r + 1, -spec.zipf)));
  const zipf = new WeightedSampler(weights);

  const follows: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const lo = Math.max(1, Math.ceil(spec.avgFollowing / 2));
  const hi = Math.max(lo, Math.floor((spec.avgFollowing * 3) / 2));
  for (let u = 0; u < n; u++) {
    const want = Math.min(n - 1, lo + rng.int(hi - lo + 1));
    const set = follows[u]!;
    for (let attempts = 0; set.size < want && attempts < want * 20; attempts++) {
      const v = rng.next() < 0.5 ? rng.int(n) : zipf.sample(rng);
      if (v !== u) set.add(v);
    }
  }

  const popularAccounts = byRank.slice(0, Math.min(spec.popularAccounts, n));
  const popularFollowers = Math.min(spec.popularAccountFollowers, Math.floor(0.8 * (n - 1)));
  if (popularAccounts.length > 0 && popularFollowers < spec.popularAccountFollowers) {
    notes.push(
      `popular-account followers scaled down from ${spec.popularAccountFollowers.toLocaleString("en-US")} to ${popularFollowers.toLocaleString("en-US")} ` +
        `(80% of the other ${(n - 1).toLocaleString("en-US")} users); use --users=${Math.ceil(spec.popularAccountFollowers / 0.8) + 1} or more for the full size`,
    );
  }
  for (const c of popularAccounts) {
    // A random sample of the others: partial Fisher-Yates over the indices.
    const pool = Array.from({ length: n }, (_, i) => i).filter((i) => i !== c);
    for (let k = 0; k < popularFollowers; k++) {
      const j = k + rng.int(pool.length - k);
      [pool[k], pool[j]] = [pool[j]!, pool[k]!];
      follows[pool[k]!]!.add(c);
    }
  }

  const following = follows.map((s) => Uint32Array.from([...s].sort((a, b) => a - b)));
  const followerCounts = new Int32Array(n);
  let edges = 0;
  for (const list of following) {
    edges += list.length;
    for (const v of list) followerCounts[v]!++;
  }
  popularAccounts.sort((a, b) => followerCounts[b]! - followerCounts[a]!);

  const tweetsPerUser = new Int32Array(n).fill(Math.floor(spec.tweets / n));
  const extra = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, spec.tweets % n);
  for (const u of extra) tweetsPerUser[u]!++;

  return { spec, popularAccountFollowers: popularFollowers, following, followerCounts, popularAccounts, tweetsPerUser, edges, notes };
}

export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Users per follower-count bucket: "0-9", "10-99", "100-999", "1000-9999", "10000+". */
  buckets: Record<string, number>;
}

export function followerDistribution(g: SocialGraph): Distribution {
  const sorted = Array.from(g.followerCounts).sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const buckets: Record<string, number> = { "0-9": 0, "10-99": 0, "100-999": 0, "1000-9999": 0, "10000+": 0 };
  for (const c of sorted) {
    const b = c < 10 ? "0-9" : c < 100 ? "10-99" : c < 1000 ? "100-999" : c < 10_000 ? "1000-9999" : "10000+";
    buckets[b]!++;
  }
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? 0, buckets };
}

/** Followers of u (scans the graph; for picking probe followers, not hot paths). */
export function followersOf(g: SocialGraph, u: number): number[] {
  const out: number[] = [];
  g.following.forEach((list, f) => {
    if (list.includes(u)) out.push(f);
  });
  return out;
}
