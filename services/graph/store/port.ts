// What the graph service needs from storage. Two adapters (LMDB embedded,
// Cassandra cluster) implement it with the same semantics, checked by one
// contract suite (contract.ts).
//
// An edge is identified by its edge_id (a Snowflake taken when the follow
// happened): lists are ordered by it (newest first), events carry it in
// their message ids, and a re-follow after an unfollow gets a new one.

export interface FollowResult {
  /** False when the edge already existed (nothing changed). */
  created: boolean;
  /** The live edge: the new one, or the one that already existed. */
  edgeId: bigint;
}

export interface UnfollowResult {
  /** False when there was no live edge to remove. */
  removed: boolean;
  /**
   * The edge that was removed, or when nothing was removed, the last edge
   * between the two that an earlier unfollow ended (if any): a retried
   * Unfollow re-publishes its event with the same message id.
   */
  edgeId?: bigint | undefined;
}

export interface ListedEdge {
  /** The other end: the follower (followers list) or the followee (following list). */
  userId: bigint;
  edgeId: bigint;
}

export interface EdgePage {
  edges: ListedEdge[];
  hasMore: boolean;
}

export interface EdgeCounts {
  followers: bigint;
  following: bigint;
}

export type ListKind = "followers" | "following";

export interface GraphStore {
  /**
   * Creates the edge follower -> followee with `edgeId` unless a live one
   * exists. Counts change exactly once per created edge, however many
   * follows and unfollows race.
   */
  follow(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<FollowResult>;
  unfollow(followerId: bigint, followeeId: bigint): Promise<UnfollowResult>;
  /**
   * Newest first: at most `limit` edges with edge_id < `before` (all when
   * undefined); a bounded read of limit + 1 rows tells whether more exist.
   */
  list(kind: ListKind, userId: bigint, limit: number, before?: bigint): Promise<EdgePage>;
  /** Of `targetIds`: which `userId` follows, and (unless followingOnly: then none) which follow `userId`. */
  relationships(userId: bigint, targetIds: bigint[], opts?: { followingOnly?: boolean }): Promise<{ following: Set<bigint>; followedBy: Set<bigint> }>;
  /** Every id asked for gets an entry (zeros when it has no edges). */
  counts(userIds: bigint[]): Promise<Map<bigint, EdgeCounts>>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
