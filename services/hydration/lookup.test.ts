// Read-through when things go wrong: a cache that cannot be read, and an
// owning service that does not answer.
import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { pino } from "pino";
import { UserSchema, UserService, type User } from "../../gen/chirp/user/v1/user_pb.js";
import { DomainError } from "../kit/errors.js";
import { createUnaryGrpcTransport } from "../kit/grpc-unary-client.js";
import { createMetrics } from "../kit/metrics.js";
import { implement } from "../kit/unary-call.js";
import { snowflakeFloor } from "../kit/snowflake.js";
import { hydrationCaches } from "../testing/hydration-caches.js";
import { freePorts } from "../testing/ports.js";
import { serveForTest } from "../testing/serve-for-test.js";
import { cachedLookup, lookupMetrics, primeCreated } from "./lookup.js";
import { MemoryHydrationCache } from "./memory.js";
import type { HydrationCache } from "./port.js";
import { RedisHydrationCache } from "./redis.js";

const logger = pino({ level: "silent" });
const user = (userId: bigint, displayName = "Ann"): User => create(UserSchema, { userId, username: `u${userId}`, displayName });

function lookup(cache: HydrationCache, load: (ids: bigint[], timeoutMs: number) => Promise<Map<bigint, User>>, timeoutMs = 2000) {
  const metrics = lookupMetrics(createMetrics({ defaultMetrics: false }).registry);
  return { metrics, get: cachedLookup({ cache, kind: "user", schema: UserSchema, load, timeoutMs, logger, metrics }) };
}

const count = async (m: ReturnType<typeof lookupMetrics>, result: string) =>
  (await m.requests.get()).values.filter((v) => v.labels.result === result).reduce((a, v) => a + v.value, 0);

test("hits come from the cache, misses from the owner in one call, and are written back", async (t) => {
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000 });
  const calls: bigint[][] = [];
  const { get, metrics } = lookup(cache, async (ids) => (calls.push(ids), new Map(ids.filter((id) => id !== 9n).map((id) => [id, user(id)]))));
  const first = await get([1n, 2n, 9n, 1n]);
  t.deepEqual([...first.keys()].sort(), [1n, 2n]);
  t.deepEqual(calls, [[1n, 2n, 9n]], "one call for the missing ids, each once");
  await new Promise((r) => setImmediate(r)); // the write-back runs behind the answer
  const second = await get([1n, 2n]);
  t.is(second.get(2n)?.displayName, "Ann");
  t.is(calls.length, 1, "every entry present: the owner is not called");
  t.is(await count(metrics, "hit"), 2);
  t.is(await count(metrics, "miss"), 3);
});

test("readers missing one entry at once share its read-through; a reader after the entry changed does not", async (t) => {
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000 });
  const calls: bigint[][] = [];
  let name = "Before";
  const releases: Array<() => void> = [];
  const { get } = lookup(cache, async (ids) => {
    calls.push(ids);
    const answer = new Map(ids.map((id) => [id, user(id, name)]));
    await new Promise<void>((r) => releases.push(r));
    return answer;
  });
  const first = get([1n, 2n]);
  const second = get([1n]);
  await new Promise((r) => setImmediate(r));
  t.deepEqual(calls, [[1n, 2n]], "the second reader waits for the first one's call");
  // The entry changes while that call is out: a later reader must not get the older value.
  await cache.invalidate("user", [1n]);
  name = "After";
  const third = get([1n]);
  await new Promise((r) => setImmediate(r));
  t.deepEqual(calls, [[1n, 2n], [1n]]);
  for (const release of releases) release();
  t.is((await first).get(1n)?.displayName, "Before");
  t.is((await second).get(1n)?.displayName, "Before");
  t.is((await third).get(1n)?.displayName, "After");
});

test("a shared read-through that fails fails every reader waiting on it, and the next reader calls again", async (t) => {
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000 });
  let calls = 0;
  const { get } = lookup(cache, async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 20));
    throw new Error("owner broke");
  });
  const results = await Promise.allSettled([get([3n]), get([3n])]);
  t.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  t.is(calls, 1);
  await t.throwsAsync(get([3n]));
  t.is(calls, 2);
});

test("a Redis that does not answer: reads go to the owner, slower but correct", async (t) => {
  const [port] = await freePorts(1);
  const dead = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  const cache = new RedisHydrationCache(dead, { prefix: "t_dead:", ttlMs: 60_000, markerTtlMs: 60_000 });
  t.teardown(() => dead.disconnect());
  const { get, metrics } = lookup(cache, async (ids) => new Map(ids.map((id) => [id, user(id, "From the owner")])));
  const got = await get([5n, 6n]);
  t.is(got.get(5n)?.displayName, "From the owner");
  t.is(got.size, 2);
  t.is(await count(metrics, "error"), 2);
});

test("an owner that does not answer: UNAVAILABLE within the read-through deadline, not a hang", async (t) => {
  const server = await serveForTest({
    name: "silent-user",
    implementations: [implement(UserService, { batchGetUsers: () => new Promise(() => {}) })],
  });
  t.teardown(() => server.close(0));
  const client = createClient(UserService, createUnaryGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000 });
  const { get } = lookup(
    cache,
    async (userIds, timeoutMs) => new Map((await client.batchGetUsers({ userIds }, { timeoutMs })).users.map((u) => [u.userId, u])),
    300,
  );
  const started = Date.now();
  const err = await t.throwsAsync(get([1n]));
  t.true(err instanceof DomainError && err.kind === "unavailable", String(err));
  t.regex(err!.message, /user service did not answer in time; retry/);
  t.true(Date.now() - started < 2000, `${Date.now() - started} ms`);
  t.false(err instanceof ConnectError);
});

// primeCreated(): a created entry written as its event carries it, never over a change.
const primeCaches = hydrationCaches("prime");

for (const [name, open] of primeCaches) {
  test(`${name}: primeCreated writes a young created entry, so its first reader does not call the owner; never over an invalidation, a value or an old id`, async (t) => {
    const cache = await open();
    t.teardown(() => cache.close());
    const calls: bigint[][] = [];
    const { get } = lookup(cache, async (ids) => (calls.push(ids), new Map(ids.map((id) => [id, user(id, "From the owner")]))));
    const young = snowflakeFloor(Date.now());
    const [created, changed, present, old] = [young + 1n, young + 2n, young + 3n, snowflakeFloor(Date.now() - 60_000)];
    await cache.invalidate("user", [changed]); // e.g. a like that overtook the created event
    await cache.fill("user", [[present, toBinary(UserSchema, user(present, "Filled first")), 0]]);
    await primeCreated(cache, "user", UserSchema, [created, changed, present, old].map((id) => [id, user(id, "From the event")] as const), 30_000);

    const got = await get([created, changed, present, old]);
    t.is(got.get(created)?.displayName, "From the event");
    t.is(got.get(changed)?.displayName, "From the owner", "an entry changed since its creation is read through");
    t.is(got.get(present)?.displayName, "Filled first", "an entry present stays");
    t.is(got.get(old)?.displayName, "From the owner", "an id older than the window is not written");
    t.deepEqual(calls, [[changed, old]]);
  });
}
