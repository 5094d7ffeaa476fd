import test from "ava";
import { DomainError } from "../kit/errors.js";
import { decodeTweetCursor, decodeUserCursor, encodeTweetCursor, encodeUserCursor } from "./cursor.js";

const refused = (t: import("ava").ExecutionContext, f: () => unknown) => {
  const err = t.throws(f, { instanceOf: DomainError });
  t.is(err?.kind, "invalid_argument");
  t.regex(err?.message ?? "", /^cursor: is not a cursor returned by this search/);
};

test("a tweet cursor round-trips for its own query only", (t) => {
  const c = encodeTweetCursor("q1", 123456789n);
  t.is(decodeTweetCursor("q1", c), 123456789n);
  t.is(decodeTweetCursor("q1", ""), undefined);
  refused(t, () => decodeTweetCursor("q2", c));
  refused(t, () => decodeTweetCursor("q1", "garbage!"));
  refused(t, () => decodeTweetCursor("q1", Buffer.from("st1:abcdefghijkl:99999999999999999999").toString("base64url")));
  refused(t, () => decodeTweetCursor("q1", encodeUserCursor("q1", { tier: 0, followers: 1n, userId: 2n })));
});

test("a people cursor keeps the place in the ranking, for its own words only", (t) => {
  const place = { tier: 2, followers: 40n, userId: 77n };
  const c = encodeUserCursor("ann", place);
  t.deepEqual(decodeUserCursor("ann", c), place);
  refused(t, () => decodeUserCursor("bob", c));
  refused(t, () => decodeUserCursor("ann", encodeTweetCursor("ann", 5n)));
});
