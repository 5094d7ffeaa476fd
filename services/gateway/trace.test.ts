// One POST /api/v1/tweets is one trace across the mesh: the gateway's
// request, the tweet service's CreateTweet, the tweet.created event published
// and consumed, the fan-out worker's work, the fanout.batch job it publishes
// and its timeline writes. Spans go to an in-memory exporter; the test prints
// the tree (the README shows it). Three ways: the all-in-one calling in memory
// (the context rides in the async context), the same over loopback gRPC
// (traceparent in gRPC metadata), and cluster mode (NATS headers, Redis,
// Cassandra).
import test from "ava";
import { randomBytes } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { tracingWith } from "../kit/tracing.js";
import { startChirp } from "../testing/chirp.js";
import { eventually } from "../testing/eventually.js";

const exporter = new InMemorySpanExporter();
const tracing = tracingWith({ processor: new SimpleSpanProcessor({ exporter }) });

/** The spans of one trace as an indented tree, children in start order. */
function tree(spans: ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), s]);
  }
  const ms = (s: ReadableSpan) => s.duration[0] * 1e3 + s.duration[1] / 1e6;
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const kids = (children.get(parent) ?? []).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    for (const s of kids) {
      const group = s.attributes["messaging.consumer.group.name"];
      lines.push(`${"  ".repeat(depth)}${s.name}${group ? ` (${group})` : ""} [${SpanKind[s.kind].toLowerCase()}] ${ms(s).toFixed(1)} ms`);
      walk(s.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}

const VARIANTS = [
  { name: "in memory", mode: "embedded", env: {} },
  { name: "over gRPC", mode: "embedded", env: { CHIRP_INPROCESS_CALLS: "false" } },
  { name: "cluster mode", mode: "cluster", env: {} },
] as const;

for (const v of VARIANTS) test.serial(`one POST /api/v1/tweets is one trace (${v.name}): gateway, CreateTweet, tweet.created published and consumed, fan-out and its timeline writes`, async (t) => {
  const chirp = await startChirp({
    mode: v.mode,
    label: "trace",
    targets: ["user", "graph", "tweet", "timeline", "fanout", "gateway"],
    runtime: { tracing },
    env: v.env,
  });
  t.teardown(() => chirp.stop());
  const alice = await chirp.register();
  const bob = await chirp.register();
  await chirp.follow(bob, alice);

  // The client's own trace context: the gateway continues it.
  const traceId = randomBytes(16).toString("hex");
  const res = await fetch(`${chirp.base}/api/v1/tweets`, {
    method: "POST",
    headers: { ...(await chirp.as(alice)).headers, "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    body: JSON.stringify({ content: "one trace, six processes' worth #otel" }),
  });
  t.is(res.status, 200, await res.clone().text());
  const tweetId = BigInt(((await res.json()) as { tweet: { tweet_id: string } }).tweet.tweet_id);

  const mine = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const named = (name: string) => mine().filter((s) => s.name === name);
  // Done when the job's timeline write into Bob's timeline has ended.
  const batchDone = () => named("process fanout.batch").some((p) => named("timeline-store add").some((w) => w.parentSpanContext?.spanId === p.spanContext().spanId));
  t.true(await eventually(batchDone, 10_000), `the fan-out job's write never showed up in the trace:\n${tree(mine())}`);
  t.true(await eventually(async () => (await chirp.homeIds(bob)).includes(tweetId)));
  await tracing.flush();

  const spans = mine();
  t.log(`\n${tree(spans)}`);
  const one = (name: string, kind: SpanKind) => {
    const found = spans.filter((s) => s.name === name && s.kind === kind);
    t.true(found.length >= 1, `no ${SpanKind[kind]} span "${name}" in the trace:\n${tree(spans)}`);
    return found[0]!;
  };
  const childOf = (child: ReadableSpan, parent: ReadableSpan) =>
    t.is(child.parentSpanContext?.spanId, parent.spanContext().spanId, `${child.name} under ${parent.name}`);

  const edge = one("POST /api/v1/tweets", SpanKind.SERVER);
  t.is(edge.parentSpanContext?.spanId, "00f067aa0ba902b7", "the gateway continues the client's traceparent");
  t.is(edge.attributes["http.response.status_code"], 200);
  const call = one("chirp.tweet.v1.TweetService/CreateTweet", SpanKind.CLIENT);
  childOf(call, edge);
  const create = one("chirp.tweet.v1.TweetService/CreateTweet", SpanKind.SERVER);
  childOf(create, call);
  const publish = one("publish tweet.created", SpanKind.PRODUCER);
  childOf(publish, create);
  const fanout = spans.find((s) => s.name === "process tweet.created" && s.attributes["messaging.consumer.group.name"] === "timeline-fanout-tweets");
  t.truthy(fanout, "the fan-out worker's consumer span");
  childOf(fanout!, publish);
  const authorWrite = spans.find((s) => s.name === "timeline-store add" && s.parentSpanContext?.spanId === fanout!.spanContext().spanId);
  t.truthy(authorWrite, "the write into the author's own timeline");
  const followers = spans.find((s) => s.name === "chirp.graph.v1.GraphService/ListFollowerIds" && s.kind === SpanKind.CLIENT);
  t.truthy(followers, "the planner's follower read");
  const job = one("publish fanout.batch", SpanKind.PRODUCER);
  childOf(job, fanout!);
  const batch = one("process fanout.batch", SpanKind.CONSUMER);
  childOf(batch, job);
  const write = spans.find((s) => s.name === "timeline-store add" && s.parentSpanContext?.spanId === batch.spanContext().spanId);
  t.is(write?.attributes["chirp.timelines"], 1, "Bob's timeline");

  // Every span of the trace hangs off the gateway's: nothing started a trace of its own.
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (const s of spans) {
    let at: ReadableSpan | undefined = s;
    while (at && at !== edge) at = byId.get(at.parentSpanContext?.spanId ?? "");
    t.is(at, edge, `${s.name} reaches the gateway's span`);
  }
});
