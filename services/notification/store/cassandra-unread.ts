// The read marker and the exact unread count of the Cassandra notification
// store: one row per user (notification_state) holding the marker and the
// unread notifications per month partition (months.ts: a month's rows expire
// together, so the count sums the months still kept and stays exact as they
// expire). The row changes only by compare-and-set on its version. A change
// reads the version first, writes its rows, then moves its month's count from
// that version; if another change got in between, it recounts what is newer
// than the marker instead (the rows it wrote are visible by then), so the
// count stays exact under any interleaving. A MarkRead always recounts, which
// reads only what stays unread. Reading the count is one row.
import { consistencies, type CassandraClient } from "../../platform/cassandra/client.js";
import { keptCount, monthOf, monthOfMs, moved, type MonthCounts } from "./months.js";
import type { Unread } from "./port.js";

type Row = { get(name: string): unknown };

export interface State {
  /** -1: no row yet. */
  version: bigint;
  lastRead: bigint;
  /** null: a row from before the counts were kept per month (recounted at its next change). */
  byMonth: MonthCounts | null;
}

const ROUNDS = 16;
const serial = { consistency: consistencies.localSerial };

function countsOf(row: Row): MonthCounts | null {
  const v = row.get("unread_by_month") as Record<string, number> | null;
  // Cassandra keeps an empty map as null; a row from before 0008 has its whole count in `unread` (set to 0 since).
  if (v === null) return ((row.get("unread") as number | null) ?? 0) > 0 ? null : new Map();
  return new Map(Object.entries(v).map(([m, c]) => [Number(m), c]));
}

const STATE_COLUMNS = "last_read_id, unread_by_month, unread, version";

/** As the driver encodes a map<int, int> from an object. */
const encodeCounts = (byMonth: MonthCounts) => Object.fromEntries(byMonth);

export class CassandraUnread {
  constructor(
    private readonly client: CassandraClient,
    /** The oldest month still kept (the retention). */
    private readonly oldestMonth: () => number,
    private readonly now: () => number,
  ) {}

  async readState(userId: bigint): Promise<State> {
    const row = (await this.client.execute(`SELECT ${STATE_COLUMNS} FROM notification_state WHERE user_id = ?`, [userId], serial)).first() as Row | null;
    if (!row) return { version: -1n, lastRead: 0n, byMonth: new Map() };
    return { version: (row.get("version") as bigint | null) ?? 0n, lastRead: (row.get("last_read_id") as bigint | null) ?? 0n, byMonth: countsOf(row) };
  }

  /** Compare-and-set of the state row on `from`'s version. */
  private async casState(userId: bigint, from: State, lastRead: bigint, byMonth: MonthCounts): Promise<boolean> {
    const counts = encodeCounts(byMonth);
    const rs =
      from.version < 0n
        ? await this.client.execute("INSERT INTO notification_state (user_id, last_read_id, unread_by_month, unread, version) VALUES (?, ?, ?, 0, 0) IF NOT EXISTS", [userId, lastRead, counts])
        : await this.client.execute("UPDATE notification_state SET last_read_id = ?, unread_by_month = ?, unread = 0, version = ? WHERE user_id = ? IF version = ?", [
            lastRead,
            counts,
            from.version + 1n,
            userId,
            from.version,
          ]);
    return rs.wasApplied();
  }

  /** Notifications newer than `after` per month, from this month back to the marker's month (or the oldest kept). */
  private async countAfter(userId: bigint, after: bigint): Promise<Map<number, number>> {
    const low = Math.max(after > 0n ? monthOf(after) : 0, this.oldestMonth());
    const months: number[] = [];
    for (let m = monthOfMs(this.now()); m >= low; m--) months.push(m);
    const out = new Map<number, number>();
    await Promise.all(
      months.map(async (m) => {
        const row = (await this.client.execute("SELECT COUNT(*) AS n FROM notifications_by_user WHERE user_id = ? AND month = ? AND notification_id > ?", [userId, m, after])).first() as Row;
        const n = Number(row.get("n") as bigint);
        if (n > 0) out.set(m, n);
      }),
    );
    return out;
  }

  /** Moves the count of notification `id`'s month by `delta` from `seen`; if the row changed since (or has no per-month counts), recounts. */
  async settle(userId: bigint, seen: State, id: bigint, delta: number): Promise<void> {
    const applied = seen.byMonth !== null && (await this.casState(userId, seen, seen.lastRead, moved(seen.byMonth, monthOf(id), delta, this.oldestMonth())));
    if (!applied) await this.recount(userId);
  }

  /** Sets the counts to what is newer than the marker now. */
  async recount(userId: bigint): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const s = await this.readState(userId);
      if (await this.casState(userId, s, s.lastRead, await this.countAfter(userId, s.lastRead))) return;
    }
    throw new Error("notification state: too much contention");
  }

  async unread(userId: bigint): Promise<Unread> {
    // A plain read (not serial): one row.
    let row = (await this.client.execute(`SELECT ${STATE_COLUMNS} FROM notification_state WHERE user_id = ?`, [userId])).first() as Row | null;
    if (row && countsOf(row) === null) {
      await this.recount(userId);
      row = (await this.client.execute(`SELECT ${STATE_COLUMNS} FROM notification_state WHERE user_id = ?`, [userId], serial)).first() as Row;
    }
    if (!row) return { count: 0, lastReadId: 0n };
    return { count: keptCount(countsOf(row) ?? new Map(), this.oldestMonth()), lastReadId: (row.get("last_read_id") as bigint | null) ?? 0n };
  }

  async markRead(userId: bigint, upToId: bigint): Promise<Unread> {
    for (let round = 0; round < ROUNDS; round++) {
      const s = await this.readState(userId);
      if (upToId <= s.lastRead && s.byMonth !== null) return { count: keptCount(s.byMonth, this.oldestMonth()), lastReadId: s.lastRead };
      const to = upToId > s.lastRead ? upToId : s.lastRead;
      const counts = await this.countAfter(userId, to);
      if (await this.casState(userId, s, to, counts)) return { count: keptCount(counts, this.oldestMonth()), lastReadId: to };
    }
    throw new Error("notification state: too much contention");
  }
}
