// The original design's metrics, on a real system: every target in one
// process in cluster mode (Cassandra, NATS JetStream, a Redis Cluster), one
// follow, one post and one home read, then the process's /metrics (the
// gateway's) shows tweet creation, timeline load time, cache lookups,
// Cassandra latency by statement and its pool against the driver's limit,
// Redis memory against maxmemory, JetStream consumer lag and fan-out delay:
// the names the chart's dashboard and alerts use (charts/chirp/chart.test.ts).
import test from "ava";
import { startChirp } from "../testing/chirp.js";
import { eventually } from "../testing/eventually.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

test("cluster mode: /metrics shows the design's metrics after a follow, a post and a home read", async (t) => {
  const chirp = await startChirp({ mode: "cluster", label: "dmetrics" });
  t.teardown(() => chirp.stop());
  const alice = await chirp.register();
  const bob = await chirp.register();
  await chirp.follow(bob, alice);
  const res = await fetch(`${chirp.base}/api/v1/tweets`, {
    method: "POST",
    headers: { ...(await chirp.as(alice)).headers, "content-type": "application/json" },
    body: JSON.stringify({ content: "measured" }),
  });
  t.is(res.status, 200);
  const tweetId = BigInt(((await res.json()) as { tweet: { tweet_id: string } }).tweet.tweet_id);
  t.true(await eventually(async () => (await chirp.homeIds(bob)).includes(tweetId)));
  const home = await fetch(`${chirp.base}/api/v1/timeline/home`, { headers: (await chirp.as(bob)).headers });
  t.is(home.status, 200);

  const samples = parse(await (await fetch(`${chirp.base}/metrics`)).text());
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const value = (name: string, labels: Record<string, string> = {}) => find(name, labels).reduce((n, s) => n + s.value, 0);

  t.true(value("chirp_tweets_created_total", { kind: "tweet" }) >= 1, "tweet creation");
  t.true(value("chirp_timeline_load_seconds_count", { kind: "home" }) >= 2, "home timeline loads");
  t.true(find("chirp_hydration_cache_requests_total").length > 0, "hydration cache lookups");
  t.true(value("chirp_fanout_delay_seconds_count", { audience: "followers" }) >= 1, "fan-out delay into followers' timelines");
  t.true(value("chirp_fanout_delay_seconds_count", { audience: "author" }) >= 1, "and into the author's own");

  const statements = new Set(find("chirp_cassandra_query_duration_seconds_count").map((s) => s.labels.statement));
  t.true(statements.has("select tweets_by_id"), [...statements].join(", "));
  t.true([...statements].some((s) => /^insert \w+/.test(s!)), [...statements].join(", "));
  t.true([...statements].every((s) => /^(select|insert|update|delete|batch) [a-z_ ]+$|^[a-z]+$/.test(s!)), "statement labels hold no values");
  const limits = find("chirp_cassandra_max_requests_per_connection");
  t.true(limits.length > 0 && limits.every((s) => s.value === 2048), "the driver's limit per connection (protocol v4+: 2048)");
  t.true(find("chirp_cassandra_inflight_requests_per_connection").length > 0);

  const used = find("chirp_redis_memory_used_bytes");
  t.is(used.length, 3, "each master of the Redis Cluster");
  t.true(used.every((s) => s.value > 0));
  t.is(find("chirp_redis_memory_max_bytes").length, 3);

  const lag = find("chirp_bus_consumer_pending_messages", { durable: "timeline-fanout-tweets", subject: "tweet.created" });
  t.is(lag.length, 1, "JetStream consumer lag per durable and subject");
  t.is(lag[0]!.value, 0, "caught up");
  t.is(find("chirp_bus_consumer_redelivered_messages", { durable: "timeline-fanout-batches" }).length, 1);
});
