// Refusals for overload are answered at once and logged the cheap way: at
// most one line a second, with the count, and no stack trace, on whichever
// path serves the call (the unary fast path or Connect's handler).
import http2 from "node:http2";
import test from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { GetUserRequestSchema, UserService } from "../../gen/chirp/user/v1/user_pb.js";
import { captureLog } from "../testing/log-capture.js";
import { eventually } from "../testing/eventually.js";
import { serveForTest } from "../testing/serve-for-test.js";
import { isShed, overloaded, SHED_HEADER, toConnectError } from "./errors.js";
import { observe } from "./interceptors.js";
import { createMetrics } from "./metrics.js";
import { ShedLog } from "./shed-log.js";
import { implement } from "./unary-call.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noStack = (line: Record<string, unknown>) => !JSON.stringify(line).includes("stack") && line.err === undefined;

test("a burst of refusals over 2.5 s: at most one line a second, each with its count, none with a stack", async (t) => {
  const log = captureLog();
  const shed = new ShedLog(log.logger, "shed calls: overloaded", "methods", { limit: 64 });
  let noted = 0;
  const end = Date.now() + 2500;
  while (Date.now() < end) {
    for (let i = 0; i < 50; i++, noted++) shed.note(i % 5 === 0 ? "chirp.a.v1.A/Get" : "chirp.b.v1.B/List");
    await sleep(5);
  }
  t.true(await eventually(() => log.lines.reduce((n, l) => n + Number(l.count), 0) === noted, 3000), "every refusal counted");
  const lines = log.withMsg("shed calls: overloaded");
  t.is(lines.length, log.lines.length, "nothing else logged");
  t.true(lines.length >= 2 && lines.length <= 4, `${lines.length} lines for 2.5 s of refusals`);
  for (const [i, line] of lines.entries()) {
    t.like(line, { level: 40, limit: 64 });
    t.true(noStack(line), JSON.stringify(line));
    const methods = line.methods as Record<string, number>;
    t.is(methods["chirp.a.v1.A/Get"]! + methods["chirp.b.v1.B/List"]!, line.count as number);
    if (i > 0) t.true((line.time as number) - (lines[i - 1]!.time as number) >= 990, "a second apart at least");
  }
  await sleep(1100);
  t.is(log.lines.length, lines.length, "quiet: no more lines");
});

test("a refusal is UNAVAILABLE, marked as one, without a stack; passed on by the error mapping as a refusal", (t) => {
  const err = overloaded("overloaded: 3 calls in flight; retry with backoff");
  t.is(err.code, Code.Unavailable);
  t.is(err.metadata.get(SHED_HEADER), "1");
  t.notRegex(err.stack ?? "", /\n\s+at /);
  t.true(isShed(err));
  t.false(isShed(new ConnectError("a backend is unavailable", Code.Unavailable)));
  // As a client reads it off the trailers of a service that refused.
  const relayed = new ConnectError("overloaded: 3 calls in flight; retry with backoff", Code.Unavailable, { [SHED_HEADER]: "1", "grpc-status": "14" });
  const mapped = toConnectError(relayed);
  t.false(mapped.internal);
  t.true(isShed(mapped.error));
  t.is(mapped.error.rawMessage, "overloaded: 3 calls in flight; retry with backoff");
});

test("serve(): refused calls on both paths are answered at once and logged as one line with their count", async (t) => {
  const log = captureLog();
  const metrics = createMetrics({ defaultMetrics: false });
  const server = await serveForTest({
    name: "shed-test",
    logger: log.logger,
    metrics,
    maxEntryCalls: 1,
    implementations: [
      implement(UserService, {
        async getUser(req, ctx) {
          if (req.userId === 9n) await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
          return { user: { userId: req.userId, username: "alice" } };
        },
      }),
    ],
  });
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  const grpc = (userId: bigint) =>
    new Promise<{ trailers: http2.IncomingHttpHeaders; headers: http2.IncomingHttpHeaders; ms: number }>((resolve, reject) => {
      const started = Date.now();
      const stream = session.request({ ":method": "POST", ":path": "/chirp.user.v1.UserService/GetUser", "content-type": "application/grpc", te: "trailers" });
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("response", (h) => (headers = h));
      stream.on("trailers", (tr) => (trailers = tr));
      stream.on("error", reject);
      stream.on("close", () => resolve({ headers, trailers, ms: Date.now() - started }));
      stream.resume();
      const body = toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      stream.end(frame);
    });
  const connect = createClient(UserService, createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: "1.1" }));
  try {
    const slow = grpc(9n); // holds the one slot until the server stops
    await sleep(200);
    const fast = await Promise.all(Array.from({ length: 30 }, () => grpc(42n)));
    for (const a of fast) {
      t.is(a.trailers["grpc-status"] ?? a.headers["grpc-status"], "14");
      t.is(a.trailers[SHED_HEADER] ?? a.headers[SHED_HEADER], "1", "marked as a refusal");
      t.true(a.ms < 1000, "answered at once");
    }
    const viaConnect = await Promise.all(Array.from({ length: 10 }, () => connect.getUser({ userId: 42n }).then(() => undefined, (err: unknown) => err)));
    for (const err of viaConnect) t.true(isShed(err), String(err));

    t.true(await eventually(() => log.withMsg("shed calls: overloaded").length > 0, 3000));
    await sleep(300);
    const lines = log.withMsg("shed calls: overloaded");
    t.is(lines.length, 1, JSON.stringify(log.lines));
    t.like(lines[0], { count: 40, limit: 1, methods: { "chirp.user.v1.UserService/GetUser": 40 } });
    t.true(noStack(lines[0]!), JSON.stringify(lines[0]));
    t.false(log.lines.some((l) => l.msg === "rpc refused" || l.msg === "rpc failed"), "no line per call");
    t.is((await metrics.shed.get()).values.find((v) => v.labels.method === "GetUser")?.value, 40, "the metric still counts each");
    void slow;
  } finally {
    session.destroy();
    await server.close(200);
  }
});

test("observe(): calls that fail because a service downstream refused are logged once a second with the count", async (t) => {
  const log = captureLog();
  const metrics = createMetrics({ defaultMetrics: false });
  const interceptor = observe(log.logger, metrics);
  const call = () =>
    interceptor(() => Promise.reject(new ConnectError("overloaded: 64 calls in flight; retry with backoff", Code.Unavailable, { [SHED_HEADER]: "1" })))({
      stream: false,
      service: UserService,
      method: UserService.method.getUser,
      header: new Headers(),
      contextValues: undefined,
    } as never).then(
      () => undefined,
      (err: unknown) => err,
    );
  const errs = await Promise.all(Array.from({ length: 25 }, call));
  for (const err of errs) t.true(isShed(err), "passed on as a refusal");
  t.is(log.lines.length, 0, "no line per call");
  t.true(await eventually(() => log.lines.length > 0, 3000));
  t.is(log.lines.length, 1);
  t.like(log.lines[0], { msg: "shed calls: overloaded downstream", count: 25, methods: { "chirp.user.v1.UserService/GetUser": 25 } });
  t.true(noStack(log.lines[0]!));
  t.is((await metrics.requests.get()).values.find((v) => v.labels.code === "Unavailable")?.value, 25, "counted by code as before");
});
