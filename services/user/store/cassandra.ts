// The user store on Cassandra (cluster mode). Prepared statements; the
// consistency comes from the client's configuration (LOCAL_QUORUM by
// default), lightweight transactions use LOCAL_SERIAL.
//
// Registration: write the users row under its fresh id (nobody can reach it
// yet), claim the username, then the email, each with INSERT ... IF NOT
// EXISTS. A failed claim releases what was claimed (DELETE ... IF user_id =
// ours) and removes the row. A crash midway can leave an orphan users row
// that no name or email points at, never a claim without its row.
import type { CassandraClient } from "../../platform/cassandra/client.js";
import { pingCassandra } from "../../platform/cassandra/client.js";
import type { CreateUserResult, ProfilePatch, SessionRecord, UserRecord, UserStore } from "./port.js";

type Row = { get(name: string): unknown };

const USER_COLUMNS = "user_id, username, email, password_hash, display_name, bio, avatar_url, created_at";

function toUser(r: Row): UserRecord {
  return {
    userId: r.get("user_id") as bigint,
    username: r.get("username") as string,
    email: r.get("email") as string,
    passwordHash: r.get("password_hash") as string,
    displayName: (r.get("display_name") as string | null) ?? "",
    bio: (r.get("bio") as string | null) ?? "",
    avatarUrl: (r.get("avatar_url") as string | null) ?? "",
    createdAt: r.get("created_at") as Date,
  };
}

/** Seconds a session row should live; at least 1 (0 would mean forever). */
function ttlUntil(expiresAt: Date): number {
  return Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000));
}

const PROFILE_COLUMNS = { displayName: "display_name", bio: "bio", avatarUrl: "avatar_url" } as const;

export class CassandraUserStore implements UserStore {
  constructor(private readonly client: CassandraClient) {}

  async createUser(u: UserRecord): Promise<CreateUserResult> {
    const c = this.client;
    await c.execute(`INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      u.userId,
      u.username,
      u.email,
      u.passwordHash,
      u.displayName,
      u.bio,
      u.avatarUrl,
      u.createdAt,
    ]);
    const nameKey = u.username.toLowerCase();
    const name = await c.execute("INSERT INTO usernames (username_lower, user_id) VALUES (?, ?) IF NOT EXISTS", [nameKey, u.userId]);
    if (!name.wasApplied()) {
      await this.dropRow(u.userId);
      return { ok: false, taken: "username" };
    }
    const email = await c.execute("INSERT INTO emails (email, user_id) VALUES (?, ?) IF NOT EXISTS", [u.email, u.userId]);
    if (!email.wasApplied()) {
      await c.execute("DELETE FROM usernames WHERE username_lower = ? IF user_id = ?", [nameKey, u.userId]);
      await this.dropRow(u.userId);
      return { ok: false, taken: "email" };
    }
    return { ok: true };
  }

  private async dropRow(userId: bigint): Promise<void> {
    await this.client.execute("DELETE FROM users WHERE user_id = ?", [userId]);
  }

  async getUser(userId: bigint): Promise<UserRecord | undefined> {
    const rs = await this.client.execute(`SELECT ${USER_COLUMNS} FROM users WHERE user_id = ?`, [userId]);
    const row = rs.first();
    return row ? toUser(row) : undefined;
  }

  async getUsers(userIds: bigint[]): Promise<Map<bigint, UserRecord>> {
    const out = new Map<bigint, UserRecord>();
    if (userIds.length === 0) return out;
    // One statement for the batch: the coordinator fans out to the replicas.
    const rs = await this.client.execute(`SELECT ${USER_COLUMNS} FROM users WHERE user_id IN ?`, [[...new Set(userIds)]]);
    for (const row of rs.rows) {
      const u = toUser(row);
      out.set(u.userId, u);
    }
    return out;
  }

  async findByUsername(usernameKey: string): Promise<UserRecord | undefined> {
    const rs = await this.client.execute("SELECT user_id FROM usernames WHERE username_lower = ?", [usernameKey]);
    const id = rs.first()?.get("user_id") as bigint | undefined;
    return id === undefined ? undefined : this.getUser(id);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const rs = await this.client.execute("SELECT user_id FROM emails WHERE email = ?", [email]);
    const id = rs.first()?.get("user_id") as bigint | undefined;
    return id === undefined ? undefined : this.getUser(id);
  }

  async updateProfile(userId: bigint, patch: ProfilePatch): Promise<UserRecord | undefined> {
    const current = await this.getUser(userId);
    if (!current) return undefined;
    // Only the fields given are written, so two updates of different fields
    // do not undo each other.
    const fields = (Object.keys(PROFILE_COLUMNS) as Array<keyof typeof PROFILE_COLUMNS>).filter((k) => patch[k] !== undefined);
    if (fields.length === 0) return current;
    await this.client.execute(
      `UPDATE users SET ${fields.map((f) => `${PROFILE_COLUMNS[f]} = ?`).join(", ")} WHERE user_id = ?`,
      [...fields.map((f) => patch[f]), userId],
    );
    return { ...current, ...Object.fromEntries(fields.map((f) => [f, patch[f]])) };
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.client.execute(
      "INSERT INTO sessions (session_id, user_id, refresh_hash, generation, revoked, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?",
      [s.sessionId, s.userId, s.refreshHash, s.generation, s.revoked, s.createdAt, s.expiresAt, ttlUntil(s.expiresAt)],
    );
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    const rs = await this.client.execute(
      "SELECT session_id, user_id, refresh_hash, generation, revoked, created_at, expires_at FROM sessions WHERE session_id = ?",
      [sessionId],
    );
    const r = rs.first();
    // A partial row (only some cells left) is not a session.
    if (!r || r.get("user_id") === null || r.get("refresh_hash") === null) return undefined;
    return {
      sessionId,
      userId: r.get("user_id") as bigint,
      refreshHash: r.get("refresh_hash") as string,
      generation: r.get("generation") as number,
      revoked: r.get("revoked") === true,
      createdAt: r.get("created_at") as Date,
      expiresAt: r.get("expires_at") as Date,
    };
  }

  async rotateSession(current: SessionRecord, nextHash: string): Promise<boolean> {
    const ttl = ttlUntil(current.expiresAt);
    const rs = await this.client.execute(
      "UPDATE sessions USING TTL ? SET refresh_hash = ?, generation = ? WHERE session_id = ? IF refresh_hash = ? AND revoked = false",
      [ttl, nextHash, current.generation + 1, current.sessionId, current.refreshHash],
    );
    if (!rs.wasApplied()) return false;
    // After the compare-and-set: a crash in between only means a later reuse
    // of this hash is refused as invalid instead of also revoking the session.
    await this.client.execute("INSERT INTO session_retired_hashes (session_id, refresh_hash) VALUES (?, ?) USING TTL ?", [
      current.sessionId,
      current.refreshHash,
      ttl,
    ]);
    return true;
  }

  async isRetiredHash(sessionId: string, hash: string): Promise<boolean> {
    const rs = await this.client.execute("SELECT refresh_hash FROM session_retired_hashes WHERE session_id = ? AND refresh_hash = ?", [
      sessionId,
      hash,
    ]);
    return rs.rowLength > 0;
  }

  async revokeSession(sessionId: string): Promise<void> {
    const s = await this.getSession(sessionId);
    if (!s || s.revoked) return;
    // A conditional write like the rotation, so the two are ordered by Paxos;
    // the TTL keeps the cell from outliving the rest of the row.
    await this.client.execute("UPDATE sessions USING TTL ? SET revoked = true WHERE session_id = ? IF EXISTS", [
      ttlUntil(s.expiresAt),
      sessionId,
    ]);
  }

  ping(): Promise<void> {
    return pingCassandra(this.client);
  }

  async close(): Promise<void> {
    // The client belongs to the Runtime, which shuts it down.
  }
}
