// observe(): the access log line each call writes (built only when written)
// and the calls counted by code, with a real pino logger and prom-client.
import { Writable } from "node:stream";
import test from "ava";
import { pino } from "pino";
import { Code, ConnectError, createContextValues, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { observe } from "./interceptors.js";
import { createMetrics } from "./metrics.js";

function setup(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const metrics = createMetrics();
  const call = (next: () => Promise<UnaryResponse>) =>
    observe(pino({ level }, sink), metrics)(next as never)({
      stream: false,
      service: Health,
      method: Health.method.check,
      header: new Headers({ "x-request-id": "req-1" }),
      contextValues: createContextValues(),
    } as unknown as UnaryRequest);
  const ok = async () => ({ stream: false, header: new Headers(), trailer: new Headers() }) as unknown as UnaryResponse;
  const counted = async (code: string) =>
    (await metrics.requests.get()).values.find((v) => v.labels.code === code && v.labels.method === "Check")?.value ?? 0;
  return { lines, call, ok, counted };
}

test("a refused call logs one line with its request id and code; a call that succeeds logs only at debug", async (t) => {
  const info = setup("info");
  await info.call(info.ok);
  await t.throwsAsync(info.call(() => Promise.reject(new ConnectError("bad limit", Code.InvalidArgument))), { message: /bad limit/ });
  t.is(info.lines.length, 1);
  t.like(info.lines[0], { msg: "rpc refused", requestId: "req-1", rpc: "grpc.health.v1.Health/Check", code: "InvalidArgument" });
  t.is(await info.counted("OK"), 1);
  t.is(await info.counted("InvalidArgument"), 1);

  const debug = setup("debug");
  await debug.call(debug.ok);
  t.is(debug.lines.length, 1);
  t.like(debug.lines[0], { msg: "rpc ok", requestId: "req-1", code: "OK" });
});
