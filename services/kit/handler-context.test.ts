import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { callContext } from "./handler-context.js";
import { LightHeaders } from "./light-headers.js";

const method = TimelineService.method.getHomeTimeline;
const init = (o: { timeoutMs?: number; requestSignal?: AbortSignal } = {}) =>
  callContext({ method, protocolName: "test", url: "/x", timeoutMs: o.timeoutMs, requestSignal: o.requestSignal, requestHeader: new LightHeaders({ a: "1" }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("carries the call's method, service, headers and remaining time", (t) => {
  const ctx = init({ timeoutMs: 5_000 });
  t.is(ctx.method, method);
  t.is(ctx.service, TimelineService);
  t.is(ctx.requestHeader.get("a"), "1");
  t.false(ctx.signal.aborted);
  const left = ctx.timeoutMs()!;
  t.true(left > 4_000 && left <= 5_000);
  t.is(init().timeoutMs(), undefined);
  ctx.responseHeader.set("x", "y");
  t.is(ctx.responseHeader.get("x"), "y");
  ctx.abort();
});

test("the deadline aborts the call's signal with DEADLINE_EXCEEDED; none is already past", async (t) => {
  const ctx = init({ timeoutMs: 20 });
  await sleep(60);
  t.true(ctx.signal.aborted);
  t.is((ctx.signal.reason as ConnectError).code, Code.DeadlineExceeded);
  const past = init({ timeoutMs: 0 });
  t.true(past.signal.aborted);
  t.is((past.signal.reason as ConnectError).code, Code.DeadlineExceeded);
});

test("the caller giving up aborts the call with the caller's reason, also when it already had", (t) => {
  const caller = new AbortController();
  const ctx = init({ timeoutMs: 5_000, requestSignal: caller.signal });
  caller.abort("gone");
  t.is(ctx.signal.reason, "gone");
  t.is(init({ requestSignal: caller.signal }).signal.reason, "gone");
});

test("ending the call lets go of the caller's signal and the timer", async (t) => {
  const caller = new AbortController();
  const listening = new Set<unknown>();
  const { signal } = caller;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: () => void) => (listening.add(fn), add(type, fn))) as typeof add;
  signal.removeEventListener = ((type: string, fn: () => void) => (listening.delete(fn), remove(type, fn))) as typeof remove;
  const ctx = init({ timeoutMs: 20, requestSignal: signal });
  t.is(listening.size, 1);
  ctx.abort("done");
  t.is(listening.size, 0);
  await sleep(60);
  t.is(ctx.signal.reason, "done");
});
