import test from "ava";
import { pino } from "pino";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createContextValues, type ServiceImpl } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  GetHomeTimelineRequestSchema,
  GetHomeTimelineResponseSchema,
  TimelineService,
  type GetHomeTimelineRequest,
} from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { observe, validate } from "../kit/interceptors.js";
import { createMetrics } from "../kit/metrics.js";
import { implement } from "../kit/unary-call.js";
import { startChirp } from "../testing/chirp.js";
import { Addresses } from "./addresses.js";
import { readConfig } from "./config.js";
import { LocalServices, readOnlyAnswer } from "./local-transport.js";

// Addresses that never follow the targets: every service is "at" a closed
// port, so only an in-memory call can answer.
class Nowhere extends Addresses {
  override serving(): void {}
}
const nowhere = () => {
  const closed = "http://127.0.0.1:9";
  return new Nowhere({ mode: "embedded", addrs: { user: closed, graph: closed, tweet: closed, timeline: closed }, ports: readConfig({}).ports });
};

async function code(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

test("a service started in this process is called in memory, with its interceptors", async (t) => {
  const s = await startChirp({ mode: "embedded", label: "local_on", targets: ["user", "graph", "tweet"], runtime: { addrs: nowhere() } });
  t.teardown(() => s.stop());
  const { rt } = s;
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
  // A stopped target is no longer called in memory: the call goes to its (closed) address.
  await s.stopTarget("user");
  t.is(await code(rt.clients.user.getUser({ userId: created!.userId })), Code.Unavailable);
});

test("with CHIRP_INPROCESS_CALLS=false the same call goes over the network, where the target listens", async (t) => {
  const s = await startChirp({ mode: "embedded", label: "local_off", targets: ["user"], env: { CHIRP_INPROCESS_CALLS: "false" } });
  t.teardown(() => s.stop());
  t.is(s.rt.local, undefined);
  t.is(await code(s.rt.clients.user.getUser({ userId: 1n })), Code.NotFound, "answered by the user service over gRPC");
  await s.stopTarget("user");
  t.is(await code(s.rt.clients.user.getUser({ userId: 1n })), Code.Unavailable);
});

// The transport itself, with a stand-in TimelineService (no storage involved).
function stubTimeline(impl: Partial<ServiceImpl<typeof TimelineService>>) {
  const local = new LocalServices([], 10_000);
  const logger = pino({ level: "silent" });
  local.register([implement(TimelineService, impl)], [observe(logger, createMetrics({ defaultMetrics: false })), validate()]);
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

test("in memory, a caller that only reads the answer (the REST edge) gets the callee's own, not a copy", async (t) => {
  const held = create(GetHomeTimelineResponseSchema, { nextCursor: "c" });
  const client = stubTimeline({ getHomeTimeline: () => held });
  t.is(await client.getHomeTimeline({}, { contextValues: createContextValues().set(readOnlyAnswer, true) }), held);
  t.not(await client.getHomeTimeline({}), held);
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
