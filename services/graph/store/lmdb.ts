// The graph store on LMDB (embedded mode). Each follow or unfollow is one
// LMDB write transaction that checks the edge, writes both list entries and
// adjusts both counts, so counts are exact by construction. db.transaction
// batches concurrent transactions into one commit (one fsync), which is what
// makes thousands of follows per second possible on one disk.
//
// Keys:  ["e", idKey(follower), idKey(followee)]  -> StoredEdge
//        ["followers", idKey(user), idKey(edge)]  -> idKey(follower)
//        ["following", idKey(user), idKey(edge)]  -> idKey(followee)
//        ["c", idKey(user)]                       -> StoredCounts
import { fromIdKey, idKey, openEmbedded, type EmbeddedDb } from "../../platform/embedded/lmdb.js";
import type { EdgeCounts, EdgePage, FollowResult, GraphStore, ListKind, UnfollowResult } from "./port.js";

interface StoredEdge {
  edge: string;
  active: boolean;
}

interface StoredCounts {
  followers: number;
  following: number;
}

export class LmdbGraphStore implements GraphStore {
  constructor(private readonly db: EmbeddedDb) {}

  static open(dir: string): LmdbGraphStore {
    return new LmdbGraphStore(openEmbedded(dir));
  }

  private bump(user: string, field: keyof StoredCounts, by: number): void {
    const key = ["c", user];
    const c = (this.db.get(key) as StoredCounts | undefined) ?? { followers: 0, following: 0 };
    void this.db.put(key, { ...c, [field]: c[field] + by });
  }

  follow(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<FollowResult> {
    const a = idKey(followerId);
    const b = idKey(followeeId);
    const key = ["e", a, b];
    return this.db.transaction((): FollowResult => {
      const current = this.db.get(key) as StoredEdge | undefined;
      if (current?.active) return { created: false, edgeId: fromIdKey(current.edge) };
      const e = idKey(edgeId);
      void this.db.put(key, { edge: e, active: true } satisfies StoredEdge);
      void this.db.put(["following", a, e], b);
      void this.db.put(["followers", b, e], a);
      this.bump(a, "following", 1);
      this.bump(b, "followers", 1);
      return { created: true, edgeId };
    });
  }

  unfollow(followerId: bigint, followeeId: bigint): Promise<UnfollowResult> {
    const a = idKey(followerId);
    const b = idKey(followeeId);
    const key = ["e", a, b];
    return this.db.transaction((): UnfollowResult => {
      const current = this.db.get(key) as StoredEdge | undefined;
      if (!current) return { removed: false };
      if (!current.active) return { removed: false, edgeId: fromIdKey(current.edge) };
      void this.db.put(key, { edge: current.edge, active: false } satisfies StoredEdge);
      void this.db.remove(["following", a, current.edge]);
      void this.db.remove(["followers", b, current.edge]);
      this.bump(a, "following", -1);
      this.bump(b, "followers", -1);
      return { removed: true, edgeId: fromIdKey(current.edge) };
    });
  }

  async list(kind: ListKind, userId: bigint, limit: number, before?: bigint): Promise<EdgePage> {
    if (before !== undefined && before <= 1n) return { edges: [], hasMore: false };
    const u = idKey(userId);
    // Reverse ranges include their start key: start just below the cursor.
    const start = before === undefined ? [kind, u, "\uffff"] : [kind, u, idKey(before - 1n)];
    const rows = [...this.db.getRange({ start, end: [kind, u], reverse: true, limit: limit + 1 })];
    return {
      edges: rows.slice(0, limit).map((r) => ({ userId: fromIdKey(r.value as string), edgeId: fromIdKey(r.key[2] as string) })),
      hasMore: rows.length > limit,
    };
  }

  async relationships(userId: bigint, targetIds: bigint[], opts: { followingOnly?: boolean } = {}): Promise<{ following: Set<bigint>; followedBy: Set<bigint> }> {
    const u = idKey(userId);
    const following = new Set<bigint>();
    const followedBy = new Set<bigint>();
    for (const t of targetIds) {
      const tk = idKey(t);
      if ((this.db.get(["e", u, tk]) as StoredEdge | undefined)?.active) following.add(t);
      if (!opts.followingOnly && (this.db.get(["e", tk, u]) as StoredEdge | undefined)?.active) followedBy.add(t);
    }
    return { following, followedBy };
  }

  async counts(userIds: bigint[]): Promise<Map<bigint, EdgeCounts>> {
    const out = new Map<bigint, EdgeCounts>();
    for (const id of userIds) {
      const c = this.db.get(["c", idKey(id)]) as StoredCounts | undefined;
      out.set(id, { followers: BigInt(c?.followers ?? 0), following: BigInt(c?.following ?? 0) });
    }
    return out;
  }

  async ping(): Promise<void> {
    this.db.get(["ping"]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
