import test from "ava";
import { DomainError } from "../kit/errors.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

test("round-trips ids, the largest included", (t) => {
  for (const id of [1n, 10n, 2n ** 53n + 1n, 2n ** 63n - 1n]) t.is(decodeCursor(encodeCursor(id)), id);
});

test("the empty cursor means the first page", (t) => {
  t.is(decodeCursor(""), undefined);
});

test("anything else is INVALID_ARGUMENT on the cursor field", (t) => {
  const forged = [
    "garbage!",
    Buffer.from("h1:0").toString("base64url"),
    Buffer.from("h1:-5").toString("base64url"),
    Buffer.from("h1:9223372036854775808").toString("base64url"),
    Buffer.from("h2:5").toString("base64url"),
    Buffer.from("5").toString("base64url"),
    `${encodeCursor(5n)}=`,
  ];
  for (const c of forged) {
    const err = t.throws(() => decodeCursor(c), { instanceOf: DomainError }, c);
    t.is(err?.kind, "invalid_argument");
    t.is(err?.field, "cursor");
  }
});
