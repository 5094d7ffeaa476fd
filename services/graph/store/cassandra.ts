// The graph store on Cassandra (cluster mode). follow_edges is the source of
// truth and every change to it is a lightweight transaction: the LWT decides
// whether a follow or unfollow happened, and only the request whose LWT
// applied writes the list rows and moves the counters, so concurrent follows
// and unfollows count once each.
//
// List rows are written USING TIMESTAMP <edge time> and deleted USING
// TIMESTAMP <edge time + 1 µs>: each edge_id is written once and deleted
// once, so the delete wins whichever reaches a replica first, with no
// dependence on clocks (a follow racing its own unfollow leaves no stale row).
//
// The list writes after the LWT are plain single-partition statements sent
// in parallel (no logged batch: its batch log would double the write cost).
// If one fails, the RPC fails and the client's retry repairs it: a Follow of
// an existing edge rewrites its list rows and an Unfollow of an ended edge
// deletes them again, both idempotent thanks to the fixed timestamps.
// Known gap: a crash between the LWT and the counter update leaves that
// counter off by one (counter updates cannot be made idempotent).
import type { CassandraClient } from "../../platform/cassandra/client.js";
import { pingCassandra } from "../../platform/cassandra/client.js";
import { snowflakeTime } from "../../kit/snowflake.js";
import type { EdgeCounts, EdgePage, FollowResult, GraphStore, ListKind, UnfollowResult } from "./port.js";

type Row = { get(name: string): unknown };

/** Write time of an edge's list rows, in microseconds. */
const writeTime = (edgeId: bigint) => BigInt(snowflakeTime(edgeId)) * 1000n;

// An LWT that lost returns the row as it is; a few rounds settle any race
// (each lost round means another request changed the edge).
const MAX_ROUNDS = 8;

const LIST_QUERIES: Record<ListKind, { first: string; after: string; other: string }> = {
  followers: {
    first: "SELECT edge_id, follower_id FROM followers_by_user WHERE user_id = ? LIMIT ?",
    after: "SELECT edge_id, follower_id FROM followers_by_user WHERE user_id = ? AND edge_id < ? LIMIT ?",
    other: "follower_id",
  },
  following: {
    first: "SELECT edge_id, followee_id FROM following_by_user WHERE user_id = ? LIMIT ?",
    after: "SELECT edge_id, followee_id FROM following_by_user WHERE user_id = ? AND edge_id < ? LIMIT ?",
    other: "followee_id",
  },
};

export class CassandraGraphStore implements GraphStore {
  constructor(private readonly client: CassandraClient) {}

  async follow(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<FollowResult> {
    let rs = await this.client.execute(
      "INSERT INTO follow_edges (follower_id, followee_id, edge_id, active) VALUES (?, ?, ?, true) IF NOT EXISTS",
      [followerId, followeeId, edgeId],
    );
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (rs.wasApplied()) {
        await this.writeEdge(followerId, followeeId, edgeId, +1);
        return { created: true, edgeId };
      }
      const row = rs.first() as Row;
      const current = row.get("edge_id") as bigint;
      if (row.get("active") === true) {
        // Already following. Rewriting the list rows is idempotent and
        // repairs an earlier attempt that died after its LWT.
        await this.writeLists(followerId, followeeId, current);
        return { created: false, edgeId: current };
      }
      // Unfollowed earlier: take the row back, unless someone else does first.
      rs = await this.client.execute(
        "UPDATE follow_edges SET edge_id = ?, active = true WHERE follower_id = ? AND followee_id = ? IF active = false AND edge_id = ?",
        [edgeId, followerId, followeeId, current],
      );
    }
    throw new Error("follow: too much contention on one edge");
  }

  async unfollow(followerId: bigint, followeeId: bigint): Promise<UnfollowResult> {
    const read = await this.client.execute("SELECT edge_id, active FROM follow_edges WHERE follower_id = ? AND followee_id = ?", [
      followerId,
      followeeId,
    ]);
    let row = read.first() as Row | null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!row || row.get("edge_id") === null) return { removed: false };
      const current = row.get("edge_id") as bigint;
      if (row.get("active") !== true) {
        // Already ended. Deleting its list rows again is idempotent and
        // repairs an earlier attempt that died after its LWT.
        await this.deleteLists(followerId, followeeId, current);
        return { removed: false, edgeId: current };
      }
      const rs = await this.client.execute(
        "UPDATE follow_edges SET active = false WHERE follower_id = ? AND followee_id = ? IF active = true AND edge_id = ?",
        [followerId, followeeId, current],
      );
      if (rs.wasApplied()) {
        await this.writeEdge(followerId, followeeId, current, -1);
        return { removed: true, edgeId: current };
      }
      row = rs.first() as Row;
    }
    throw new Error("unfollow: too much contention on one edge");
  }

  private async writeLists(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void> {
    const ts = writeTime(edgeId);
    await Promise.all([
      this.client.execute("INSERT INTO following_by_user (user_id, edge_id, followee_id) VALUES (?, ?, ?) USING TIMESTAMP ?", [followerId, edgeId, followeeId, ts]),
      this.client.execute("INSERT INTO followers_by_user (user_id, edge_id, follower_id) VALUES (?, ?, ?) USING TIMESTAMP ?", [followeeId, edgeId, followerId, ts]),
    ]);
  }

  private async deleteLists(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void> {
    const ts = writeTime(edgeId) + 1n;
    await Promise.all([
      this.client.execute("DELETE FROM following_by_user USING TIMESTAMP ? WHERE user_id = ? AND edge_id = ?", [ts, followerId, edgeId]),
      this.client.execute("DELETE FROM followers_by_user USING TIMESTAMP ? WHERE user_id = ? AND edge_id = ?", [ts, followeeId, edgeId]),
    ]);
  }

  /** After an applied LWT: both list rows and both counters, in parallel. */
  private async writeEdge(followerId: bigint, followeeId: bigint, edgeId: bigint, delta: 1 | -1): Promise<void> {
    const by = BigInt(delta);
    await Promise.all([
      delta > 0 ? this.writeLists(followerId, followeeId, edgeId) : this.deleteLists(followerId, followeeId, edgeId),
      this.client.execute("UPDATE graph_counts SET following = following + ? WHERE user_id = ?", [by, followerId]),
      this.client.execute("UPDATE graph_counts SET followers = followers + ? WHERE user_id = ?", [by, followeeId]),
    ]);
  }

  async list(kind: ListKind, userId: bigint, limit: number, before?: bigint): Promise<EdgePage> {
    const q = LIST_QUERIES[kind];
    // limit + 1 rows: the extra one only says whether there is another page.
    // One driver page holds them all (its default is 5,000 rows).
    const rs =
      before === undefined
        ? await this.client.execute(q.first, [userId, limit + 1], { fetchSize: limit + 1 })
        : await this.client.execute(q.after, [userId, before, limit + 1], { fetchSize: limit + 1 });
    const rows = rs.rows;
    return {
      edges: rows.slice(0, limit).map((r) => ({ userId: r.get(q.other) as bigint, edgeId: r.get("edge_id") as bigint })),
      hasMore: rows.length > limit,
    };
  }

  async relationships(userId: bigint, targetIds: bigint[], opts: { followingOnly?: boolean } = {}): Promise<{ following: Set<bigint>; followedBy: Set<bigint> }> {
    const targets = [...new Set(targetIds)];
    if (targets.length === 0) return { following: new Set(), followedBy: new Set() };
    // One partition with an IN on the clustering key, and one IN over
    // partitions with the clustering key fixed (a read of every target's
    // partition, skipped when only the first is wanted): in parallel.
    const [out, inc] = await Promise.all([
      this.client.execute("SELECT followee_id, active FROM follow_edges WHERE follower_id = ? AND followee_id IN ?", [userId, targets]),
      opts.followingOnly ? undefined : this.client.execute("SELECT follower_id, active FROM follow_edges WHERE follower_id IN ? AND followee_id = ?", [targets, userId]),
    ]);
    return {
      following: new Set(out.rows.filter((r) => r.get("active") === true).map((r) => r.get("followee_id") as bigint)),
      followedBy: new Set((inc?.rows ?? []).filter((r) => r.get("active") === true).map((r) => r.get("follower_id") as bigint)),
    };
  }

  async counts(userIds: bigint[]): Promise<Map<bigint, EdgeCounts>> {
    const out = new Map<bigint, EdgeCounts>();
    for (const id of userIds) out.set(id, { followers: 0n, following: 0n });
    if (userIds.length === 0) return out;
    const rs = await this.client.execute("SELECT user_id, followers, following FROM graph_counts WHERE user_id IN ?", [[...new Set(userIds)]]);
    for (const r of rs.rows) {
      out.set(r.get("user_id") as bigint, {
        followers: BigInt((r.get("followers") as bigint | null) ?? 0n),
        following: BigInt((r.get("following") as bigint | null) ?? 0n),
      });
    }
    return out;
  }

  ping(): Promise<void> {
    return pingCassandra(this.client);
  }

  async close(): Promise<void> {
    // The client belongs to the Runtime, which shuts it down.
  }
}
