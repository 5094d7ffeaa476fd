// Refresh tokens: "<session_id>.<secret>", both random base64url. Only
// sha256(secret) is stored, so a leaked sessions table cannot be replayed.
// The secret has 256 bits of entropy, so an unsalted fast hash is enough.
import { createHash, randomBytes } from "node:crypto";
import { unauthenticated } from "../kit/errors.js";

export interface RefreshToken {
  sessionId: string;
  secret: string;
}

export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function formatRefreshToken(t: RefreshToken): string {
  return `${t.sessionId}.${t.secret}`;
}

export function parseRefreshToken(token: string): RefreshToken {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
  if (!m) throw unauthenticated("refresh token is not valid");
  return { sessionId: m[1]!, secret: m[2]! };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
