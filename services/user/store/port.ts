// What the user service needs from storage. Two adapters (LMDB embedded,
// Cassandra cluster) implement it with the same semantics, checked by one
// contract suite (contract.ts).

export interface UserRecord {
  userId: bigint;
  /** As registered; uniqueness is on the lower-cased form. */
  username: string;
  /** Normalised (trimmed, lower-cased). */
  email: string;
  passwordHash: string;
  displayName: string;
  bio: string;
  avatarUrl: string;
  createdAt: Date;
}

export interface ProfilePatch {
  displayName?: string | undefined;
  bio?: string | undefined;
  avatarUrl?: string | undefined;
}

export interface SessionRecord {
  sessionId: string;
  userId: bigint;
  /** sha256 of the current refresh secret. */
  refreshHash: string;
  /** 1 at login, +1 per rotation. */
  generation: number;
  revoked: boolean;
  createdAt: Date;
  /** Absolute end of the session: rotation does not extend it. */
  expiresAt: Date;
}

export type CreateUserResult = { ok: true } | { ok: false; taken: "username" | "email" };

export interface UserStore {
  /**
   * Creates the account unless the username (case-insensitively) or the
   * email is taken, atomically with respect to concurrent creates: of many
   * racing creates for one name, exactly one succeeds.
   */
  createUser(user: UserRecord): Promise<CreateUserResult>;
  getUser(userId: bigint): Promise<UserRecord | undefined>;
  /** One round trip for the whole batch; missing ids are absent from the map. */
  getUsers(userIds: bigint[]): Promise<Map<bigint, UserRecord>>;
  /** By the lower-cased username. */
  findByUsername(usernameKey: string): Promise<UserRecord | undefined>;
  /** By the normalised email. */
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Sets the given fields; undefined when the user does not exist. */
  updateProfile(userId: bigint, patch: ProfilePatch): Promise<UserRecord | undefined>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /**
   * Compare-and-set: replaces the refresh hash (and bumps the generation)
   * only if the session is not revoked and its hash is still
   * `current.refreshHash`; the replaced hash is then remembered as retired,
   * for reuse detection. False when the condition failed.
   */
  rotateSession(current: SessionRecord, nextHash: string): Promise<boolean>;
  /** True when `hash` was a refresh hash of this session before a rotation. */
  isRetiredHash(sessionId: string, hash: string): Promise<boolean>;
  /** Idempotent. */
  revokeSession(sessionId: string): Promise<void>;

  /** Resolves when the backend answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
