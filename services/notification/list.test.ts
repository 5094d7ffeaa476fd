// A page of groups shows a group met twice once, at its newest head (while
// two changes to one group land, Cassandra may hold an older head for a moment).
import test from "ava";
import { create } from "@bufbuild/protobuf";
import { UserSchema } from "../../gen/chirp/user/v1/user_pb.js";
import { pino } from "pino";
import { testRuntime } from "../testing/runtime.js";
import type { NotificationContext } from "./context.js";
import { listGroups } from "./list.js";
import { CassandraNotificationStore } from "./store/cassandra.js";
import { monthOf } from "./store/months.js";
import { CONTRACT_RETENTION_MS } from "./store/contract.js";

test("cassandra: a stale head is skipped, the group listed once at its newest with its count", async (t) => {
  const { rt, cleanup } = await testRuntime("cluster", "notifstale");
  try {
    const c = rt.cassandra!;
    const store = new CassandraNotificationStore(c, CONTRACT_RETENTION_MS);
    const u = rt.ids.next();
    const actors = [rt.ids.next(), rt.ids.next()];
    const ns = actors.map((a) => ({ id: rt.ids.next(), type: "follow" as const, sourceKey: `follow:${a}`, groupKey: "follow-9", actorId: a, tweetId: 0n, at: Date.now() }));
    for (const n of ns) await store.add(u, n);
    // The older member's head, as a lost race leaves it.
    await c.execute("INSERT INTO notification_heads (user_id, month, notification_id, group_key, type, tweet_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
      u,
      monthOf(ns[0]!.id),
      ns[0]!.id,
      "follow-9",
      "follow",
      0n,
      new Date(ns[0]!.at),
    ]);
    t.is((await store.heads(u, { limit: 10 })).heads.length, 2);
    const ctx = {
      store,
      logger: pino({ level: "silent" }),
      statesVersion: async () => undefined,
      users: async (ids: readonly bigint[]) => new Map(ids.map((id) => [id, create(UserSchema, { userId: id, username: `u${id}` })])),
      hydration: { states: async () => new Map(), statesCached: false, tweets: async () => new Map(), users: async () => new Map() },
    } as unknown as NotificationContext;
    const page = await listGroups(ctx, u, { limit: 10 });
    t.deepEqual(
      page.groups.map((g) => [g.groupKey, g.count, g.latestNotificationId, g.sampleAccountIds]),
      [["follow-9", 2n, ns[1]!.id, [actors[1], actors[0]]]],
    );
    t.is(page.next, undefined);
  } finally {
    await cleanup();
  }
});
