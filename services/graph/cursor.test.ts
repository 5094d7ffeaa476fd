import test from "ava";
import { DomainError } from "../kit/errors.js";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.js";

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError && err.kind === "invalid_argument") return err.message;
    throw err;
  }
  return "accepted";
};

test("a cursor round-trips for its own list", (t) => {
  const c = encodeCursor("followers", 42n, 9_000_000_000_000_000_001n);
  t.regex(c, /^[A-Za-z0-9_-]+$/);
  t.is(decodeCursor(c, "followers", 42n), 9_000_000_000_000_000_001n);
  t.is(decodeCursor("", "followers", 42n), undefined);
});

test("garbage and foreign cursors are INVALID_ARGUMENT on the cursor field", (t) => {
  for (const bad of ["%%%", "bm90IGEgY3Vyc29y", Buffer.from("fr:42:0").toString("base64url"), Buffer.from("fr:42:99999999999999999999").toString("base64url"), "x".repeat(300)]) {
    t.is(reason(() => decodeCursor(bad, "followers", 42n)), "cursor: malformed", bad);
  }
  t.is(reason(() => decodeCursor(encodeCursor("following", 42n, 5n), "followers", 42n)), "cursor: belongs to another list");
  t.is(reason(() => decodeCursor(encodeCursor("followers", 43n, 5n), "followers", 42n)), "cursor: belongs to another list");
});

test("limit 0 means 20", (t) => {
  t.is(pageLimit(0), 20);
  t.is(pageLimit(100), 100);
  t.is(reason(() => pageLimit(101)), "limit: must be between 0 and 100");
});
