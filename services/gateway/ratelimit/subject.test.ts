import test from "ava";
import { TokenSigner, TokenVerifier } from "../../kit/auth.js";
import { generateKeyPairPem } from "../../kit/keys.js";
import { TokenSubjects } from "./subject.js";

const settings = { issuer: "chirp", audience: "chirp-api" };
const keys = await generateKeyPairPem();
const signer = await TokenSigner.fromPem(keys.privateKeyPem, { ...settings, ttlSeconds: 600 });
const verifier = await TokenVerifier.fromPem(keys.publicKeyPem, settings);

test("the verified subject of a bearer token; nothing for none, garbage or a forged one", async (t) => {
  const subjects = new TokenSubjects(verifier);
  const { token } = await signer.sign({ userId: 42n, sessionId: "s" });
  t.is(await subjects.of(`Bearer ${token}`), 42n);
  t.is(await subjects.of(undefined), undefined);
  t.is(await subjects.of("Basic dXNlcjpwYXNz"), undefined);
  t.is(await subjects.of("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9."), undefined);
});

test("answers are remembered for the TTL, then verified again", async (t) => {
  let now = 0;
  let calls = 0;
  const counting = { verify: async (tok: string) => (calls++, verifier.verify(tok)) } as unknown as TokenVerifier;
  const subjects = new TokenSubjects(counting, 1000, 10, () => now);
  const { token } = await signer.sign({ userId: 7n, sessionId: "s" });
  await subjects.of(`Bearer ${token}`);
  await subjects.of(`Bearer ${token}`);
  t.is(calls, 1);
  now = 1001;
  t.is(await subjects.of(`Bearer ${token}`), 7n);
  t.is(calls, 2);
});
