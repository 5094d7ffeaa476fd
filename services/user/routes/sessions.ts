// Login, RefreshSession, Logout. A session is a refresh-token family: the
// refresh token is "<session_id>.<secret>" and the store keeps sha256(secret).
// Rotation is a compare-and-set; presenting a secret the session has already
// rotated away from is reuse (a stolen token, or a replay) and revokes the
// whole session.
//
// Access tokens are short-lived EdDSA JWTs carrying the session id (sid).
// Services verify them offline, without asking whether the session was
// revoked: a logout or a reuse revocation stops refreshes at once, and the
// access tokens already issued expire within the access TTL.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { SessionSchema, type Session, type UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { unauthenticated } from "../../kit/errors.js";
import type { UserContext } from "../context.js";
import { looksLikeEmail, normalizeEmail, usernameKey } from "../normalize.js";
import { verifyAgainstDummy, verifyPassword } from "../passwords.js";
import { withCounts } from "../present.js";
import { formatRefreshToken, hashSecret, newSecret, newSessionId, parseRefreshToken } from "../refresh-token.js";
import type { SessionRecord } from "../store/port.js";

// One message for an unknown login and a wrong password.
const BAD_CREDENTIALS = "login or password is wrong";
const INVALID_REFRESH = "refresh token is not valid: log in again";

async function sessionMessage(ctx: UserContext, s: SessionRecord, secret: string): Promise<Session> {
  const access = await ctx.signer.sign({ userId: s.userId, sessionId: s.sessionId });
  return create(SessionSchema, {
    accessToken: access.token,
    accessTokenExpiresAt: timestampFromDate(access.expiresAt),
    refreshToken: formatRefreshToken({ sessionId: s.sessionId, secret }),
    refreshTokenExpiresAt: timestampFromDate(s.expiresAt),
  });
}

/** The session a refresh token names, if it is live; UNAUTHENTICATED otherwise. */
async function liveSession(ctx: UserContext, token: string): Promise<{ session: SessionRecord; hash: string }> {
  const { sessionId, secret } = parseRefreshToken(token);
  const session = await ctx.store.getSession(sessionId);
  if (!session) throw unauthenticated(INVALID_REFRESH);
  if (session.expiresAt.getTime() <= Date.now()) throw unauthenticated("refresh token expired: log in again");
  return { session, hash: hashSecret(secret) };
}

export function sessionRoutes(ctx: UserContext): Partial<ServiceImpl<typeof UserService>> {
  return {
    async login(req) {
      const user = looksLikeEmail(req.login)
        ? await ctx.store.findByEmail(req.login.trim().toLowerCase())
        : await ctx.store.findByUsername(usernameKey(req.login.trim()));
      // Exactly one argon2 verification either way, so timing does not tell
      // "no such account" from "wrong password".
      const ok = user ? await verifyPassword(user.passwordHash, req.password) : await verifyAgainstDummy(req.password);
      if (!user || !ok) throw unauthenticated(BAD_CREDENTIALS);

      // Counts first: if the graph service is down, fail before a session exists.
      const [profile] = await withCounts([user], ctx.counts);
      const now = Date.now();
      const secret = newSecret();
      const session: SessionRecord = {
        sessionId: newSessionId(),
        userId: user.userId,
        refreshHash: hashSecret(secret),
        generation: 1,
        revoked: false,
        createdAt: new Date(now),
        expiresAt: new Date(now + ctx.refreshTtlSeconds * 1000),
      };
      await ctx.store.createSession(session);
      return { session: await sessionMessage(ctx, session, secret), user: profile };
    },

    async refreshSession(req) {
      const { session, hash } = await liveSession(ctx, req.refreshToken);
      if (session.revoked) throw unauthenticated("session was revoked: log in again");
      if (hash !== session.refreshHash) {
        if (await ctx.store.isRetiredHash(session.sessionId, hash)) {
          await ctx.store.revokeSession(session.sessionId);
          ctx.logger.warn({ userId: session.userId.toString(), sessionId: session.sessionId }, "refresh token reused: session revoked");
          throw unauthenticated("refresh token was already used: the session is revoked, log in again");
        }
        throw unauthenticated(INVALID_REFRESH);
      }
      const secret = newSecret();
      if (!(await ctx.store.rotateSession(session, hashSecret(secret)))) {
        // It matched a moment ago, so another request rotated it first: the
        // same token was presented twice.
        await ctx.store.revokeSession(session.sessionId);
        ctx.logger.warn({ userId: session.userId.toString(), sessionId: session.sessionId }, "refresh token raced: session revoked");
        throw unauthenticated("refresh token was already used: the session is revoked, log in again");
      }
      const next = { ...session, refreshHash: hashSecret(secret), generation: session.generation + 1 };
      return { session: await sessionMessage(ctx, next, secret) };
    },

    async logout(req) {
      const { session, hash } = await liveSession(ctx, req.refreshToken);
      // Any token of the family may end it, a rotated one too; idempotent.
      if (hash !== session.refreshHash && !(await ctx.store.isRetiredHash(session.sessionId, hash))) {
        throw unauthenticated(INVALID_REFRESH);
      }
      await ctx.store.revokeSession(session.sessionId);
      return {};
    },
  };
}
