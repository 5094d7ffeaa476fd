import test from "ava";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./passwords.js";

test("argon2id hash with OWASP parameters verifies only the right password", async (t) => {
  const h = await hashPassword("correct horse");
  t.regex(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  t.true(await verifyPassword(h, "correct horse"));
  t.false(await verifyPassword(h, "correct horsE"));
  t.false(await verifyPassword("not a hash", "correct horse"));
});

test("an unknown account costs about as much as a wrong password", async (t) => {
  const h = await hashPassword("secret-pass");
  await verifyAgainstDummy("warm-up"); // builds the dummy hash once
  const time = async (fn: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) await fn();
    return Number(process.hrtime.bigint() - start) / 5e6;
  };
  const wrong = await time(() => verifyPassword(h, "nope-nope"));
  const missing = await time(() => verifyAgainstDummy("nope-nope"));
  t.false(await verifyAgainstDummy("secret-pass"));
  // Both are one argon2id verification; allow generous noise on a busy machine.
  t.true(missing > wrong / 3 && missing < wrong * 3, `wrong=${wrong.toFixed(1)}ms missing=${missing.toFixed(1)}ms`);
});
