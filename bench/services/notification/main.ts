// Notification benchmark: ListNotifications(20) and GetUnreadCount under an
// h2load open loop at --rate requests/s (one h2load process per reader, each
// with that reader's token), against the issue's targets: list p99 <= 20 ms,
// unread count p99 <= 5 ms at 500 requests/s. The user, tweet and
// notification services run in this process, in cluster mode by default
// (Cassandra, NATS JetStream, the local Redis Cluster), calling each other
// over gRPC as one process per target does.
//
// Shortcut in the set-up, stated so the figures can be judged: the readers'
// notifications (--per-reader of them, likes, retweets and follows grouped
// over the last --days, and mentions) are written to the notification store
// directly, as the consumer writes them, not made by events. Accounts and
// tweets are real (registered and posted through the services), so reads
// hydrate them through the hydration cache as in production.
//
// In the same run, each loop is sent first to a bare node:http2 server (a
// process of its own) answering the same bytes the service answered a real
// reader: the floor this machine and this load generator set for the p99.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetUnreadCountRequestSchema,
  GetUnreadCountResponseSchema,
  ListNotificationsRequestSchema,
  ListNotificationsResponseSchema,
  NotificationService,
} from "../../../gen/chirp/notification/v1/notification_pb.js";
import { groupKey, notificationId, sourceKeys } from "../../../services/notification/grouping.js";
import type { NotificationType } from "../../../services/notification/store/port.js";
import type { StartedNotification } from "../../../services/notification/target.js";
import { envelope } from "../../../services/kit/grpc-wire.js";
import { startChirp, type Chirp } from "../../../services/testing/chirp.js";
import { benchArgs } from "../../args.js";
import { startBareGrpc } from "../../baselines/bare-grpc.js";
import { h2loadGrpc } from "../../h2load-grpc.js";
import { h2loadOpenLoop } from "../../h2load.js";
import { calibrationLine, commitId, openingLine, progressLog, settle } from "../../machine.js";
import { Rng } from "../../rng.js";
import { machine } from "../user/kit.js";

const USAGE = `node --import tsx bench/services/notification/main.ts [--mode=cluster|embedded]
  [--readers=20] [--actors=40] [--per-reader=2000] [--days=20] [--rate=500] [--seconds=20]
`;
const args = benchArgs(USAGE, { mode: "cluster", readers: "20", actors: "40", "per-reader": "2000", days: "20", rate: "500", seconds: "20" });
const MODE = args.mode();
const READERS = args.num("readers");
const ACTORS = args.num("actors");
const PER_READER = args.num("per-reader");
const DAYS = args.num("days");
const RATE = args.num("rate");
const SECONDS = args.num("seconds");
const TARGETS = { list: 20, unread: 5 };
/** The bare baseline server's port. */
const BARE_PORT = 18159;

const progress = progressLog();
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

async function seed(s: Chirp): Promise<string[]> {
  const { ctx } = s.targets.started.get("notification") as StartedNotification;
  progress(`registering ${READERS} readers and ${ACTORS} actors`);
  const readers = await Promise.all(Array.from({ length: READERS }, () => s.register()));
  const actors = await Promise.all(Array.from({ length: ACTORS }, () => s.register()));
  progress("posting the readers' tweets and the actors' mentions");
  const tweets = new Map(await Promise.all(readers.map(async (r) => [r, await Promise.all([1, 2, 3, 4, 5].map((i) => s.post(r, `bench tweet ${i}`)))] as const)));
  const mentions = await Promise.all(actors.map((a) => s.post(a, "bench mention")));
  const rng = new Rng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const now = Date.now();
  const window = ctx.config.groupWindowMs;
  progress(`writing ${READERS * PER_READER} notifications to the store`);
  await Promise.all(
    readers.map(async (reader) => {
      for (let i = 0; i < PER_READER; i++) {
        const at = now - Math.floor(rng.next() * DAYS * 86_400_000);
        const actor = pick(actors);
        const r = rng.next();
        const type: NotificationType = r < 0.5 ? "like" : r < 0.7 ? "retweet" : r < 0.85 ? "follow" : "mention";
        const tweetId = type === "follow" ? 0n : type === "mention" ? pick(mentions) : pick(tweets.get(reader)!);
        // Distinct sources, so every write is a notification (a like per actor, tweet and window).
        const sourceKey =
          type === "follow"
            ? `${sourceKeys.follow(actor)}:${i}`
            : type === "mention"
              ? `${sourceKeys.mention(tweetId)}:${i}`
              : `${type}:${tweetId}:${actor}:${Math.floor(at / window)}:${i}`;
        const id = notificationId(at, reader, sourceKey);
        await ctx.store.add(reader, { id, type, sourceKey, groupKey: groupKey(type, tweetId, at, id, window), actorId: actor, tweetId, at });
      }
    }),
  );
  const tokens: string[] = [];
  for (const reader of readers) {
    const as = await s.as(reader);
    const page = await s.clients.notification.listNotifications({ limit: 20 }, as);
    if (page.groups.length < 20) throw new Error(`reader ${reader} has ${page.groups.length} groups on the first page: the set-up went wrong`);
    tokens.push((as.headers as Record<string, string>).authorization!);
  }
  return tokens;
}

/** The bare server's loop, then the service's, on the same bytes. */
async function loop(s: Chirp, tokens: string[], what: "list" | "unread"): Promise<string[]> {
  const method = what === "list" ? NotificationService.method.listNotifications : NotificationService.method.getUnreadCount;
  const request =
    what === "list"
      ? toBinary(ListNotificationsRequestSchema, create(ListNotificationsRequestSchema, { limit: 20 }))
      : toBinary(GetUnreadCountRequestSchema, create(GetUnreadCountRequestSchema, {}));
  const as = { headers: { authorization: tokens[0]! } };
  const answer =
    what === "list"
      ? toBinary(ListNotificationsResponseSchema, await s.clients.notification.listNotifications({ limit: 20 }, as))
      : toBinary(GetUnreadCountResponseSchema, await s.clients.notification.getUnreadCount({}, as));
  const name = what === "list" ? "ListNotifications(20)" : "GetUnreadCount       ";
  const path = `/${method.parent.typeName}/${method.name}`;
  progress(`${what}: bare node:http2 server, ${answer.length} bytes, ${RATE}/s for ${SECONDS} s`);
  const bare = await startBareGrpc({ repoRoot: process.cwd(), port: BARE_PORT, answer, dir: mkdtempSync(join(tmpdir(), "chirp-bare-")) });
  let b;
  try {
    b = await h2loadOpenLoop({
      url: bare.url,
      path,
      body: envelope(request),
      headers: { "content-type": "application/grpc", te: "trailers" },
      clients: tokens.map((authorization) => ({ authorization })),
      rate: RATE,
      seconds: SECONDS,
      warmupS: 1,
    });
  } finally {
    await bare.stop();
  }
  progress(`${what}: ${RATE}/s for ${SECONDS} s`);
  const r = await h2loadGrpc({ registry: s.rt.metrics.registry, url: s.urls.notification!, method, request, authorizations: tokens, rate: RATE, seconds: SECONDS, warmupS: 1 });
  const target = TARGETS[what];
  const verdict = r.errors === 0 && r.latency.p99 <= target ? "PASS" : "FAIL";
  return [
    `${name} at ${RATE}/s, bare node:http2 (same ${answer.length} bytes): ${b.rate.toFixed(0)}/s answered, p50 ${ms(b.latency.p50)}  p99 ${ms(b.latency.p99)}  max ${ms(b.latency.max)}  errors ${b.unsuccessful}`,
    `${name} at ${RATE}/s: ${r.rate.toFixed(0)}/s answered, p50 ${ms(r.latency.p50)}  p99 ${ms(r.latency.p99)}  max ${ms(r.latency.max)}  errors ${r.errors}${r.errorText ? ` (${r.errorText})` : ""}  -> ${verdict} (p99 <= ${target} ms)`,
  ];
}

const atStart = calibrationLine();
const commit = commitId();
progress(openingLine(MODE, atStart));
const s = await startChirp({
  mode: MODE,
  label: "notif_bench",
  targets: ["user", "graph", "tweet", "timeline", "notification"],
  // The services call each other over gRPC, as one process per target does; no admission limit on the measured one.
  env: { CHIRP_INPROCESS_CALLS: "false" },
});
const lines: string[] = [];
try {
  const tokens = await seed(s);
  // Cassandra compacts what the set-up wrote for a while; the reads are measured after.
  progress(`waiting for the machine to settle`);
  lines.push(`before the loops: ${await settle()}`);
  lines.push(...(await loop(s, tokens, "list")));
  lines.push(...(await loop(s, tokens, "unread")));
} finally {
  progress("cleaning up");
  await s.stop();
}
process.stdout.write(
  [
    "",
    `== notification bench (${MODE} mode): ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine()} ==`,
    `${READERS} readers × ${PER_READER} notifications over ${DAYS} days from ${ACTORS} actors; one h2load process per reader`,
    `at start: ${atStart}`,
    `at end: ${calibrationLine()}`,
    ...lines,
    "",
  ].join("\n"),
);
