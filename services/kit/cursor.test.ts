import test from "ava";
import { DomainError } from "./errors.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

test("a cursor round-trips its id and is opaque", (t) => {
  const id = 9_223_372_036_854_775_807n;
  const c = encodeCursor("user-tweets", id);
  t.regex(c, /^[A-Za-z0-9_-]+$/);
  t.false(c.includes(id.toString()));
  t.is(decodeCursor("user-tweets", c), id);
  t.is(decodeCursor("replies", ""), undefined);
});

test("a cursor from another list, a forged or an out-of-range one is refused", (t) => {
  const bad = [
    encodeCursor("replies", 5n),
    "not a cursor!",
    Buffer.from("ut1:0").toString("base64url"),
    Buffer.from("ut1:-5").toString("base64url"),
    Buffer.from("ut1:9223372036854775808").toString("base64url"),
    Buffer.from("ut1:12 ").toString("base64url"),
  ];
  for (const c of bad) {
    const err = t.throws(() => decodeCursor("user-tweets", c), { instanceOf: DomainError });
    t.is(err?.kind, "invalid_argument");
    t.regex(err?.message ?? "", /^cursor: /);
  }
});
