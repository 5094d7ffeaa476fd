// The read marker and the exact unread count of the Cassandra notification
// store: one row per user (notification_state), changed only by
// compare-and-set on its version. A change reads the version first, writes
// its rows, then sets the count from that version; if another change got in
// between, it recounts what is newer than the marker instead (the rows it
// wrote are visible by then), so the count stays exact under any
// interleaving. A MarkRead always recounts, which reads only what stays
// unread. Reading the count is one row.
import { consistencies, type CassandraClient } from "../../platform/cassandra/client.js";
import { monthOf, monthOfMs } from "./months.js";
import type { Unread } from "./port.js";

type Row = { get(name: string): unknown };

export interface State {
  /** -1: no row yet. */
  version: bigint;
  lastRead: bigint;
  unread: number;
}

const ROUNDS = 16;
const serial = { consistency: consistencies.localSerial };

export class CassandraUnread {
  constructor(
    private readonly client: CassandraClient,
    /** The oldest month a notification may be in (the retention). */
    private readonly horizonMonth: () => number,
    private readonly now: () => number,
  ) {}

  async readState(userId: bigint): Promise<State> {
    const row = (await this.client.execute("SELECT last_read_id, unread, version FROM notification_state WHERE user_id = ?", [userId], serial)).first() as Row | null;
    if (!row) return { version: -1n, lastRead: 0n, unread: 0 };
    return { version: row.get("version") as bigint, lastRead: (row.get("last_read_id") as bigint | null) ?? 0n, unread: (row.get("unread") as number | null) ?? 0 };
  }

  /** Compare-and-set of the state row on `from`'s version. */
  private async casState(userId: bigint, from: State, lastRead: bigint, unread: number): Promise<boolean> {
    const rs =
      from.version < 0n
        ? await this.client.execute("INSERT INTO notification_state (user_id, last_read_id, unread, version) VALUES (?, ?, ?, 0) IF NOT EXISTS", [userId, lastRead, unread])
        : await this.client.execute("UPDATE notification_state SET last_read_id = ?, unread = ?, version = ? WHERE user_id = ? IF version = ?", [
            lastRead,
            unread,
            from.version + 1n,
            userId,
            from.version,
          ]);
    return rs.wasApplied();
  }

  /** Notifications newer than `after`, from this month back to the marker's month (or the retention's). */
  private async countAfter(userId: bigint, after: bigint): Promise<number> {
    const low = Math.max(after > 0n ? monthOf(after) : 0, this.horizonMonth());
    const months: number[] = [];
    for (let m = monthOfMs(this.now()); m >= low; m--) months.push(m);
    const counts = await Promise.all(
      months.map(async (m) => {
        const row = (await this.client.execute("SELECT COUNT(*) AS n FROM notifications_by_user WHERE user_id = ? AND month = ? AND notification_id > ?", [userId, m, after])).first() as Row;
        return Number(row.get("n") as bigint);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Sets the count from `seen` moved by `delta`; if the row changed since, recounts. */
  async settle(userId: bigint, seen: State, delta: number): Promise<void> {
    if (!(await this.casState(userId, seen, seen.lastRead, seen.unread + delta))) await this.recount(userId);
  }

  /** Sets the count to what is newer than the marker now. */
  async recount(userId: bigint): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const s = await this.readState(userId);
      if (await this.casState(userId, s, s.lastRead, await this.countAfter(userId, s.lastRead))) return;
    }
    throw new Error("notification state: too much contention");
  }

  async unread(userId: bigint): Promise<Unread> {
    const row = (await this.client.execute("SELECT last_read_id, unread FROM notification_state WHERE user_id = ?", [userId])).first() as Row | null;
    return { count: (row?.get("unread") as number | null) ?? 0, lastReadId: (row?.get("last_read_id") as bigint | null) ?? 0n };
  }

  async markRead(userId: bigint, upToId: bigint): Promise<Unread> {
    for (let round = 0; round < ROUNDS; round++) {
      const s = await this.readState(userId);
      if (upToId <= s.lastRead) return { count: s.unread, lastReadId: s.lastRead };
      const count = await this.countAfter(userId, upToId);
      if (await this.casState(userId, s, upToId, count)) return { count, lastReadId: upToId };
    }
    throw new Error("notification state: too much contention");
  }
}
