import test from "ava";
import { DomainError } from "../kit/errors.js";
import { formatRefreshToken, hashSecret, newSecret, newSessionId, parseRefreshToken } from "./refresh-token.js";

test("a refresh token round-trips and its secret hashes stably", (t) => {
  const tok = { sessionId: newSessionId(), secret: newSecret() };
  t.deepEqual(parseRefreshToken(formatRefreshToken(tok)), tok);
  t.is(hashSecret(tok.secret), hashSecret(tok.secret));
  t.not(hashSecret(tok.secret), hashSecret(newSecret()));
});

test("garbage is UNAUTHENTICATED, not a crash", (t) => {
  for (const bad of ["", "abc", "a.b", `${newSessionId()}.${newSecret()}x`, `${newSessionId()}.${newSecret()}.x`]) {
    const err = t.throws(() => parseRefreshToken(bad));
    t.true(err instanceof DomainError && err.kind === "unauthenticated", bad);
  }
});
