import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type ErrorKind, invalidArgument, toConnectError } from "./errors.js";

const expected: Array<[ErrorKind, Code]> = [
  ["invalid_argument", Code.InvalidArgument],
  ["not_found", Code.NotFound],
  ["already_exists", Code.AlreadyExists],
  ["unauthenticated", Code.Unauthenticated],
  ["permission_denied", Code.PermissionDenied],
  ["failed_precondition", Code.FailedPrecondition],
  ["resource_exhausted", Code.ResourceExhausted],
  ["unavailable", Code.Unavailable],
  ["deadline_exceeded", Code.DeadlineExceeded],
  ["aborted", Code.Aborted],
];

for (const [kind, code] of expected) {
  test(`domain error ${kind} maps to ${Code[code]}`, (t) => {
    const { error } = toConnectError(new DomainError(kind, "what went wrong"));
    t.is(error.code, code);
    t.is(error.rawMessage, "what went wrong");
  });
}

test("invalid argument names the field", (t) => {
  const { error, internal } = toConnectError(invalidArgument("content", "must be at most 280 characters"));
  t.is(error.rawMessage, "content: must be at most 280 characters");
  t.false(internal);
});

test("an unexpected error becomes INTERNAL without leaking its message", (t) => {
  const { error, internal } = toConnectError(new TypeError("Cannot read properties of undefined (reading 'x') at /srv/app.js:12"));
  t.is(error.code, Code.Internal);
  t.is(error.rawMessage, "internal error");
  t.true(internal);
  t.is(toConnectError("a thrown string").error.code, Code.Internal);
});

test("UNKNOWN never reaches a client", (t) => {
  const { error } = toConnectError(new ConnectError("secret detail", Code.Unknown));
  t.is(error.code, Code.Internal);
  t.false(error.rawMessage.includes("secret"));
});

test("connection failures to a backend become UNAVAILABLE", (t) => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9042"), { code: "ECONNREFUSED" });
  const { error } = toConnectError(refused);
  t.is(error.code, Code.Unavailable);
  t.false(error.rawMessage.includes("127.0.0.1"));
});

test("a downstream service's error keeps its code and message", (t) => {
  const { error } = toConnectError(new ConnectError("user 5 not found", Code.NotFound));
  t.is(error.code, Code.NotFound);
  t.is(error.rawMessage, "user 5 not found");
});
