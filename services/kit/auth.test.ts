import test from "ava";
import { Code } from "@connectrpc/connect";
import { base64url, SignJWT, importPKCS8 } from "jose";
import { createHmac } from "node:crypto";
import { bearerToken, TokenSigner, TokenVerifier } from "./auth.js";
import { DomainError } from "./errors.js";
import { generateKeyPairPem } from "./keys.js";

const settings = { issuer: "chirp-test", audience: "chirp-api" };
const keys = await generateKeyPairPem();
const otherKeys = await generateKeyPairPem();
const verifier = await TokenVerifier.fromPem(keys.publicKeyPem, settings);
const signer = await TokenSigner.fromPem(keys.privateKeyPem, { ...settings, ttlSeconds: 900 });
const caller = { userId: 1234567890123n, sessionId: "s1" };

async function rejected(t: import("ava").ExecutionContext, token: string, message: RegExp) {
  const err = await t.throwsAsync(verifier.verify(token), { instanceOf: DomainError });
  t.is(err.kind, "unauthenticated");
  t.regex(err.message, message);
}

test("a valid token yields the caller", async (t) => {
  const { token, expiresAt } = await signer.sign(caller);
  t.deepEqual(await verifier.verify(token), caller);
  t.true(expiresAt.getTime() > Date.now() + 800_000);
});

test("a verified token is remembered until it expires, and only that exact token", async (t) => {
  const local = await TokenVerifier.fromPem(keys.publicKeyPem, settings);
  // Expires 2-3 s from now (exp counts whole seconds): late enough for the
  // first checks on a loaded machine, soon enough to wait for.
  const { token, expiresAt } = await signer.sign(caller, Date.now() - 897_000);
  t.deepEqual(await local.verify(token), caller);
  t.deepEqual(await local.verify(token), caller);
  // One byte changed in the signature is a different token: checked afresh.
  const [h, p, sig] = token.split(".") as [string, string, string];
  const flipped = `${h}.${p}.${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
  const forged = await t.throwsAsync(local.verify(flipped), { instanceOf: DomainError });
  t.regex(forged.message, /not valid/);
  await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
  const expired = await t.throwsAsync(local.verify(token), { instanceOf: DomainError });
  t.regex(expired.message, /expired/);
});

test("an expired token is refused", async (t) => {
  const { token } = await signer.sign(caller, Date.now() - 3_600_000);
  await rejected(t, token, /expired/);
});

test("a token for another audience or issuer is refused", async (t) => {
  const other = await TokenSigner.fromPem(keys.privateKeyPem, { issuer: "chirp-test", audience: "admin", ttlSeconds: 60 });
  await rejected(t, (await other.sign(caller)).token, /aud claim/);
  const foreign = await TokenSigner.fromPem(keys.privateKeyPem, { issuer: "evil", audience: "chirp-api", ttlSeconds: 60 });
  await rejected(t, (await foreign.sign(caller)).token, /iss claim/);
});

test("a token signed with another key is refused", async (t) => {
  const forger = await TokenSigner.fromPem(otherKeys.privateKeyPem, { ...settings, ttlSeconds: 60 });
  await rejected(t, (await forger.sign(caller)).token, /not valid/);
});

test("alg none is refused", async (t) => {
  const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
  const exp = Math.floor(Date.now() / 1000) + 600;
  const payload = base64url.encode(
    JSON.stringify({ sub: "1", sid: "x", iss: settings.issuer, aud: settings.audience, exp }),
  );
  await rejected(t, `${header}.${payload}.`, /not valid/);
});

test("HS256 signed with the public key (algorithm confusion) is refused", async (t) => {
  const header = base64url.encode(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const exp = Math.floor(Date.now() / 1000) + 600;
  const payload = base64url.encode(JSON.stringify({ sub: "1", sid: "x", iss: settings.issuer, aud: settings.audience, exp }));
  const sig = createHmac("sha256", keys.publicKeyPem).update(`${header}.${payload}`).digest("base64url");
  await rejected(t, `${header}.${payload}.${sig}`, /not valid/);
});

test("a token without a numeric subject is refused", async (t) => {
  const key = await importPKCS8(keys.privateKeyPem, "EdDSA");
  const token = await new SignJWT({ sid: "s" })
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject("admin")
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setExpirationTime("5m")
    .sign(key);
  await rejected(t, token, /malformed/);
});

test("garbage is refused", async (t) => {
  await rejected(t, "not-a-jwt", /not valid/);
});

test("Authorization header parsing", (t) => {
  t.is(bearerToken(null), undefined);
  t.is(bearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  t.is(bearerToken("bearer abc"), "abc");
  const err = t.throws(() => bearerToken("Basic dXNlcjpwYXNz"), { instanceOf: DomainError });
  t.is(err.kind, "unauthenticated");
  t.is(Code.Unauthenticated, 16);
});
