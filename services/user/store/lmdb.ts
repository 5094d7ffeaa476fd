// The user store on LMDB (embedded mode). Uniqueness checks and writes run
// in one LMDB write transaction (db.transaction: atomic, isolated, batched
// with other writes into one commit), so concurrent registrations of one
// name cannot both pass the check.
//
// Keys:  ["u", idKey(user)]        -> StoredUser
//        ["uname", username_lower] -> idKey(user)
//        ["email", email]          -> idKey(user)
//        ["s", session_id]         -> StoredSession
//        ["sr", session_id, hash]  -> expires-at ms (retired refresh hashes)
import { fromIdKey, idKey, openEmbedded, type EmbeddedDb } from "../../platform/embedded/lmdb.js";
import type { CreateUserResult, ProfilePatch, SessionRecord, UserRecord, UserStore } from "./port.js";

interface StoredUser {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  displayName: string;
  bio: string;
  avatarUrl: string;
  createdAt: number;
}

interface StoredSession {
  userId: string;
  refreshHash: string;
  generation: number;
  revoked: boolean;
  createdAt: number;
  expiresAt: number;
}

const toStored = (u: UserRecord): StoredUser => ({
  id: idKey(u.userId),
  username: u.username,
  email: u.email,
  passwordHash: u.passwordHash,
  displayName: u.displayName,
  bio: u.bio,
  avatarUrl: u.avatarUrl,
  createdAt: u.createdAt.getTime(),
});

const fromStored = (s: StoredUser): UserRecord => ({
  userId: fromIdKey(s.id),
  username: s.username,
  email: s.email,
  passwordHash: s.passwordHash,
  displayName: s.displayName,
  bio: s.bio,
  avatarUrl: s.avatarUrl,
  createdAt: new Date(s.createdAt),
});

export class LmdbUserStore implements UserStore {
  constructor(private readonly db: EmbeddedDb) {}

  static open(dir: string): LmdbUserStore {
    return new LmdbUserStore(openEmbedded(dir));
  }

  createUser(user: UserRecord): Promise<CreateUserResult> {
    const nameKey = ["uname", user.username.toLowerCase()];
    const emailKey = ["email", user.email];
    return this.db.transaction((): CreateUserResult => {
      if (this.db.get(nameKey) !== undefined) return { ok: false, taken: "username" };
      if (this.db.get(emailKey) !== undefined) return { ok: false, taken: "email" };
      const id = idKey(user.userId);
      void this.db.put(["u", id], toStored(user));
      void this.db.put(nameKey, id);
      void this.db.put(emailKey, id);
      return { ok: true };
    });
  }

  async getUser(userId: bigint): Promise<UserRecord | undefined> {
    const s = this.db.get(["u", idKey(userId)]) as StoredUser | undefined;
    return s && fromStored(s);
  }

  async getUsers(userIds: bigint[]): Promise<Map<bigint, UserRecord>> {
    const out = new Map<bigint, UserRecord>();
    for (const id of userIds) {
      const s = this.db.get(["u", idKey(id)]) as StoredUser | undefined;
      if (s) out.set(id, fromStored(s));
    }
    return out;
  }

  private byClaim(key: (string | number)[]): UserRecord | undefined {
    const id = this.db.get(key) as string | undefined;
    const s = id === undefined ? undefined : (this.db.get(["u", id]) as StoredUser | undefined);
    return s && fromStored(s);
  }

  async findByUsername(usernameKey: string): Promise<UserRecord | undefined> {
    return this.byClaim(["uname", usernameKey]);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.byClaim(["email", email]);
  }

  updateProfile(userId: bigint, patch: ProfilePatch): Promise<UserRecord | undefined> {
    const key = ["u", idKey(userId)];
    return this.db.transaction(() => {
      const s = this.db.get(key) as StoredUser | undefined;
      if (!s) return undefined;
      const next: StoredUser = {
        ...s,
        ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
        ...(patch.bio !== undefined ? { bio: patch.bio } : {}),
        ...(patch.avatarUrl !== undefined ? { avatarUrl: patch.avatarUrl } : {}),
      };
      void this.db.put(key, next);
      return fromStored(next);
    });
  }

  async createSession(s: SessionRecord): Promise<void> {
    const stored: StoredSession = {
      userId: idKey(s.userId),
      refreshHash: s.refreshHash,
      generation: s.generation,
      revoked: s.revoked,
      createdAt: s.createdAt.getTime(),
      expiresAt: s.expiresAt.getTime(),
    };
    await this.db.put(["s", s.sessionId], stored);
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    const s = this.db.get(["s", sessionId]) as StoredSession | undefined;
    if (!s) return undefined;
    return {
      sessionId,
      userId: fromIdKey(s.userId),
      refreshHash: s.refreshHash,
      generation: s.generation,
      revoked: s.revoked,
      createdAt: new Date(s.createdAt),
      expiresAt: new Date(s.expiresAt),
    };
  }

  rotateSession(current: SessionRecord, nextHash: string): Promise<boolean> {
    const key = ["s", current.sessionId];
    return this.db.transaction(() => {
      const s = this.db.get(key) as StoredSession | undefined;
      if (!s || s.revoked || s.refreshHash !== current.refreshHash) return false;
      void this.db.put(key, { ...s, refreshHash: nextHash, generation: s.generation + 1 });
      void this.db.put(["sr", current.sessionId, current.refreshHash], s.expiresAt);
      return true;
    });
  }

  async isRetiredHash(sessionId: string, hash: string): Promise<boolean> {
    return this.db.get(["sr", sessionId, hash]) !== undefined;
  }

  async revokeSession(sessionId: string): Promise<void> {
    const key = ["s", sessionId];
    await this.db.transaction(() => {
      const s = this.db.get(key) as StoredSession | undefined;
      if (s && !s.revoked) void this.db.put(key, { ...s, revoked: true });
    });
  }

  async ping(): Promise<void> {
    this.db.get(["ping"]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
