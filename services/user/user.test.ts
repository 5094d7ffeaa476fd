// The user service end to end: real Connect gRPC clients against started
// user + graph targets, in both modes (LMDB + in-process bus; Cassandra +
// JetStream).
import test, { type ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import { TokenSigner } from "../kit/auth.js";
import { generateKeyPairPem } from "../kit/keys.js";
import { MODES, type Mode } from "../testing/runtime.js";
import { startChirp, type Chirp } from "../testing/chirp.js";

// One pair of services per mode, started by the first test that needs it.
const pairs = new Map<Mode, Promise<Chirp>>();
const pairFor = (mode: Mode) => {
  if (!pairs.has(mode)) pairs.set(mode, startChirp({ mode, label: `user_${mode}`, targets: ["user", "graph", "tweet"] }));
  return pairs.get(mode)!;
};
test.after.always(async () => {
  for (const p of pairs.values()) await (await p.catch(() => undefined))?.stop();
});

const name = (prefix = "u") => `${prefix}${randomBytes(5).toString("hex")}`.slice(0, 15);
const PASSWORD = "Correct-horse-9";

async function rpcError(t: ExecutionContext, p: Promise<unknown>): Promise<ConnectError> {
  const err = await t.throwsAsync(p);
  const ce = ConnectError.from(err);
  t.not(ce.code, Code.Unknown, "never UNKNOWN");
  return ce;
}

async function register(p: Chirp, username = name(), email = `${username}@example.com`) {
  const res = await p.clients.user.register({ username, email, password: PASSWORD });
  return res.user!;
}

for (const mode of MODES) {
  const pair = () => pairFor(mode);

  test(`${mode}: register, log in, read the profile by id and by any-case username`, async (t) => {
    const p = await pair();
    const username = name("Ann_");
    const reg = await p.clients.user.register({ username, email: `  ${username.toUpperCase()}@Example.com`.trim(), password: PASSWORD, displayName: "Ann A." });
    t.like(reg.user, { username, displayName: "Ann A.", bio: "", avatarUrl: "", followerCount: 0n, followingCount: 0n, tweetCount: 0n });
    t.true(reg.user!.userId > 0n);
    t.truthy(reg.user!.createdAt);

    const byName = await p.clients.user.getUserByUsername({ username: username.toLowerCase() });
    t.is(byName.user!.userId, reg.user!.userId);
    t.is(byName.user!.username, username, "display keeps the registered case");
    const byId = await p.clients.user.getUser({ userId: reg.user!.userId });
    t.deepEqual(byId.user, byName.user);

    const login = await p.clients.user.login({ login: username.toUpperCase(), password: PASSWORD });
    t.is(login.user!.userId, reg.user!.userId);
    const byEmail = await p.clients.user.login({ login: `${username.toLowerCase()}@example.com`, password: PASSWORD });
    t.is(byEmail.user!.userId, reg.user!.userId);

    // Display name defaults to the username.
    const plain = await register(p);
    t.is(plain.displayName, plain.username);
  });

  test(`${mode}: the access token is an EdDSA JWT for the user and session, short-lived`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const { session } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    const caller = await p.rt.verifier.verify(session!.accessToken);
    t.is(caller.userId, u.userId);
    t.is(caller.sessionId, session!.refreshToken.split(".")[0]!);
    const claims = decodeJwt(session!.accessToken);
    t.is(claims.iss, p.rt.config.jwt.issuer);
    t.is(claims.aud, p.rt.config.jwt.audience);
    t.is(claims.exp! - claims.iat!, p.rt.config.jwt.accessTtlSeconds);
    t.is(Number(session!.accessTokenExpiresAt!.seconds), claims.exp!);
    t.true(Number(session!.refreshTokenExpiresAt!.seconds) > claims.exp!);
  });

  test(`${mode}: bad input is INVALID_ARGUMENT naming the field`, async (t) => {
    const p = await pair();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ username: "ab" }, /^username: /],
      [{ username: "bad-name" }, /^username: /],
      [{ username: "x".repeat(16) }, /^username: /],
      [{ email: "not-an-email" }, /^email: /],
      [{ password: "short" }, /^password: /],
      [{ password: "p".repeat(129) }, /^password: /],
      [{ displayName: "d".repeat(51) }, /^display_name: /],
    ];
    for (const [over, field] of cases) {
      const username = name();
      const err = await rpcError(t, p.clients.user.register({ username, email: `${username}@example.com`, password: PASSWORD, ...over }));
      t.is(err.code, Code.InvalidArgument, JSON.stringify(over));
      t.regex(err.rawMessage, field);
    }
    const u = await register(p);
    const opts = await p.as(u.userId);
    for (const [over, field] of [
      [{ avatarUrl: "http://insecure.example/a.png" }, /^avatar_url: /],
      [{ bio: "b".repeat(161) }, /^bio: /],
      [{ displayName: "x".repeat(51) }, /^display_name: /],
    ] as const) {
      const err = await rpcError(t, p.clients.user.updateProfile({ userId: u.userId, ...over }, opts));
      t.is(err.code, Code.InvalidArgument);
      t.regex(err.rawMessage, field);
    }
    const batch = await rpcError(t, p.clients.user.batchGetUsers({ userIds: Array.from({ length: 101 }, (_, i) => BigInt(i + 1)) }));
    t.is(batch.code, Code.InvalidArgument);
    t.regex(batch.rawMessage, /^user_ids: /);
  });

  test(`${mode}: a taken username (any case) or email is ALREADY_EXISTS`, async (t) => {
    const p = await pair();
    const u = await register(p, name("Bob"));
    const dupName = await rpcError(t, register(p, u.username.toUpperCase(), `${name()}@example.com`));
    t.is(dupName.code, Code.AlreadyExists);
    t.regex(dupName.rawMessage, /^username: /);
    const dupEmail = await rpcError(t, register(p, name(), `${u.username.toUpperCase()}@EXAMPLE.com`));
    t.is(dupEmail.code, Code.AlreadyExists);
    t.regex(dupEmail.rawMessage, /^email: /);
  });

  test(`${mode}: 20 concurrent registrations of one username create exactly one account`, async (t) => {
    const p = await pair();
    const username = name("race");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        p.clients.user.register({ username: i % 2 ? username : username.toUpperCase(), email: `${username}.${i}@example.com`, password: PASSWORD }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    t.is(ok.length, 1);
    for (const r of results) if (r.status === "rejected") t.is(ConnectError.from(r.reason).code, Code.AlreadyExists);
    const found = await p.clients.user.getUserByUsername({ username });
    t.is(found.user!.userId, (ok[0] as PromiseFulfilledResult<{ user?: { userId: bigint } }>).value.user!.userId);
  });

  test(`${mode}: a wrong password and an unknown login give the same error`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const wrong = await rpcError(t, p.clients.user.login({ login: u.username, password: "Wrong-password-1" }));
    const unknown = await rpcError(t, p.clients.user.login({ login: name("ghost"), password: "Wrong-password-1" }));
    const unknownEmail = await rpcError(t, p.clients.user.login({ login: "ghost@example.com", password: "Wrong-password-1" }));
    for (const e of [wrong, unknown, unknownEmail]) {
      t.is(e.code, Code.Unauthenticated);
      t.is(e.rawMessage, wrong.rawMessage);
    }
  });

  test(`${mode}: RefreshSession rotates; a refresh token used twice revokes the session`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const { session: s1 } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    const { session: s2 } = await p.clients.user.refreshSession({ refreshToken: s1!.refreshToken });
    t.not(s2!.refreshToken, s1!.refreshToken);
    t.is(s2!.refreshToken.split(".")[0], s1!.refreshToken.split(".")[0], "same session");
    t.is((await p.rt.verifier.verify(s2!.accessToken)).userId, u.userId);
    const { session: s3 } = await p.clients.user.refreshSession({ refreshToken: s2!.refreshToken });

    // s1 again: reuse. The session is revoked, so even the newest token fails.
    const reuse = await rpcError(t, p.clients.user.refreshSession({ refreshToken: s1!.refreshToken }));
    t.is(reuse.code, Code.Unauthenticated);
    t.regex(reuse.rawMessage, /already used/);
    const after = await rpcError(t, p.clients.user.refreshSession({ refreshToken: s3!.refreshToken }));
    t.is(after.code, Code.Unauthenticated);

    // Other sessions of the same user are not affected.
    const { session: other } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    await t.notThrowsAsync(p.clients.user.refreshSession({ refreshToken: other!.refreshToken }));
  });

  test(`${mode}: the same refresh token presented twice at once: one rotation at most, then revoked`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const { session } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    const results = await Promise.allSettled([1, 2, 3].map(() => p.clients.user.refreshSession({ refreshToken: session!.refreshToken })));
    t.true(results.filter((r) => r.status === "fulfilled").length <= 1);
    for (const r of results) if (r.status === "fulfilled") {
      const e = await rpcError(t, p.clients.user.refreshSession({ refreshToken: r.value.session!.refreshToken }));
      t.is(e.code, Code.Unauthenticated, "the winner's token died with the session");
    }
  });

  test(`${mode}: Logout revokes the session; forged refresh tokens are UNAUTHENTICATED`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const { session } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    const [sid] = session!.refreshToken.split(".");
    const forged = await rpcError(t, p.clients.user.logout({ refreshToken: `${sid}.${randomBytes(32).toString("base64url")}` }));
    t.is(forged.code, Code.Unauthenticated);
    await p.clients.user.logout({ refreshToken: session!.refreshToken });
    await p.clients.user.logout({ refreshToken: session!.refreshToken }); // idempotent
    const refresh = await rpcError(t, p.clients.user.refreshSession({ refreshToken: session!.refreshToken }));
    t.is(refresh.code, Code.Unauthenticated);
    for (const junk of ["junk", `${randomBytes(16).toString("base64url")}.${randomBytes(32).toString("base64url")}`]) {
      t.is((await rpcError(t, p.clients.user.refreshSession({ refreshToken: junk }))).code, Code.Unauthenticated);
      t.is((await rpcError(t, p.clients.user.logout({ refreshToken: junk }))).code, Code.Unauthenticated);
    }
  });

  test(`${mode}: UpdateProfile changes only the set fields, only for the owner`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const other = await register(p);
    const { session } = await p.clients.user.login({ login: u.username, password: PASSWORD });
    const own = { headers: { authorization: `Bearer ${session!.accessToken}` } };
    const r1 = await p.clients.user.updateProfile({ userId: u.userId, bio: "hello", avatarUrl: "https://cdn.example.com/a.png" }, own);
    t.like(r1.user, { bio: "hello", avatarUrl: "https://cdn.example.com/a.png", displayName: u.displayName });
    const r2 = await p.clients.user.updateProfile({ userId: u.userId, displayName: "New" }, own);
    t.like(r2.user, { bio: "hello", displayName: "New" });
    const r3 = await p.clients.user.updateProfile({ userId: u.userId, avatarUrl: "", displayName: "" }, own);
    t.like(r3.user, { avatarUrl: "", displayName: u.username, bio: "hello" });
    t.deepEqual((await p.clients.user.getUser({ userId: u.userId })).user, r3.user);

    const someoneElse = await rpcError(t, p.clients.user.updateProfile({ userId: other.userId, bio: "pwned" }, own));
    t.is(someoneElse.code, Code.PermissionDenied);
    t.is((await p.clients.user.getUser({ userId: other.userId })).user!.bio, "");
  });

  test(`${mode}: missing, expired, forged, wrong-key and alg:none tokens are UNAUTHENTICATED`, async (t) => {
    const p = await pair();
    const u = await register(p);
    const { token: valid } = await p.rt.signer!.sign({ userId: u.userId, sessionId: "s" });
    const { token: expired } = await p.rt.signer!.sign({ userId: u.userId, sessionId: "s" }, Date.now() - 3 * 3600_000);
    const otherKeys = await generateKeyPairPem();
    const foreign = await TokenSigner.fromPem(otherKeys.privateKeyPem, {
      issuer: p.rt.config.jwt.issuer,
      audience: p.rt.config.jwt.audience,
      ttlSeconds: 600,
    });
    const { token: wrongKey } = await foreign.sign({ userId: u.userId, sessionId: "s" });
    const [h, body] = valid.split(".");
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const tampered = `${h}.${b64({ ...decodeJwt(valid), sub: String(u.userId + 1n) })}.${valid.split(".")[2]}`;
    const none = `${b64({ alg: "none", typ: "JWT" })}.${body}.`;
    const req = { userId: u.userId, bio: "x" };
    t.is((await rpcError(t, p.clients.user.updateProfile(req))).code, Code.Unauthenticated);
    for (const token of [expired, wrongKey, tampered, none, "not-a-jwt"]) {
      const e = await rpcError(t, p.clients.user.updateProfile(req, { headers: { authorization: `Bearer ${token}` } }));
      t.is(e.code, Code.Unauthenticated, token.slice(0, 20));
    }
  });

  test(`${mode}: BatchGetUsers keeps request order, lists the missing, fills counts from the graph and tweet services`, async (t) => {
    const p = await pair();
    const [a, b, c] = [await register(p), await register(p), await register(p)];
    await p.clients.graph.follow({ userId: a.userId, followeeId: b.userId }, await p.as(a.userId));
    await p.clients.graph.follow({ userId: c.userId, followeeId: b.userId }, await p.as(c.userId));
    const missing = c.userId + 1_000_000n;
    const res = await p.clients.user.batchGetUsers({ userIds: [b.userId, missing, a.userId, c.userId] });
    t.deepEqual(res.users.map((u) => u.userId), [b.userId, a.userId, c.userId]);
    t.deepEqual(res.missingUserIds, [missing]);
    t.like(res.users[0], { followerCount: 2n, followingCount: 0n });
    t.like(res.users[1], { followerCount: 0n, followingCount: 1n });
    t.like((await p.clients.user.getUser({ userId: b.userId })).user, { followerCount: 2n, tweetCount: 0n });
    // Tweet counts come from the tweet service.
    const tweets = p.clients.tweet;
    await tweets.createTweet({ content: "one" }, await p.as(b.userId));
    await tweets.createTweet({ content: "two" }, await p.as(b.userId));
    t.like((await p.clients.user.getUser({ userId: b.userId })).user, { tweetCount: 2n });
    const nf = await rpcError(t, p.clients.user.getUser({ userId: missing }));
    t.is(nf.code, Code.NotFound);
    t.is((await rpcError(t, p.clients.user.getUserByUsername({ username: name("nobody") }))).code, Code.NotFound);
  });

  test.serial(`${mode}: profiles fail UNAVAILABLE, not zeros, when the graph service is down`, async (t) => {
    const p = await pair();
    const u = await register(p);
    await p.stopTarget("graph");
    try {
      const e = await rpcError(t, p.clients.user.getUser({ userId: u.userId }));
      t.is(e.code, Code.Unavailable);
      t.notRegex(e.rawMessage, /127\.0\.0\.1|ECONNREFUSED/, "no internal detail");
      t.is((await rpcError(t, p.clients.user.batchGetUsers({ userIds: [u.userId] }))).code, Code.Unavailable);
      // An unknown account is NOT_FOUND whatever the counts would say.
      t.is((await rpcError(t, p.clients.user.getUser({ userId: u.userId + 1_000_000n }))).code, Code.NotFound);
      t.deepEqual((await p.clients.user.batchGetUsers({ userIds: [u.userId + 1_000_000n] })).users, []);
    } finally {
      await p.start("graph");
    }
  });
}
