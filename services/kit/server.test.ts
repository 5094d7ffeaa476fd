// The kit's server, seen from real clients: @grpc/grpc-js with .proto files
// loaded by @grpc/proto-loader, `buf curl` over gRPC, and Connect JSON over
// HTTP/1.1 (what curl and browsers speak).
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { pino } from "pino";
import { createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { UserService, UserSchema } from "../../gen/chirp/user/v1/user_pb.js";
import { ServerReflection, ServerReflectionRequestSchema } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { requireSelf, TokenSigner, TokenVerifier } from "./auth.js";
import { notFound } from "./errors.js";
import { HealthMonitor } from "./health.js";
import { generateKeyPairPem } from "./keys.js";
import { createMetrics } from "./metrics.js";
import { implement } from "./unary-call.js";
import { serve } from "./server.js";

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), "../..");
const require = createRequire(import.meta.url);
const buf = join(root, "node_modules/.bin/buf");

const settings = { issuer: "chirp", audience: "chirp" };
const keys = await generateKeyPairPem();
const signer = await TokenSigner.fromPem(keys.privateKeyPem, { ...settings, ttlSeconds: 60 });
const logger = pino({ level: "silent" });
const metrics = createMetrics({ defaultMetrics: false });
let dependencyUp = true;
const health = new HealthMonitor({
  services: [UserService.typeName],
  checks: [
    {
      name: "store",
      check: async () => {
        if (!dependencyUp) throw new Error("down");
      },
    },
  ],
  logger,
  intervalMs: 60_000,
});

const alice = create(UserSchema, {
  userId: 42n,
  username: "alice",
  displayName: "Alice",
  createdAt: timestampFromDate(new Date("2026-01-02T03:04:05Z")),
});

const server = await serve({
  name: "test",
  host: "127.0.0.1",
  port: 0,
  health,
  logger,
  metrics,
  verifier: await TokenVerifier.fromPem(keys.publicKeyPem, settings),
  implementations: [
    implement(UserService, {
      getUser(req) {
        if (req.userId === 7n) throw new Error("database exploded at /srv/secret/path");
        if (req.userId !== alice.userId) throw notFound(`user ${req.userId} not found`);
        return { user: alice };
      },
      updateProfile(req, ctx) {
        requireSelf(ctx, req.userId, "this profile");
        return { user: { ...alice, bio: req.bio ?? "" } };
      },
    }),
  ],
});
const address = `127.0.0.1:${server.port}`;
test.after.always(() => server.close(1000));

const googleProtos = dirname(require.resolve("google-proto-files/package.json"));
const packageDefinition = protoLoader.loadSync(
  ["chirp/user/v1/user.proto", "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto"],
  { includeDirs: [join(root, "proto"), join(root, ".proto-deps"), googleProtos], longs: String, enums: String, defaults: true },
);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loaded = grpc.loadPackageDefinition(packageDefinition) as any;
const credentials = grpc.credentials.createInsecure();

function unary<T>(client: grpc.Client, method: string, req: object, md = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (client as any)[method](req, md, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

test("grpc-js client calls a kit-served RPC", async (t) => {
  const client = new loaded.chirp.user.v1.UserService(address, credentials);
  const res = await unary<{ user: { userId: string; username: string } }>(client, "GetUser", { userId: "42" });
  t.is(res.user.userId, "42");
  t.is(res.user.username, "alice");
  client.close();
});

test("grpc-js sees precise codes: NOT_FOUND, INVALID_ARGUMENT with the field, INTERNAL without internals", async (t) => {
  const client = new loaded.chirp.user.v1.UserService(address, credentials);
  const missing = await t.throwsAsync<grpc.ServiceError>(unary(client, "GetUser", { userId: "5" }));
  t.is(missing.code, grpc.status.NOT_FOUND);
  t.is(missing.details, "user 5 not found");
  const invalid = await t.throwsAsync<grpc.ServiceError>(unary(client, "GetUser", { userId: "0" }));
  t.is(invalid.code, grpc.status.INVALID_ARGUMENT);
  t.regex(invalid.details, /^user_id: must be greater than 0$/);
  const broken = await t.throwsAsync<grpc.ServiceError>(unary(client, "GetUser", { userId: "7" }));
  t.is(broken.code, grpc.status.INTERNAL);
  t.is(broken.details, "internal error");
  client.close();
});

test("mutations check the caller: none, someone else, a forged token", async (t) => {
  const client = new loaded.chirp.user.v1.UserService(address, credentials);
  const anonymous = await t.throwsAsync<grpc.ServiceError>(unary(client, "UpdateProfile", { userId: "42", bio: "x" }));
  t.is(anonymous.code, grpc.status.UNAUTHENTICATED);
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${(await signer.sign({ userId: 43n, sessionId: "s" })).token}`);
  const other = await t.throwsAsync<grpc.ServiceError>(unary(client, "UpdateProfile", { userId: "42", bio: "x" }, md));
  t.is(other.code, grpc.status.PERMISSION_DENIED);
  const forged = new grpc.Metadata();
  forged.set("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.");
  const bad = await t.throwsAsync<grpc.ServiceError>(unary(client, "UpdateProfile", { userId: "42", bio: "x" }, forged));
  t.is(bad.code, grpc.status.UNAUTHENTICATED);
  const own = new grpc.Metadata();
  own.set("authorization", `Bearer ${(await signer.sign({ userId: 42n, sessionId: "s" })).token}`);
  const res = await unary<{ user: { bio: string } }>(client, "UpdateProfile", { userId: "42", bio: "hi" }, own);
  t.is(res.user.bio, "hi");
  client.close();
});

test.serial("grpc-js health check reports the dependency state", async (t) => {
  const client = new loaded.grpc.health.v1.Health(address, credentials);
  dependencyUp = true;
  await health.runChecks();
  t.is((await unary<{ status: string }>(client, "Check", { service: "" })).status, "SERVING");
  dependencyUp = false;
  await health.runChecks();
  t.is((await unary<{ status: string }>(client, "Check", { service: UserService.typeName })).status, "NOT_SERVING");
  dependencyUp = true;
  await health.runChecks();
  const unknown = await t.throwsAsync<grpc.ServiceError>(unary(client, "Check", { service: "no.Such" }));
  t.is(unknown.code, grpc.status.NOT_FOUND);
  client.close();
});

test("grpc-js reflection lists the services", async (t) => {
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, credentials);
  const call = client.ServerReflectionInfo();
  const answer = new Promise<{ listServicesResponse: { service: Array<{ name: string }> } }>((resolve, reject) => {
    call.on("data", resolve);
    call.on("error", reject);
  });
  call.write({ listServices: "" });
  const names = (await answer).listServicesResponse.service.map((s) => s.name);
  call.end();
  t.true(names.includes("chirp.user.v1.UserService"));
  t.true(names.includes("grpc.health.v1.Health"));
  t.true(names.includes("grpc.reflection.v1.ServerReflection"));
  client.close();
});

test("buf curl lists methods through reflection and calls over gRPC", async (t) => {
  const base = `http://${address}`;
  const common = ["--protocol", "grpc", "--http2-prior-knowledge"];
  const list = await run(buf, ["curl", ...common, "--list-methods", base]);
  t.true(list.stdout.includes("chirp.user.v1.UserService/GetUser"));
  t.true(list.stdout.includes("grpc.health.v1.Health/Check"));
  const healthRes = await run(buf, ["curl", ...common, "-d", "{}", `${base}/grpc.health.v1.Health/Check`]);
  t.deepEqual(JSON.parse(healthRes.stdout), { status: "SERVING" });
  const user = await run(buf, ["curl", ...common, "-d", '{"user_id":"42"}', `${base}/chirp.user.v1.UserService/GetUser`]);
  const parsed = JSON.parse(user.stdout);
  t.is(parsed.user.userId, "42");
  t.is(parsed.user.createdAt, "2026-01-02T03:04:05Z");
});

test("Connect JSON over HTTP/1.1 on the same port, with request id echo", async (t) => {
  const res = await fetch(`http://${address}/chirp.user.v1.UserService/GetUser`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "req-123" },
    body: JSON.stringify({ userId: "42" }),
  });
  t.is(res.status, 200);
  t.is(res.headers.get("x-request-id"), "req-123");
  t.is(((await res.json()) as { user: { username: string } }).user.username, "alice");
  const bad = await fetch(`http://${address}/chirp.user.v1.UserService/GetUser`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "-1" }),
  });
  t.is(bad.status, 400);
  const body = (await bad.json()) as { code: string; message: string };
  t.is(body.code, "invalid_argument");
  t.regex(body.message, /user_id/);
});

test("gzip-compressed requests are accepted; answers go out uncompressed even when gzip is offered", async (t) => {
  const request = { messageRequest: { case: "fileContainingSymbol" as const, value: UserService.typeName } };
  // A client that compresses what it sends.
  const reflection = createClient(
    ServerReflection,
    createGrpcTransport({ baseUrl: `http://${address}`, sendCompression: compressionGzip, compressMinBytes: 0 }),
  );
  for await (const m of await reflection.serverReflectionInfo(
    (async function* () {
      yield request;
    })(),
  )) t.is(m.messageResponse.case, "fileDescriptorResponse");

  // The answer's envelope, read off the wire: flag byte 0 = not compressed.
  const session = http2.connect(`http://${address}`);
  t.teardown(() => session.close());
  const stream = session.request({
    ":method": "POST",
    ":path": `/${ServerReflection.typeName}/ServerReflectionInfo`,
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-accept-encoding": "gzip",
  });
  const msg = toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, request));
  const envelope = Buffer.alloc(5 + msg.length);
  envelope.writeUInt32BE(msg.length, 1);
  envelope.set(msg, 5);
  stream.end(envelope);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  t.is(body[0], 0, "the response message is not compressed");
  t.true(body.readUInt32BE(1) > 1024, "an answer large enough that the defaults would have gzipped it");
});

test("metrics count requests by method and code", async (t) => {
  await fetch(`http://${address}/chirp.user.v1.UserService/GetUser`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "999" }),
  });
  const text = await (await fetch(`http://${address}/metrics`)).text();
  t.regex(text, /rpc_server_requests_total\{service="chirp.user.v1.UserService",method="GetUser",code="NotFound"\} [1-9]/);
  t.regex(text, /rpc_server_duration_seconds_bucket\{le="0.005",service="chirp.user.v1.UserService",method="GetUser",code="OK"\}/);
});
