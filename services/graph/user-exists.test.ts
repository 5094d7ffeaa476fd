import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { pino } from "pino";
import { DomainError } from "../kit/errors.js";
import { cachedUserExists } from "./user-exists.js";

const logger = pino({ level: "silent" });

test("a yes is cached, a no is asked again, concurrent asks share a call", async (t) => {
  const calls: bigint[] = [];
  const registered = new Set([1n]);
  const exists = cachedUserExists(async (id) => {
    calls.push(id);
    await new Promise((r) => setTimeout(r, 5));
    if (!registered.has(id)) throw new ConnectError("no", Code.NotFound);
  }, logger);
  t.deepEqual(await Promise.all([exists(1n), exists(1n), exists(1n)]), [true, true, true]);
  t.true(await exists(1n));
  t.false(await exists(2n));
  registered.add(2n);
  t.true(await exists(2n));
  t.deepEqual(calls, [1n, 2n, 2n]);
});

test("an unreachable user service is UNAVAILABLE, not 'does not exist'", async (t) => {
  const exists = cachedUserExists(async () => {
    throw new ConnectError("connect ECONNREFUSED", Code.Unavailable);
  }, logger);
  const err = await t.throwsAsync(exists(5n));
  t.true(err instanceof DomainError && err.kind === "unavailable");
});

test("the cache stays within its capacity", async (t) => {
  const calls: bigint[] = [];
  const exists = cachedUserExists(async (id) => void calls.push(id), logger, 2);
  for (const id of [1n, 2n, 3n, 1n]) await exists(id);
  t.deepEqual(calls, [1n, 2n, 3n, 1n], "1 was dropped when 3 came in");
});
