// One contract for every UserStore adapter. Each suite shares one store
// (opening a Cassandra keyspace is slow); tests keep apart by using fresh
// names and ids.
import { randomBytes } from "node:crypto";
import type { TestFn } from "ava";
import type { SessionRecord, UserRecord, UserStore } from "./port.js";

let seq = 0n;
const uniqueId = () => BigInt(Date.now()) * 1_000_000n + (seq += 1n) * 1000n + BigInt(randomBytes(1)[0]!);
const uniqueName = (prefix = "u") => `${prefix}${randomBytes(5).toString("hex")}`.slice(0, 15);

export function makeUser(over: Partial<UserRecord> = {}): UserRecord {
  const username = over.username ?? uniqueName();
  return {
    userId: uniqueId(),
    username,
    email: `${username.toLowerCase()}@example.com`,
    passwordHash: "$argon2id$fake",
    displayName: username,
    bio: "",
    avatarUrl: "",
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    ...over,
  };
}

function makeSession(userId: bigint, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: randomBytes(16).toString("base64url"),
    userId,
    refreshHash: randomBytes(32).toString("base64url"),
    generation: 1,
    revoked: false,
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000),
    ...over,
  };
}

export function userStoreContract(test: TestFn, name: string, open: () => Promise<{ store: UserStore; close: () => Promise<void> }>) {
  let opened: Promise<{ store: UserStore; close: () => Promise<void> }> | undefined;
  const store = async () => (await (opened ??= open())).store;
  test.after.always(async () => {
    if (opened) await (await opened).close();
  });

  test(`${name}: a created user is found by id, by any-case username and by email`, async (t) => {
    const s = await store();
    const u = makeUser({ username: uniqueName("Mixed_") });
    t.deepEqual(await s.createUser(u), { ok: true });
    t.deepEqual(await s.getUser(u.userId), u);
    t.deepEqual(await s.findByUsername(u.username.toLowerCase()), u);
    t.deepEqual(await s.findByEmail(u.email), u);
    t.is(await s.getUser(u.userId + 1n), undefined);
    t.is(await s.findByUsername("nobody_" + randomBytes(3).toString("hex")), undefined);
    t.is(await s.findByEmail("nobody@example.org"), undefined);
  });

  test(`${name}: usernames are unique ignoring case, emails are unique`, async (t) => {
    const s = await store();
    const first = makeUser({ username: uniqueName("Case") });
    t.true((await s.createUser(first)).ok);
    const sameName = makeUser({ username: first.username.toUpperCase() });
    t.deepEqual(await s.createUser(sameName), { ok: false, taken: "username" });
    t.is(await s.getUser(sameName.userId), undefined, "the loser leaves no row behind");
    const sameEmail = makeUser({ email: first.email });
    t.deepEqual(await s.createUser(sameEmail), { ok: false, taken: "email" });
    t.is(await s.getUser(sameEmail.userId), undefined);
    // The failed email claim released its username claim.
    const retry = makeUser({ username: sameEmail.username });
    t.deepEqual(await s.createUser(retry), { ok: true });
    t.is((await s.findByUsername(retry.username.toLowerCase()))?.userId, retry.userId);
  });

  test(`${name}: 20 concurrent creates of one username make exactly one account`, async (t) => {
    const s = await store();
    const username = uniqueName("race");
    const attempts = Array.from({ length: 20 }, (_, i) => makeUser({ username: i % 2 ? username : username.toUpperCase(), email: `${username}.${i}@example.com` }));
    const results = await Promise.all(attempts.map((u) => s.createUser(u)));
    t.is(results.filter((r) => r.ok).length, 1);
    const winner = attempts[results.findIndex((r) => r.ok)]!;
    t.is((await s.findByUsername(username.toLowerCase()))?.userId, winner.userId);
    const rows = await s.getUsers(attempts.map((u) => u.userId));
    t.deepEqual([...rows.keys()], [winner.userId]);
  });

  test(`${name}: a batch read returns the users that exist`, async (t) => {
    const s = await store();
    const users = [makeUser(), makeUser(), makeUser()];
    for (const u of users) await s.createUser(u);
    const missing = users[2]!.userId + 7n;
    const got = await s.getUsers([users[2]!.userId, missing, users[0]!.userId, users[1]!.userId]);
    t.is(got.size, 3);
    t.deepEqual(got.get(users[1]!.userId), users[1]);
    t.false(got.has(missing));
    t.is((await s.getUsers([])).size, 0);
  });

  test(`${name}: a profile update sets only the given fields`, async (t) => {
    const s = await store();
    const u = makeUser({ bio: "old bio", avatarUrl: "https://a.example/x.png" });
    await s.createUser(u);
    const updated = await s.updateProfile(u.userId, { displayName: "New Name" });
    t.deepEqual(updated, { ...u, displayName: "New Name" });
    t.deepEqual(await s.getUser(u.userId), updated);
    const cleared = await s.updateProfile(u.userId, { bio: "", avatarUrl: "" });
    t.deepEqual(await s.getUser(u.userId), { ...u, displayName: "New Name", bio: "", avatarUrl: "" });
    t.deepEqual(cleared, await s.getUser(u.userId));
    t.is(await s.updateProfile(u.userId + 3n, { bio: "x" }), undefined);
  });

  test(`${name}: a session rotates by compare-and-set and remembers retired hashes`, async (t) => {
    const s = await store();
    const session = makeSession(uniqueId());
    await s.createSession(session);
    t.deepEqual(await s.getSession(session.sessionId), session);
    t.is(await s.getSession("no-such-session-id-xx"), undefined);

    t.true(await s.rotateSession(session, "hash-2"));
    const after = await s.getSession(session.sessionId);
    t.like(after, { refreshHash: "hash-2", generation: 2, revoked: false });
    t.true(await s.isRetiredHash(session.sessionId, session.refreshHash));
    t.false(await s.isRetiredHash(session.sessionId, "hash-2"));
    t.false(await s.isRetiredHash(session.sessionId, "never-used"));
    // The old state no longer matches: the compare-and-set refuses.
    t.false(await s.rotateSession(session, "hash-3"));
    t.is((await s.getSession(session.sessionId))?.refreshHash, "hash-2");
  });

  test(`${name}: concurrent rotations of one refresh hash: exactly one wins`, async (t) => {
    const s = await store();
    const session = makeSession(uniqueId());
    await s.createSession(session);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.rotateSession(session, `next-${i}`)));
    t.is(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    t.like(await s.getSession(session.sessionId), { refreshHash: `next-${winner}`, generation: 2 });
  });

  test(`${name}: a revoked session cannot rotate; revoking twice is fine`, async (t) => {
    const s = await store();
    const session = makeSession(uniqueId());
    await s.createSession(session);
    await s.revokeSession(session.sessionId);
    await s.revokeSession(session.sessionId);
    await s.revokeSession("never-existed-session");
    t.like(await s.getSession(session.sessionId), { revoked: true, refreshHash: session.refreshHash });
    t.false(await s.rotateSession(session, "hash-x"));
    t.is(await s.getSession("never-existed-session"), undefined, "revoking an unknown session creates nothing");
  });

  test(`${name}: ping answers`, async (t) => {
    await t.notThrowsAsync((await store()).ping());
  });
}
