import test from "ava";
import { pino } from "pino";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type ServiceImpl } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  GetHomeTimelineRequestSchema,
  GetHomeTimelineResponseSchema,
  TimelineService,
  type GetHomeTimelineRequest,
} from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { observe, validate } from "../kit/interceptors.js";
import { createMetrics } from "../kit/metrics.js";
import { testRuntime } from "../platform/testing/runtime.js";
import { start as startGraph } from "../graph/target.js";
import { start as startTweet } from "../tweet/target.js";
import { start as startUser } from "../user/target.js";
import { LocalServices } from "./local-transport.js";

// The configured addresses are a closed port: only in-process calls can answer.
const env = Object.fromEntries(
  ["USER", "GRAPH", "TWEET"].flatMap((s) => [
    [`CHIRP_${s}_ADDR`, "http://127.0.0.1:9"],
    [`CHIRP_${s}_PORT`, "0"],
  ]),
);

async function code(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

test("a service started in this process is called in memory, with its interceptors", async (t) => {
  const { rt, cleanup } = await testRuntime("embedded", "local_on", {}, env);
  t.teardown(cleanup);
  for (const start of [startUser, startGraph, startTweet]) {
    const s = await start(rt);
    t.teardown(() => s.stop());
  }
  const { user: created } = await rt.clients.user.register({ username: "inproc", email: "inproc@example.com", password: "correct horse" });
  t.is(created?.username, "inproc");
  // Validation and authentication still apply on the in-memory path.
  t.is(await code(rt.clients.user.register({ username: "x", email: "bad", password: "short" })), Code.InvalidArgument);
  t.is(await code(rt.clients.user.updateProfile({ userId: created!.userId, displayName: "Nope" })), Code.Unauthenticated);
  const { session } = await rt.clients.user.login({ login: "inproc", password: "correct horse" });
  const as = { headers: { authorization: `Bearer ${session!.accessToken}` } };
  const updated = await rt.clients.user.updateProfile({ userId: created!.userId, displayName: "In Process" }, as);
  t.is(updated.user?.displayName, "In Process");
  t.is(await code(rt.clients.user.updateProfile({ userId: created!.userId + 1n, displayName: "Other" }, as)), Code.PermissionDenied);
  // The metrics see in-memory calls like network ones.
  t.regex(await rt.metrics.registry.metrics(), /method="UpdateProfile"/);
});

test("with CHIRP_INPROCESS_CALLS=false the same call goes to the configured address", async (t) => {
  const { rt, cleanup } = await testRuntime("embedded", "local_off", {}, { ...env, CHIRP_INPROCESS_CALLS: "false" });
  t.teardown(cleanup);
  const user = await startUser(rt);
  t.teardown(() => user.stop());
  t.is(rt.local, undefined);
  t.is(await code(rt.clients.user.getUser({ userId: 1n })), Code.Unavailable);
});

// The transport itself, with a stand-in TimelineService (no storage involved).
function stubTimeline(impl: Partial<ServiceImpl<typeof TimelineService>>) {
  const local = new LocalServices([], 10_000);
  const logger = pino({ level: "silent" });
  local.register([TimelineService], (r) => r.service(TimelineService, impl), [observe(logger, createMetrics({ defaultMetrics: false })), validate()]);
  const remote = createGrpcTransport({ baseUrl: "http://127.0.0.1:9" });
  return createClient(TimelineService, local.transport(remote));
}

test("in memory, neither side can change what the other holds", async (t) => {
  const held = create(GetHomeTimelineResponseSchema, { tweets: [{ tweet: { tweetId: 1n, content: "original" } }], nextCursor: "c" });
  let seen: GetHomeTimelineRequest | undefined;
  const client = stubTimeline({
    getHomeTimeline(req) {
      seen = req;
      return held;
    },
  });
  const request = create(GetHomeTimelineRequestSchema, { limit: 5 });
  const first = await client.getHomeTimeline(request);
  first.tweets[0]!.tweet!.content = "changed by the caller";
  seen!.limit = 99;
  t.is(held.tweets[0]!.tweet!.content, "original");
  t.is(request.limit, 5);
  t.is((await client.getHomeTimeline({})).tweets[0]!.tweet!.content, "original");
});

test("in memory: codes, validation, deadlines and streams behave as over the network", async (t) => {
  const client = stubTimeline({
    getHomeTimeline: () => {
      throw new ConnectError("no timeline here", Code.NotFound);
    },
    getUserTimeline: () => new Promise(() => {}),
    async *streamHomeTimeline() {
      for (let i = 1; i <= 3; i++) yield { event: { case: "keepAlive", value: { sentAt: { seconds: BigInt(i) } } } };
    },
  });
  const notFound = await t.throwsAsync(client.getHomeTimeline({}));
  t.is(ConnectError.from(notFound).code, Code.NotFound);
  t.is(ConnectError.from(notFound).rawMessage, "no timeline here");
  t.is(await code(client.getHomeTimeline({ limit: 1000 })), Code.InvalidArgument);
  t.is(await code(client.getUserTimeline({ userId: 1n }, { timeoutMs: 100 })), Code.DeadlineExceeded);
  const got: bigint[] = [];
  for await (const m of client.streamHomeTimeline({})) if (m.event.case === "keepAlive") got.push(m.event.value.sentAt!.seconds);
  t.deepEqual(got, [1n, 2n, 3n]);
});
