// The notification store on Cassandra (cluster mode); the tables are in
// migrations/0007_notifications.cql. A notification is claimed by its source
// with a lightweight transaction (a redelivered event finds it taken), then
// written to the user's month partition and to its group; the group's head
// follows its newest member and carries the group's count and newest
// accounts (moveHead: a compare-and-set per group, so racing changes to one
// group converge on what it holds).
// A notification's rows expire with its month (months.ts); rows that only
// remember an undo keep the plain retention. The read marker and the unread
// count: cassandra-unread.ts.
import { consistencies, pingCassandra, type CassandraClient } from "../../platform/cassandra/client.js";
import { CassandraUnread, type State } from "./cassandra-unread.js";
import { monthOf, monthOfMs, monthTtlSeconds, oldestKeptMonth } from "./months.js";
import { SAMPLES, type AddResult, type GroupSummary, type Head, type HeadPage, type NewNotification, type NotificationStore, type NotificationType, type RemoveResult, type TweetSources, type Unread } from "./port.js";

type Row = { get(name: string): unknown };


const ROUNDS = 16;

/** A live notification_sources row as the notification it stands for. */
function storedOf(row: Row, sourceKey: string): NewNotification {
  return {
    id: row.get("notification_id") as bigint,
    type: row.get("type") as NotificationType,
    sourceKey,
    groupKey: row.get("group_key") as string,
    actorId: row.get("actor_id") as bigint,
    tweetId: row.get("tweet_id") as bigint,
    at: (row.get("at") as Date).getTime(),
  };
}

const HEAD_COLUMNS = "notification_id, group_key, type, tweet_id, at, count, sample_ids";
const serial = { consistency: consistencies.localSerial };

export class CassandraNotificationStore implements NotificationStore {
  private readonly ttlSeconds: number;
  private readonly state: CassandraUnread;

  constructor(
    private readonly client: CassandraClient,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlSeconds = Math.max(1, Math.ceil(retentionMs / 1000));
    this.state = new CassandraUnread(client, () => this.horizonMonth(), now);
  }

  private horizonMonth(): number {
    return oldestKeptMonth(this.now(), this.retentionMs);
  }

  /** The TTL of a row of notification `id`: it expires with the id's month. */
  private ttlOf(id: bigint): number {
    return monthTtlSeconds(monthOf(id), this.retentionMs, this.now());
  }

  unread(userId: bigint): Promise<Unread> {
    return this.state.unread(userId);
  }

  markRead(userId: bigint, upToId: bigint): Promise<Unread> {
    return this.state.markRead(userId, upToId);
  }

  /**
   * Points the group's head at its newest member, with the group's count and
   * newest accounts, and drops the head it had. The pointer moves by
   * compare-and-set on the group's version, read before the members; the
   * head rows are written with that version as their write time, so a slow
   * writer of an older version loses to the newer one in every replica.
   */
  private async moveHead(userId: bigint, groupKey: string, type: NotificationType, tweetId: bigint): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const state = (
        await this.client.execute("SELECT head_id, version FROM notification_group_heads WHERE user_id = ? AND group_key = ?", [userId, groupKey], serial)
      ).first() as Row | null;
      const version = (state?.get("version") as bigint | null) ?? 0n;
      const oldHead = (state?.get("head_id") as bigint | null) ?? 0n;
      const [members, counted] = await Promise.all([
        this.client.execute("SELECT notification_id, actor_id, at FROM notification_group_members WHERE user_id = ? AND group_key = ? LIMIT ?", [userId, groupKey, SAMPLES * 4]),
        this.client.execute("SELECT COUNT(*) AS n FROM notification_group_members WHERE user_id = ? AND group_key = ?", [userId, groupKey]),
      ]);
      const rows = members.rows as Row[];
      const newest = rows[0];
      const headId = (newest?.get("notification_id") as bigint | undefined) ?? 0n;
      const next = version + 1n;
      // An emptied group's pointer keeps the plain retention: its version must outlive the head rows it wrote.
      const pointerTtl = headId === 0n ? this.ttlSeconds : this.ttlOf(headId);
      const cas = state
        ? await this.client.execute("UPDATE notification_group_heads USING TTL ? SET head_id = ?, version = ? WHERE user_id = ? AND group_key = ? IF version = ?", [
            pointerTtl,
            headId,
            next,
            userId,
            groupKey,
            version,
          ])
        : await this.client.execute("INSERT INTO notification_group_heads (user_id, group_key, head_id, version) VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL ?", [
            userId,
            groupKey,
            headId,
            next,
            pointerTtl,
          ]);
      if (!cas.wasApplied()) continue;
      const writes: Array<Promise<unknown>> = [];
      if (newest) {
        const samples = [...new Set(rows.map((r) => r.get("actor_id") as bigint))].slice(0, SAMPLES);
        const count = Number((counted.first() as Row).get("n") as bigint);
        writes.push(
          this.client.execute(
            "INSERT INTO notification_heads (user_id, month, notification_id, group_key, type, tweet_id, at, count, sample_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?",
            [userId, monthOf(headId), headId, groupKey, type, tweetId, newest.get("at"), count, samples, this.ttlOf(headId), next],
          ),
        );
      }
      if (oldHead !== 0n && oldHead !== headId) {
        writes.push(
          this.client.execute("DELETE FROM notification_heads USING TIMESTAMP ? WHERE user_id = ? AND month = ? AND notification_id = ?", [next, userId, monthOf(oldHead), oldHead]),
        );
      }
      await Promise.all(writes);
      return;
    }
    throw new Error("notification group head: too much contention");
  }

  async add(userId: bigint, n: NewNotification): Promise<AddResult> {
    const seen = await this.state.readState(userId);
    const values = [n.id, n.groupKey, n.type, n.tweetId, n.actorId, new Date(n.at)];
    for (let round = 0; round < ROUNDS; round++) {
      const claim = await this.client.execute(
        "INSERT INTO notification_sources (user_id, source_key, notification_id, group_key, type, tweet_id, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS USING TTL ?",
        [userId, n.sourceKey, ...values, this.ttlOf(n.id)],
      );
      if (claim.wasApplied()) return this.added(userId, n, seen);
      const row = claim.first() as Row;
      const removedAt = row.get("removed_at") as Date | null;
      if (removedAt === null) {
        // Taken: the same event again, or one whose first delivery died part
        // way. Rewriting its rows is idempotent, and a recount repairs the count.
        await this.writeRows(userId, storedOf(row, n.sourceKey));
        await this.state.recount(userId);
        return { added: false };
      }
      // Undone at or after this happened: a late event.
      if (removedAt.getTime() >= n.at) return { added: false };
      // Undone before: done again. Take the row back, unless another change does first.
      const retake = await this.client.execute(
        "UPDATE notification_sources USING TTL ? SET notification_id = ?, group_key = ?, type = ?, tweet_id = ?, actor_id = ?, at = ?, removed_at = null WHERE user_id = ? AND source_key = ? IF removed_at = ?",
        [this.ttlOf(n.id), ...values, userId, n.sourceKey, removedAt],
      );
      if (retake.wasApplied()) return this.added(userId, n, seen);
    }
    throw new Error("notification source: too much contention");
  }

  private async added(userId: bigint, n: NewNotification, seen: State): Promise<AddResult> {
    await this.writeRows(userId, n);
    await this.state.settle(userId, seen, n.id, n.id > seen.lastRead ? 1 : 0);
    return { added: true };
  }

  private async writeRows(userId: bigint, n: NewNotification): Promise<void> {
    await Promise.all([
      this.client.execute("INSERT INTO notifications_by_user (user_id, month, notification_id, group_key) VALUES (?, ?, ?, ?) USING TTL ?", [
        userId,
        monthOf(n.id),
        n.id,
        n.groupKey,
        this.ttlOf(n.id),
      ]),
      this.client.execute("INSERT INTO notification_group_members (user_id, group_key, notification_id, actor_id, at) VALUES (?, ?, ?, ?, ?) USING TTL ?", [
        userId,
        n.groupKey,
        n.id,
        n.actorId,
        new Date(n.at),
        this.ttlOf(n.id),
      ]),
    ]);
    await this.moveHead(userId, n.groupKey, n.type, n.tweetId);
  }

  async remove(userId: bigint, sourceKey: string, at: number): Promise<RemoveResult> {
    const seen = await this.state.readState(userId);
    const when = new Date(at);
    for (let round = 0; round < ROUNDS; round++) {
      const row = (
        await this.client.execute(
          "SELECT notification_id, group_key, type, tweet_id, actor_id, at, removed_at FROM notification_sources WHERE user_id = ? AND source_key = ?",
          [userId, sourceKey],
          serial,
        )
      ).first() as Row | null;
      if (!row) {
        // Undone before its notification came (events out of order): remembered, so that one is skipped.
        const rs = await this.client.execute("INSERT INTO notification_sources (user_id, source_key, removed_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?", [
          userId,
          sourceKey,
          when,
          this.ttlSeconds,
        ]);
        if (rs.wasApplied()) return {};
        continue;
      }
      const removedAt = row.get("removed_at") as Date | null;
      if (removedAt !== null) {
        if (removedAt.getTime() >= at) return {};
        const rs = await this.client.execute("UPDATE notification_sources USING TTL ? SET removed_at = ? WHERE user_id = ? AND source_key = ? IF removed_at = ?", [
          this.ttlSeconds,
          when,
          userId,
          sourceKey,
          removedAt,
        ]);
        if (rs.wasApplied()) return {};
        continue;
      }
      const n = storedOf(row, sourceKey);
      // Done again after this undo was asked: the undo is late.
      if (n.at > at) return {};
      // Only the remover whose compare-and-set applies moves the count.
      const del = await this.client.execute(
        "UPDATE notification_sources USING TTL ? SET removed_at = ?, notification_id = null WHERE user_id = ? AND source_key = ? IF notification_id = ?",
        [this.ttlSeconds, when, userId, sourceKey, n.id],
      );
      if (!del.wasApplied()) continue;
      await Promise.all([
        this.client.execute("DELETE FROM notifications_by_user WHERE user_id = ? AND month = ? AND notification_id = ?", [userId, monthOf(n.id), n.id]),
        this.client.execute("DELETE FROM notification_group_members WHERE user_id = ? AND group_key = ? AND notification_id = ?", [userId, n.groupKey, n.id]),
      ]);
      await this.moveHead(userId, n.groupKey, n.type, n.tweetId);
      await this.state.settle(userId, seen, n.id, n.id > seen.lastRead ? -1 : 0);
      return { removed: { id: n.id, groupKey: n.groupKey, type: n.type, tweetId: n.tweetId } };
    }
    throw new Error("notification source: too much contention");
  }

  async heads(userId: bigint, o: { limit: number; before?: bigint | undefined; types?: ReadonlySet<NotificationType> | undefined }): Promise<HeadPage> {
    const heads: Head[] = [];
    if (o.before !== undefined && o.before <= 1n) return { heads, hasMore: false };
    const low = this.horizonMonth();
    let month = o.before === undefined ? monthOfMs(this.now()) : monthOf(o.before - 1n);
    let before = o.before;
    // Filtered pages read a few more rows per round: most heads may be of other types.
    const fetch = o.types ? Math.min(500, o.limit * 4) + 1 : o.limit + 1;
    while (month >= low) {
      const rs =
        before === undefined
          ? await this.client.execute(`SELECT ${HEAD_COLUMNS} FROM notification_heads WHERE user_id = ? AND month = ? LIMIT ?`, [userId, month, fetch])
          : await this.client.execute(
              `SELECT ${HEAD_COLUMNS} FROM notification_heads WHERE user_id = ? AND month = ? AND notification_id < ? LIMIT ?`,
              [userId, month, before, fetch],
            );
      const rows = rs.rows as Row[];
      for (const r of rows) {
        const type = r.get("type") as NotificationType;
        if (o.types && !o.types.has(type)) continue;
        if (heads.length === o.limit) return { heads, hasMore: true };
        heads.push({
          id: r.get("notification_id") as bigint,
          groupKey: r.get("group_key") as string,
          type,
          tweetId: r.get("tweet_id") as bigint,
          at: (r.get("at") as Date).getTime(),
          count: (r.get("count") as number | null) ?? 1,
          sampleActorIds: (r.get("sample_ids") as bigint[] | null) ?? [],
        });
      }
      if (rows.length < fetch) {
        month--;
        before = undefined;
      } else {
        before = rows.at(-1)!.get("notification_id") as bigint;
      }
    }
    return { heads, hasMore: false };
  }

  async groups(userId: bigint, groupKeys: readonly string[], samples: number): Promise<Map<string, GroupSummary>> {
    const out = new Map<string, GroupSummary>();
    await Promise.all(
      [...new Set(groupKeys)].map(async (g) => {
        const [members, count] = await Promise.all([
          this.client.execute("SELECT notification_id, actor_id, at FROM notification_group_members WHERE user_id = ? AND group_key = ? LIMIT ?", [userId, g, samples]),
          this.client.execute("SELECT COUNT(*) AS n FROM notification_group_members WHERE user_id = ? AND group_key = ?", [userId, g]),
        ]);
        const rows = members.rows as Row[];
        const first = rows[0];
        if (!first) return;
        out.set(g, {
          count: Number((count.first() as Row).get("n") as bigint),
          sampleActorIds: [...new Set(rows.map((r) => r.get("actor_id") as bigint))],
          latestId: first.get("notification_id") as bigint,
          latestAt: (first.get("at") as Date).getTime(),
        });
      }),
    );
    return out;
  }

  async recordSources(tweetId: bigint, entries: ReadonlyArray<{ userId: bigint; sourceKey: string }>): Promise<void> {
    await Promise.all(
      entries.map((e) =>
        this.client.execute("INSERT INTO notification_tweet_sources (tweet_id, user_id, source_key) VALUES (?, ?, ?) USING TTL ?", [tweetId, e.userId, e.sourceKey, this.ttlSeconds]),
      ),
    );
  }

  async sources(tweetId: bigint): Promise<TweetSources> {
    const out: TweetSources = { entries: [], deleted: false };
    // Every like of a much-liked tweet is a row: read in pages.
    let pageState: string | undefined;
    do {
      const rs = await this.client.execute("SELECT user_id, source_key, deleted FROM notification_tweet_sources WHERE tweet_id = ?", [tweetId], { fetchSize: 1000, pageState });
      for (const r of rs.rows as Row[]) {
        if (r.get("deleted") === true) out.deleted = true;
        // A partition with only its static column answers one row without a user.
        if (r.get("user_id") !== null) out.entries.push({ userId: r.get("user_id") as bigint, sourceKey: r.get("source_key") as string });
      }
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    return out;
  }

  async tweetDeleted(tweetId: bigint): Promise<boolean> {
    const row = (await this.client.execute("SELECT deleted FROM notification_tweet_sources WHERE tweet_id = ? LIMIT 1", [tweetId])).first() as Row | null;
    return row?.get("deleted") === true;
  }

  async markTweetDeleted(tweetId: bigint): Promise<void> {
    await this.client.execute("UPDATE notification_tweet_sources USING TTL ? SET deleted = true WHERE tweet_id = ?", [this.ttlSeconds, tweetId]);
  }

  async ping(): Promise<void> {
    await pingCassandra(this.client);
  }

  async close(): Promise<void> {
    // The runtime owns the session.
  }
}
