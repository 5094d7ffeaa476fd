import test from "ava";
import { hashPassword, verifyAgainstDummy, dummyHash, verifyPassword } from "./passwords.js";

test("argon2id hash with OWASP parameters verifies only the right password", async (t) => {
  const h = await hashPassword("correct horse");
  t.regex(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  t.true(await verifyPassword(h, "correct horse"));
  t.false(await verifyPassword(h, "correct horsE"));
  t.false(await verifyPassword("not a hash", "correct horse"));
});

// Equal cost is a matter of equal work, not of a timing measurement (which
// flakes on a busy machine): the dummy is an argon2id hash with exactly the
// parameters of real ones, and it is really verified.
test("an unknown account does the same argon2id work as a wrong password", async (t) => {
  const params = (hash: string) => hash.split("$").slice(1, 4).join("$");
  const real = await hashPassword("secret-pass");
  const dummy = await dummyHash();
  t.is(params(dummy), params(real));
  t.regex(params(real), /^argon2id\$v=19\$m=19456,t=2,p=1$/);
  t.false(await verifyAgainstDummy("secret-pass"));
});
