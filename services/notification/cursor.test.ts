import test from "ava";
import { DomainError } from "../kit/errors.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

test("a cursor round-trips; empty is the first page", (t) => {
  t.is(decodeCursor(encodeCursor(123456789012345n)), 123456789012345n);
  t.is(decodeCursor(""), undefined);
});

test("anything else is INVALID_ARGUMENT on the cursor field", (t) => {
  for (const bad of ["x", encodeCursor(1n) + "A", Buffer.from("h1:5").toString("base64url"), Buffer.from("n1:99999999999999999999").toString("base64url")]) {
    t.throws(() => decodeCursor(bad), { instanceOf: DomainError, message: /cursor/ }, bad);
  }
});
