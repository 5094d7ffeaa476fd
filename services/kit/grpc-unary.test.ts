// The unary gRPC fast path on the wire: what it answers must be what Connect's
// handler answers (compressed requests still go to Connect, which makes the
// comparison), and broken envelopes, oversized bodies, deadlines and
// cancellations end the call with a precise status.
import test from "ava";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { GetUserRequestSchema, UserService } from "../../gen/chirp/user/v1/user_pb.js";
import { notFound } from "./errors.js";
import { implement } from "./unary-call.js";
import { createMetrics } from "./metrics.js";
import type { ServeOptions } from "./server.js";
import { serveForTest } from "../testing/serve-for-test.js";

const aborted: string[] = [];
let served = 0;
// One implementation object, given once: Connect's handler and the fast path both call it.
const implementations = [
  implement(UserService, {
    async getUser(req, ctx) {
      served++;
      if (req.userId === 9n) {
        // Slow on purpose: ends only when the call's signal says so.
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        aborted.push(String(ctx.signal.reason instanceof Error ? ctx.signal.reason.message : ctx.signal.reason));
        throw new Error("unreachable for the client");
      }
      if (req.userId === 42n) return { user: { userId: 42n, username: "alice" } };
      throw notFound(`user ${req.userId} not found`);
    },
  }),
];
const start = async (more: Partial<ServeOptions> = {}) =>
  serveForTest({ name: "fast-path-test", implementations, readMaxBytes: 1024, ...more });
const server = await start();
test.after.always(() => server.close(1000));

test.serial("Connect's handler and the fast path serve the same implementation object", async (t) => {
  const before = served;
  const connect = createClient(UserService, createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: "1.1" }));
  t.is((await connect.getUser({ userId: 42n })).user?.username, "alice");
  const grpc = await call(envelope(request(42n)));
  t.is(grpc.trailers["grpc-status"], "0");
  t.is(served - before, 2);
});

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function call(body: Buffer, headers: Record<string, string> = {}, opts: { resetAfterMs?: number; port?: number; path?: string } = {}): Promise<Answer> {
  const session = http2.connect(`http://127.0.0.1:${opts.port ?? server.port}`);
  return new Promise<Answer>((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": opts.path ?? "/chirp.user.v1.UserService/GetUser",
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let answer: Omit<Answer, "trailers" | "body"> = { status: 0, headers: {} };
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => (answer = { status: Number(h[":status"]), headers: h }));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("close", () => resolve({ ...answer, trailers, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(body);
    if (opts.resetAfterMs !== undefined) setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), opts.resetAfterMs);
  }).finally(() => session.close());
}

function envelope(bytes: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flags;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

const request = (userId: bigint) => toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }));
const statusOf = (a: Answer) => a.trailers["grpc-status"] ?? a.headers["grpc-status"];

for (const [name, userId, code] of [
  ["an answer", 42n, "0"],
  ["a refusal (NOT_FOUND)", 5n, "5"],
  ["a validation error with its field violations (INVALID_ARGUMENT)", 0n, "3"],
] as const) {
  test(`${name}: the fast path answers exactly what Connect's handler answers`, async (t) => {
    const fast = await call(envelope(request(userId)));
    const connect = await call(envelope(gzipSync(request(userId)), 1), { "grpc-encoding": "gzip" });
    t.is(statusOf(fast), code);
    for (const key of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) {
      t.is(fast.trailers[key], connect.trailers[key], key);
    }
    t.deepEqual(fast.body, connect.body);
    t.is(fast.headers["content-type"], connect.headers["content-type"]);
    t.is(fast.headers["x-request-id"] === undefined, connect.headers["x-request-id"] === undefined, "request id header");
    if (code === "0") t.true(fast.body.length > 5, "an answer carries its message");
  });
}

test("a truncated envelope, an empty body or undecodable bytes: INVALID_ARGUMENT saying what is wrong", async (t) => {
  const whole = envelope(request(5n));
  const truncated = await call(whole.subarray(0, whole.length - 1));
  t.is(statusOf(truncated), "3");
  t.regex(decodeURIComponent(String(truncated.trailers["grpc-message"])), /promised \d+ bytes/);
  const empty = await call(Buffer.alloc(0));
  t.is(statusOf(empty), "3");
  t.regex(decodeURIComponent(String(empty.trailers["grpc-message"])), /exactly one message/);
  const garbage = await call(envelope(Buffer.from([0xff, 0xff, 0xff])));
  t.is(statusOf(garbage), "3");
  t.regex(decodeURIComponent(String(garbage.trailers["grpc-message"])), /cannot decode chirp\.user\.v1\.GetUserRequest/);
});

test("a body over readMaxBytes: RESOURCE_EXHAUSTED", async (t) => {
  const big = await call(envelope(Buffer.alloc(4096, 1)));
  t.is(statusOf(big), "8");
});

test.serial("grpc-timeout ends a slow call with DEADLINE_EXCEEDED, and the implementation sees its signal aborted", async (t) => {
  const before = aborted.length;
  const started = Date.now();
  const answer = await call(envelope(request(9n)), { "grpc-timeout": "100m" });
  t.is(statusOf(answer), "4");
  t.true(Date.now() - started < 5000);
  t.is(aborted.length, before + 1);
});

test.serial("a client that resets the stream cancels the call: the implementation's signal is aborted", async (t) => {
  const before = aborted.length;
  await call(envelope(request(9n)), {}, { resetAfterMs: 100 });
  for (let i = 0; i < 50 && aborted.length === before; i++) await new Promise((r) => setTimeout(r, 20));
  t.regex(aborted.at(-1) ?? "", /the client cancelled the call/);
});

test.serial("shutdown aborts the calls in flight at once, not after the grace period", async (t) => {
  const other = await start();
  const before = aborted.length;
  const answer = call(envelope(request(9n)), {}, { port: other.port }).catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 100));
  const closing = Date.now();
  const closed = other.close(5000);
  for (let i = 0; i < 100 && aborted.length === before; i++) await new Promise((r) => setTimeout(r, 10));
  t.true(Date.now() - closing < 1000, "aborted before the grace period ran out");
  t.is(aborted.length, before + 1);
  t.notRegex(aborted.at(-1) ?? "", /the client cancelled the call/, "by the shutdown, not by the connection closing");
  await Promise.all([answer, closed]);
});

test.serial("past maxEntryCalls an entry call is UNAVAILABLE at once; calls between services and health checks still run", async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const limited = await start({ maxEntryCalls: 1, metrics });
  const port = limited.port;
  try {
    const slow = call(envelope(request(9n)), {}, { port, resetAfterMs: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    const refused = await call(envelope(request(42n)), {}, { port });
    t.is(statusOf(refused), "14");
    t.regex(decodeURIComponent(String(refused.trailers["grpc-message"])), /overloaded: 1 calls in flight; retry with backoff/);
    t.is(statusOf(await call(envelope(request(42n)), { "x-chirp-internal": "1" }, { port })), "0", "a call between services");
    t.is(statusOf(await call(envelope(new Uint8Array()), {}, { port, path: "/grpc.health.v1.Health/Check" })), "0", "a health check");
    t.is((await metrics.shed.get()).values.find((v) => v.labels.method === "GetUser")?.value, 1);
    await slow;
    for (let i = 0; i < 50 && aborted.at(-1) !== "the client cancelled the call"; i++) await new Promise((r) => setTimeout(r, 20));
    t.is(statusOf(await call(envelope(request(42n)), {}, { port })), "0", "admitted again once the slow call ended");
  } finally {
    await limited.close(1000);
  }
});

test.serial("the limit also counts calls Connect's handler serves (gzip gRPC, the Connect protocol): one count per server", async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const limited = await start({ maxEntryCalls: 1, metrics });
  const port = limited.port;
  const gzipped = (userId: bigint, headers: Record<string, string> = {}, resetAfterMs?: number) =>
    call(envelope(gzipSync(request(userId)), 1), { "grpc-encoding": "gzip", ...headers }, { port, ...(resetAfterMs ? { resetAfterMs } : {}) });
  const connect = createClient(UserService, createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" }));
  try {
    // A slow call on the fast path holds the one slot: Connect's handler refuses too.
    const slow = call(envelope(request(9n)), {}, { port, resetAfterMs: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    const refused = await gzipped(42n);
    t.is(statusOf(refused), "14");
    t.regex(decodeURIComponent(String(refused.trailers["grpc-message"])), /overloaded: 1 calls in flight/);
    const err = await t.throwsAsync(connect.getUser({ userId: 42n }));
    t.is(ConnectError.from(err).code, Code.Unavailable, "the Connect protocol");
    t.is(statusOf(await gzipped(42n, { "x-chirp-internal": "1" })), "0", "a call between services still runs");
    await slow;
    for (let i = 0; i < 50 && aborted.at(-1) !== "the client cancelled the call"; i++) await new Promise((r) => setTimeout(r, 20));

    // And the other way round: a slow call through Connect's handler holds the slot for the fast path.
    const slowGzip = gzipped(9n, {}, 1000);
    await new Promise((r) => setTimeout(r, 200));
    t.is(statusOf(await call(envelope(request(42n)), {}, { port })), "14", "the fast path sees the slot taken");
    await slowGzip;
    for (let i = 0; i < 50 && aborted.at(-1) !== "the client cancelled the call"; i++) await new Promise((r) => setTimeout(r, 20));
    t.is(statusOf(await gzipped(42n)), "0", "admitted again once the slow call ended");
    t.is((await connect.getUser({ userId: 42n })).user?.username, "alice");
    t.is((await metrics.shed.get()).values.find((v) => v.labels.method === "GetUser")?.value, 3);
  } finally {
    await limited.close(1000);
  }
});

test.serial("with the fast path off (serve's unaryFastPath: false), Connect's handler answers plain gRPC the same, under the same limit", async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const stock = await start({ unaryFastPath: false, maxEntryCalls: 1, metrics });
  const port = stock.port;
  try {
    for (const userId of [42n, 5n, 0n]) {
      const viaStock = await call(envelope(request(userId)), {}, { port });
      const viaFast = await call(envelope(request(userId)));
      for (const key of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) t.is(viaStock.trailers[key] ?? viaStock.headers[key], viaFast.trailers[key] ?? viaFast.headers[key], key);
      t.deepEqual(viaStock.body, viaFast.body);
    }
    const slow = call(envelope(request(9n)), {}, { port, resetAfterMs: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    const refused = await call(envelope(request(42n)), {}, { port });
    t.is(statusOf(refused), "14");
    t.regex(decodeURIComponent(String(refused.trailers["grpc-message"] ?? refused.headers["grpc-message"])), /overloaded: 1 calls in flight/);
    t.is(statusOf(await call(envelope(request(42n)), { "x-chirp-internal": "1" }, { port })), "0", "a call between services");
    await slow;
    t.is((await metrics.shed.get()).values.find((v) => v.labels.method === "GetUser")?.value, 1);
  } finally {
    await stock.close(1000);
  }
});
