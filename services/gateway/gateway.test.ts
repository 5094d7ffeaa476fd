// The REST edge against in-test implementations served by the kit over real
// gRPC: the test-only library service (every HttpRule feature) and a bit of
// UserService (real protovalidate violations). Checks the HTTP behaviour
// that does not depend on Chirp's own services: errors, limits, CORS,
// request ids, event streams, health, metrics, OpenAPI.
import test from "ava";
import { create, type DescService } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { pino } from "pino";
import { UserService, UserSchema } from "../../gen/chirp/user/v1/user_pb.js";
import { requireCaller, TokenSigner, TokenVerifier } from "../kit/auth.js";
import { notFound, permissionDenied } from "../kit/errors.js";
import { HealthMonitor } from "../kit/health.js";
import { generateKeyPairPem } from "../kit/keys.js";
import { createMetrics } from "../kit/metrics.js";
import { serve } from "../kit/server.js";
import { implement } from "../kit/unary-call.js";
import { captureLog, type CapturedLog } from "../testing/log-capture.js";
import { eventually } from "../testing/eventually.js";
import { serveForTest } from "../testing/serve-for-test.js";
import { call, openSse } from "./testing/http.js";
import { startHarness } from "./testing/harness.js";
import { LibraryService, libraryMessage } from "./testing/library.js";

const settings = { issuer: "chirp", audience: "chirp-api" };
const keys = await generateKeyPairPem();
const signer = await TokenSigner.fromPem(keys.privateKeyPem, { ...settings, ttlSeconds: 600 });
const verifier = await TokenVerifier.fromPem(keys.publicKeyPem, settings);
const token = async (userId: bigint) => (await signer.sign({ userId, sessionId: "s" })).token;
const logger = pino({ level: "silent" });

const Book = libraryMessage("Book");
const seen = { requestIds: [] as string[], internal: [] as string[], watchCancelled: [] as string[] };

/** A slow book holds its call until released (a test's gate), or for 500 ms; `entered` counts arrivals. */
const slowBook = { gate: undefined as Promise<void> | undefined, entered: 0 };
function holdSlowBooks(): () => void {
  let release!: () => void;
  slowBook.gate = new Promise<void>((r) => (release = r));
  return () => {
    slowBook.gate = undefined;
    release();
  };
}

const library = {
  async getBook(req: { name: string }, ctx: HandlerContext) {
    if (req.name.endsWith("/slow")) {
      slowBook.entered++;
      await (slowBook.gate ?? new Promise((r) => setTimeout(r, 500)));
    }
    seen.requestIds.push(ctx.requestHeader.get("x-request-id") ?? "");
    seen.internal.push(ctx.requestHeader.get("x-chirp-internal") ?? "(none)");
    if (req.name.endsWith("/missing")) throw notFound(`book ${req.name} not found`);
    return create(Book, {
      name: req.name,
      title: "Dune",
      pages: 9007199254740993n,
      genre: 1,
      published: timestampFromDate(new Date("1965-08-01T00:00:00Z")),
    } as never);
  },
  deleteBook() {
    throw new Error("database exploded at /srv/secret/path");
  },
  createBook(req: { shelf: string; book?: { title: string } }) {
    return { book: { name: `shelves/${req.shelf}/books/1`, title: req.book?.title ?? "" }, created: true };
  },
  listBooks(req: { shelf: string; pageSize: number }) {
    const books = Array.from({ length: req.pageSize }, (_, i) => ({ name: `shelves/${req.shelf}/books/${i + 1}` }));
    return { books, nextCursor: `after-${req.pageSize}`, hasMore: true };
  },
  getFile(req: { path: string }) {
    return { file: { path: req.path, content: new TextEncoder().encode("hi"), size: 2n } };
  },
  search(req: { tags: string[]; ids: bigint[] }) {
    return { books: req.tags.map((t) => ({ name: t })), total: BigInt(req.ids.length) };
  },
  archive(req: { shelf: string }, ctx: HandlerContext) {
    const caller = requireCaller(ctx);
    if (caller.userId !== 1n) throw permissionDenied("only the owner can archive this shelf");
    return { archived: true };
  },
  async *watch(req: { shelf: string }, ctx: HandlerContext) {
    if (req.shelf === "private") requireCaller(ctx);
    if (req.shelf === "broken") throw new ConnectError("shelf is gone", Code.FailedPrecondition);
    try {
      yield { event: { case: "book", value: { name: `shelves/${req.shelf}/books/1`, pages: 5n } } };
      yield { event: { case: "removed", value: "shelves/x/books/2" } };
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    } finally {
      if (ctx.signal.aborted) seen.watchCancelled.push(req.shelf);
    }
  },
};

const users: Partial<ServiceImpl<typeof UserService>> = {
  register(req) {
    return { user: create(UserSchema, { userId: 1n, username: req.username, displayName: req.displayName }) };
  },
};

const health = new HealthMonitor({ services: [LibraryService.typeName, UserService.typeName], checks: [], logger, intervalMs: 60_000 });
const server = await serve({
  name: "library",
  host: "127.0.0.1",
  port: 0,
  health,
  logger,
  metrics: createMetrics({ defaultMetrics: false }),
  verifier,
  implementations: [[LibraryService as DescService, library as unknown as Partial<ServiceImpl<DescService>>], implement(UserService, users)],
});
const grpcUrl = `http://127.0.0.1:${server.port}`;
const h = await startHarness({
  services: [LibraryService, UserService],
  grpcUrl,
  verifier,
  config: {
    maxBodyBytes: 2048,
    sseKeepAliveMs: 100,
    trustProxyHops: 1,
    rateLimit: { perIpPerMinute: 1000, perUserPerMinute: 5, timeoutMs: 5000 },
    cors: { origins: ["https://app.example.com"], maxAgeSeconds: 60 },
  },
});
test.after.always(async () => {
  await h.close();
  await server.close(1000);
});

// Each test sends from its own client address (X-Forwarded-For is trusted
// for one hop here), so per-IP buckets do not leak between tests.
let nextIp = 1;
const ip = () => ({ "x-forwarded-for": `10.0.${Math.floor(nextIp / 250)}.${nextIp++ % 250}` });
const get = (path: string, headers: Record<string, string> = {}) => call(h.base, "GET", path, { headers: { ...ip(), ...headers } });

test("a GET transcodes to the RPC and back: int64 as a string, enum by name, RFC 3339", async (t) => {
  const res = await get("/v1/shelves/s1/books/b2");
  t.is(res.status, 200);
  t.is(res.headers.get("content-type"), "application/json; charset=utf-8");
  t.like(res.body, { name: "shelves/s1/books/b2", title: "Dune", pages: "9007199254740993", genre: "GENRE_FICTION", published: "1965-08-01T00:00:00Z" });
  // Zero values are listed too, for a stable shape.
  t.deepEqual(res.body.tags, []);
});

test("request ids: a sane one is kept and reaches the service; others are replaced", async (t) => {
  const kept = await get("/v1/shelves/s1/books/b2", { "x-request-id": "req-abc.123" });
  t.is(kept.headers.get("x-request-id"), "req-abc.123");
  t.true(seen.requestIds.includes("req-abc.123"));
  t.deepEqual([...new Set(seen.internal)], ["0"], "the services count the gateway's calls as entry calls");
  const replaced = await get("/v1/shelves/s1/books/b2", { "x-request-id": "bad id with spaces" });
  t.regex(replaced.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
  const errored = await get("/nope", { "x-request-id": "req-err" });
  t.is(errored.headers.get("x-request-id"), "req-err");
});

test("query parameters reach the service; bad ones are 400 with the parameter named", async (t) => {
  const res = await get("/v1/books:search?tags=a&tags=b&ids=1&ids=2&ids=3");
  t.deepEqual(res.body, { books: [{ name: "a", title: "", pages: "0", genre: "GENRE_UNSPECIFIED", tags: [] }, { name: "b", title: "", pages: "0", genre: "GENRE_UNSPECIFIED", tags: [] }], total: "3" });
  const bad = await get("/v1/books:search?ids=x");
  t.is(bad.status, 400);
  t.deepEqual(bad.body, { code: "invalid_argument", message: "query parameter 'ids': expected an integer, got \"x\"", details: [] });
});

test("JSON field names: answers use the proto names (user_id, next_cursor, has_more); requests may spell them either way", async (t) => {
  for (const name of ["page_size", "pageSize"]) {
    const page = await get(`/v1/shelves/s1/books?${name}=2`);
    t.is(page.status, 200, page.text);
    t.deepEqual(Object.keys(page.body), ["books", "next_cursor", "has_more"], name);
    t.like(page.body, { next_cursor: "after-2", has_more: true }, name);
    t.is((page.body.books as unknown[]).length, 2, name);
  }
  const password = "correct horse battery";
  for (const [key, displayName] of [["display_name", "Snake Case"], ["displayName", "Camel Case"]] as const) {
    const reg = await call<{ user: Record<string, unknown> }>(h.base, "POST", "/api/v1/users", { json: { username: "alice", email: "a@example.com", password, [key]: displayName }, headers: ip() });
    t.is(reg.status, 200, reg.text);
    t.like(reg.body.user, { user_id: "1", username: "alice", display_name: displayName, avatar_url: "", follower_count: "0" }, key);
    t.false(/"(userId|displayName|followerCount)"/.test(reg.text), reg.text);
  }
  // A violation's details: proto names for the detail's own fields and for the field it points at.
  const invalid = await call(h.base, "POST", "/api/v1/users", { json: { username: "al", email: "a@example.com", password }, headers: ip() });
  t.is(invalid.status, 400);
  t.like((invalid.body.details as Array<{ violations: unknown[] }>)[0]!.violations[0], {
    rule_id: "string.min_len",
    field: { elements: [{ field_number: 1, field_name: "username", field_type: "TYPE_STRING" }] },
  });
});

test("response_body and named body fields", async (t) => {
  const file = await get("/v1/files/docs/readme.md");
  t.deepEqual(file.body, { path: "docs/readme.md", content: "aGk=", size: "2" });
  const created = await call(h.base, "POST", "/v1/shelves/s1/books", { json: { title: "Emma" }, headers: ip() });
  t.deepEqual(created.body, { name: "shelves/s1/books/1", title: "Emma", pages: "0", genre: "GENRE_UNSPECIFIED", tags: [] });
});

test("the bearer token is passed through; the service decides: none 401, someone else 403, owner 200", async (t) => {
  const none = await call(h.base, "POST", "/v1/shelves/s1:archive", { json: {}, headers: ip() });
  t.is(none.status, 401);
  t.is(none.body.code, "unauthenticated");
  const other = await call(h.base, "POST", "/v1/shelves/s1:archive", { json: {}, token: await token(2n), headers: ip() });
  t.is(other.status, 403);
  t.deepEqual(other.body, { code: "permission_denied", message: "only the owner can archive this shelf", details: [] });
  const owner = await call(h.base, "PUT", "/v1/archive/7", { json: { reason: "old" }, token: await token(1n), headers: ip() });
  t.is(owner.status, 200);
  t.deepEqual(owner.body, { archived: true });
  const forged = await call(h.base, "POST", "/v1/shelves/s1:archive", { json: {}, headers: { ...ip(), authorization: "Bearer not.a.jwt" } });
  t.is(forged.status, 401);
});

test("service errors: 404 with its message, 500 without internals, 400 with decoded violations", async (t) => {
  const missing = await get("/v1/shelves/s1/books/missing");
  t.is(missing.status, 404);
  t.deepEqual(missing.body, { code: "not_found", message: "book shelves/s1/books/missing not found", details: [] });
  const broken = await call(h.base, "DELETE", "/v1/shelves/s1/books/b1", { headers: ip() });
  t.is(broken.status, 500);
  t.deepEqual(broken.body, { code: "internal", message: "internal error", details: [] });
  t.false(broken.text.includes("secret"));
  const invalid = await call(h.base, "POST", "/api/v1/users", { json: { username: "x!", email: "nope", password: "short" }, headers: ip() });
  t.is(invalid.status, 400);
  t.is(invalid.body.code, "invalid_argument");
  const details = invalid.body.details as Array<{ "@type": string; violations: Array<{ field: unknown; rule_id: string }> }>;
  t.is(details[0]!["@type"], "type.googleapis.com/buf.validate.Violations");
  // username: too short and a bad character; email; password too short.
  t.deepEqual(details[0]!.violations.map((v) => v.rule_id).sort(), ["string.email", "string.min_len", "string.min_len", "string.pattern"]);
});

test("the gateway's own errors: 404, 405 with Allow, 413, 415, malformed JSON, unknown fields", async (t) => {
  const unknown = await get("/v2/whatever");
  t.is(unknown.status, 404);
  t.deepEqual(unknown.body, { code: "not_found", message: "no route for GET /v2/whatever", details: [] });
  const wrong = await call(h.base, "PUT", "/v1/shelves/s1/books/b2", { json: {}, headers: ip() });
  t.is(wrong.status, 405);
  t.is(wrong.headers.get("allow"), "DELETE, GET, PATCH");
  t.is(wrong.body.code, "unimplemented");
  const big = await call(h.base, "POST", "/v1/shelves/s1/books", { json: { title: "x".repeat(3000) }, headers: ip() });
  t.is(big.status, 413);
  t.is(big.body.code, "invalid_argument");
  const chunked = await fetch(`${h.base}/v1/shelves/s1/books`, {
    method: "POST",
    headers: { ...ip(), "content-type": "application/json" },
    body: new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(`{"title":"${"y".repeat(4000)}"}`));
        c.close();
      },
    }),
    duplex: "half",
  } as RequestInit);
  t.is(chunked.status, 413);
  const type = await call(h.base, "POST", "/v1/shelves/s1/books", { raw: "title=x", headers: { ...ip(), "content-type": "application/x-www-form-urlencoded" } });
  t.is(type.status, 415);
  t.regex(type.body.message as string, /application\/json/);
  const malformed = await call(h.base, "POST", "/v1/shelves/s1/books", { raw: '{"title":', headers: { ...ip(), "content-type": "application/json" } });
  t.is(malformed.status, 400);
  t.regex(malformed.body.message as string, /not valid JSON/);
  const extra = await call(h.base, "POST", "/v1/shelves/s1/books", { json: { title: "x", colour: "red" }, headers: ip() });
  t.is(extra.status, 400);
  t.regex(extra.body.message as string, /key "colour" is unknown/);
  for (const r of [unknown, wrong, big, type, malformed, extra]) t.deepEqual(Object.keys(r.body).sort(), ["code", "details", "message"]);
});

test("rate limits: per user, with Retry-After and the RateLimit headers on every response", async (t) => {
  const tok = await token(77n);
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 6; i++) {
    // A different address each time: the user's bucket is what runs out.
    last = await call(h.base, "GET", "/v1/shelves/s1/books/b2", { token: tok, headers: ip() });
    statuses.push(last.status);
    if (i === 0) {
      t.is(last.headers.get("ratelimit-limit"), "5");
      t.is(last.headers.get("ratelimit-remaining"), "4");
      t.truthy(last.headers.get("ratelimit-reset"));
    }
  }
  t.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  t.deepEqual(last!.body, { code: "resource_exhausted", message: "rate limit reached (per user); retry later", details: [] });
  // 5 per minute: a token every 12 s (less the time the test took).
  const retry = Number(last!.headers.get("retry-after"));
  t.true(retry >= 1 && retry <= 12, String(retry));
  t.is(last!.headers.get("ratelimit-remaining"), "0");
  // Another user is not affected.
  t.is((await call(h.base, "GET", "/v1/shelves/s1/books/b2", { token: await token(78n), headers: ip() })).status, 200);
});

test("rate limits: per client address, unknown paths included", async (t) => {
  const h2 = await startHarness({ services: [LibraryService], grpcUrl, verifier, config: { trustProxyHops: 1, rateLimit: { perIpPerMinute: 2, perUserPerMinute: 0, timeoutMs: 5000 } } });
  const from = { "x-forwarded-for": "203.0.113.9" };
  const a = await call(h2.base, "GET", "/v1/shelves/s1/books/b2", { headers: from });
  const b = await call(h2.base, "GET", "/nope", { headers: from });
  const c = await call(h2.base, "GET", "/v1/shelves/s1/books/b2", { headers: from });
  t.deepEqual([a.status, b.status, c.status], [200, 404, 429]);
  t.is(c.body.message, "rate limit reached (per client address); retry later");
  const retry = Number(c.headers.get("retry-after"));
  t.true(retry >= 1 && retry <= 30, String(retry));
  // Only the nearest proxy's entry counts: a client cannot pick its own address.
  const spoofed = await call(h2.base, "GET", "/v1/shelves/s1/books/b2", { headers: { "x-forwarded-for": "1.2.3.4, 203.0.113.9" } });
  t.is(spoofed.status, 429);
  // Health endpoints are not limited.
  t.is((await call(h2.base, "GET", "/healthz", { headers: from })).status, 200);
  await h2.close();
});

test("CORS: preflight for an allowed origin, refusal for others, exposed headers on answers", async (t) => {
  const pre = await call(h.base, "OPTIONS", "/v1/shelves/s1/books", {
    headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
  t.is(pre.status, 204);
  t.is(pre.headers.get("access-control-allow-origin"), "https://app.example.com");
  t.is(pre.headers.get("access-control-allow-methods"), "GET, POST");
  t.is(pre.headers.get("access-control-allow-headers"), "authorization, content-type, x-request-id");
  t.is(pre.headers.get("access-control-max-age"), "60");
  const evil = await call(h.base, "OPTIONS", "/v1/shelves/s1/books", { headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
  t.is(evil.status, 403);
  t.is(evil.body.code, "permission_denied");
  const actual = await get("/v1/shelves/s1/books/b2", { origin: "https://app.example.com" });
  t.is(actual.headers.get("access-control-allow-origin"), "https://app.example.com");
  t.regex(actual.headers.get("access-control-expose-headers")!, /x-request-id.*retry-after.*ratelimit-remaining/);
  t.is(actual.headers.get("vary"), "Origin");
  const other = await get("/v1/shelves/s1/books/b2", { origin: "https://evil.example" });
  t.is(other.headers.get("access-control-allow-origin"), null);
});

test("server-sent events: an event per message, keep-alives, the upstream call cancelled on hang-up", async (t) => {
  const s = await openSse(h.base, "/v1/shelves/s1/watch", ip());
  t.is(s.status, 200);
  t.is(s.headers["content-type"], "text/event-stream; charset=utf-8");
  t.truthy(s.headers["x-request-id"]);
  t.truthy(s.headers["ratelimit-limit"]);
  const first = await s.next();
  t.is(first.event, "book");
  t.like(JSON.parse(first.data), { book: { name: "shelves/s1/books/1", pages: "5" } });
  t.deepEqual(await s.next(), { event: "removed", data: '{"removed":"shelves/x/books/2"}' });
  // Keep-alives every 100 ms: wait for two (with slack for a busy machine).
  const keepAlivesBy = Date.now() + 3000;
  while (s.comments.filter((c) => c === "keep-alive").length < 2 && Date.now() < keepAlivesBy) {
    await new Promise((r) => setTimeout(r, 50));
  }
  t.true(s.comments.filter((c) => c === "keep-alive").length >= 2, JSON.stringify(s.comments));
  s.close();
  const until = Date.now() + 3000;
  while (!seen.watchCancelled.includes("s1") && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(seen.watchCancelled.filter((shelf) => shelf === "s1"), ["s1"]);
});

test("server-sent events: closing the gateway ends open streams and cancels their calls; a stream opened after is 503", async (t) => {
  const own = await startHarness({ services: [LibraryService, UserService], grpcUrl, verifier, config: { sseKeepAliveMs: 100 } });
  try {
    const streams = await Promise.all([openSse(own.base, "/v1/shelves/c1/watch"), openSse(own.base, "/v1/shelves/c2/watch")]);
    for (const s of streams) t.is((await s.next()).event, "book");
    own.gateway.close();
    await Promise.all(streams.map((s) => s.body()));
    const until = Date.now() + 3000;
    const cancelled = () => seen.watchCancelled.filter((shelf) => shelf === "c1" || shelf === "c2").sort();
    while (cancelled().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    t.deepEqual(cancelled(), ["c1", "c2"]);
    const late = await openSse(own.base, "/v1/shelves/c3/watch");
    t.is(late.status, 503);
    t.is(JSON.parse(await late.body()).code, "unavailable");
  } finally {
    await own.close();
  }
});

test.serial("past maxInFlight an API request is 503 at once; health, open event streams and later requests are not held up", async (t) => {
  const own = await startHarness({ services: [LibraryService, UserService], grpcUrl, verifier, config: { maxInFlight: 1 } });
  try {
    const stream = await openSse(own.base, "/v1/shelves/m1/watch");
    t.is((await stream.next()).event, "book");
    t.is((await call(own.base, "GET", "/v1/shelves/s1/books/b1")).status, 200, "an open stream does not take the slot");
    const release = holdSlowBooks();
    const entered = slowBook.entered;
    const slow = call(own.base, "GET", "/v1/shelves/s1/books/slow");
    t.true(await eventually(() => slowBook.entered > entered, 5000));
    const refused = await call(own.base, "GET", "/v1/shelves/s1/books/b1");
    t.is(refused.status, 503);
    t.is(refused.headers.get("retry-after"), "1");
    t.deepEqual(refused.body, { code: "unavailable", message: "overloaded: 1 requests in flight; retry with backoff", details: [] });
    t.is((await call(own.base, "GET", "/healthz")).status, 200);
    release();
    t.is((await slow).status, 200);
    t.is((await call(own.base, "GET", "/v1/shelves/s1/books/b1")).status, 200, "admitted again");
    stream.close();
  } finally {
    await own.close();
  }
});

test.serial("overload is logged the cheap way: a burst of refusals, by the gateway's limit or by a service's, is one line with its count and no stack", async (t) => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const noStack = (line: Record<string, unknown>) => !JSON.stringify(line).includes("stack") && line.err === undefined;
  const perRequest = (log: CapturedLog) => log.lines.filter((l) => (l.msg === "http request" && l.status === 503) || l.msg === "request failed");
  // A burst on a slow machine may straddle two windows: wait for all of it, then check that the
  // lines, stack-free, were at least a window apart and that their counts add up to the burst.
  const shedLines = async (log: CapturedLog, msg: string, total: number) => {
    const count = () => log.withMsg(msg).reduce((n, l) => n + (l.count as number), 0);
    t.true(await eventually(() => count() >= total, 5000), `${msg}: ${count()} of ${total} logged`);
    await sleep(300);
    const lines = log.withMsg(msg);
    t.is(count(), total, JSON.stringify(lines));
    for (const line of lines) t.true(noStack(line), JSON.stringify(line));
    for (let i = 1; i < lines.length; i++) t.true((lines[i]!.time as number) - (lines[i - 1]!.time as number) >= 1000, JSON.stringify(lines));
    const byKey = (field: string) => {
      const merged: Record<string, number> = {};
      for (const line of lines) for (const [k, n] of Object.entries(line[field] as Record<string, number>)) merged[k] = (merged[k] ?? 0) + n;
      return merged;
    };
    return { lines, byKey };
  };

  // The gateway's own limit.
  const gatewayLog = captureLog();
  const own = await startHarness({ services: [LibraryService, UserService], grpcUrl, verifier, config: { maxInFlight: 1 }, logger: gatewayLog.logger });
  try {
    // The slow call holds the one slot until the burst has been refused, however busy the machine.
    const release = holdSlowBooks();
    const entered = slowBook.entered;
    const slow = call(own.base, "GET", "/v1/shelves/s1/books/slow");
    t.true(await eventually(() => slowBook.entered > entered, 5000));
    const refused = await Promise.all(Array.from({ length: 30 }, () => call(own.base, "GET", "/v1/shelves/s1/books/b1")));
    release();
    t.deepEqual(new Set(refused.map((r) => r.status)), new Set([503]));
    t.is((await slow).status, 200);
    const gatewayShed = await shedLines(gatewayLog, "shed requests: overloaded", 30);
    t.like(gatewayShed.lines[0], { maxInFlight: 1 });
    t.deepEqual(gatewayShed.byKey("refusedBy"), { gateway: 30 });
    t.deepEqual(perRequest(gatewayLog), [], "no line per refused request");
  } finally {
    await own.close();
  }

  // A service's admission limit, seen through the gateway.
  const serviceLog = captureLog();
  const limited = await serveForTest({
    name: "library-limited",
    logger: serviceLog.logger,
    verifier,
    maxEntryCalls: 1,
    implementations: [[LibraryService as DescService, library as unknown as Partial<ServiceImpl<DescService>>]],
  });
  const edgeLog = captureLog();
  const edge = await startHarness({
    services: [LibraryService],
    grpcUrl: `http://127.0.0.1:${limited.port}`,
    verifier,
    config: { maxInFlight: 0, rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 500 } },
    logger: edgeLog.logger,
  });
  try {
    const release = holdSlowBooks();
    const entered = slowBook.entered;
    const slow = call(edge.base, "GET", "/v1/shelves/s1/books/slow");
    t.true(await eventually(() => slowBook.entered > entered, 5000));
    const refused = await Promise.all(Array.from({ length: 20 }, () => call(edge.base, "GET", "/v1/shelves/s1/books/b1")));
    release();
    t.deepEqual(new Set(refused.map((r) => r.status)), new Set([503]));
    t.deepEqual(refused[0]!.body, { code: "unavailable", message: "overloaded: 1 calls in flight; retry with backoff", details: [] });
    t.is((await slow).status, 200);
    const edgeShed = await shedLines(edgeLog, "shed requests: overloaded", 20);
    t.deepEqual(edgeShed.byKey("refusedBy"), { [`${LibraryService.typeName}/GetBook`]: 20 });
    t.deepEqual(perRequest(edgeLog), [], "not logged as an outage, nor one line per request");
    const serviceShed = await shedLines(serviceLog, "shed calls: overloaded", 20);
    t.like(serviceShed.lines[0], { limit: 1 });
    t.deepEqual(serviceShed.byKey("methods"), { [`${LibraryService.typeName}/GetBook`]: 20 });
  } finally {
    await edge.close();
    await limited.close(1000);
  }
});

test("server-sent events: an immediate refusal is an HTTP error, a later one an error event", async (t) => {
  const refused = await openSse(h.base, "/v1/shelves/private/watch", ip());
  t.is(refused.status, 401);
  t.is(JSON.parse(await refused.body()).code, "unauthenticated");
  const broken = await openSse(h.base, "/v1/shelves/broken/watch", ip());
  t.is(broken.status, 400);
  t.deepEqual(JSON.parse(await broken.body()), { code: "failed_precondition", message: "shelf is gone", details: [] });
});

test("/healthz, /readyz (with the services' health), /metrics by route template", async (t) => {
  t.deepEqual((await get("/healthz")).body, { status: "ok" });
  const ready = await get("/readyz");
  t.is(ready.status, 200);
  t.deepEqual(ready.body, { status: "ready", services: { [LibraryService.typeName]: "SERVING", [UserService.typeName]: "SERVING" } });
  const h2 = await startHarness({ services: [LibraryService], grpcUrl, verifier, probe: ["no.such.Service"], config: { readyCacheMs: 0 } });
  const notReady = await call(h2.base, "GET", "/readyz");
  t.is(notReady.status, 503);
  t.deepEqual(notReady.body, { status: "not_ready", services: { "no.such.Service": "SERVICE_UNKNOWN" } });
  await h2.close();
  await get("/v1/shelves/s1/books/b3");
  const metrics = await get("/metrics");
  t.regex(metrics.text, /http_server_requests_total\{route="\/v1\/\{name=shelves\/\*\/books\/\*\}",method="GET",status="200"\} \d+/);
  t.regex(metrics.text, /http_server_duration_seconds_bucket\{le="0.005",route=/);
  t.regex(metrics.text, /http_server_requests_total\{route="unmatched",method="GET",status="404"\}/);
  const post = await call(h.base, "POST", "/healthz");
  t.is(post.status, 405);
});

test("/openapi.json and /docs are served", async (t) => {
  const doc = await get("/openapi.json");
  t.is(doc.status, 200);
  t.is(doc.body.openapi, "3.1.0");
  t.truthy((doc.body.paths as Record<string, unknown>)["/v1/books:search"]);
  const docs = await fetch(`${h.base}/docs`);
  t.is(docs.headers.get("content-type"), "text/html; charset=utf-8");
  t.regex(docs.headers.get("content-security-policy")!, /default-src 'none'/);
  t.regex(await docs.text(), /<code>\/v1\/books:search<\/code>/);
  const root = await fetch(`${h.base}/`, { redirect: "manual" });
  t.is(root.status, 302);
  t.is(root.headers.get("location"), "/docs");
});
