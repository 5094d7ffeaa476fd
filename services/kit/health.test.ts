import test from "ava";
import { pino } from "pino";
import { HealthMonitor, ServingStatus } from "./health.js";
import { DomainError } from "./errors.js";

const logger = pino({ level: "silent" });

function monitor(check: () => Promise<void>, timeoutMs = 200) {
  return new HealthMonitor({
    services: ["chirp.user.v1.UserService"],
    checks: [{ name: "store", check }],
    logger,
    intervalMs: 60_000,
    timeoutMs,
  });
}

test("SERVING when every dependency answers", async (t) => {
  const h = monitor(async () => {});
  await h.start();
  t.is(h.current.status, ServingStatus.SERVING);
  t.deepEqual(h.current.failing, []);
  h.stop();
});

test("NOT_SERVING names the failing dependency, and recovers", async (t) => {
  let up = false;
  const h = monitor(async () => {
    if (!up) throw new Error("connection refused");
  });
  await h.start();
  t.deepEqual(h.current, { status: ServingStatus.NOT_SERVING, failing: ["store"] });
  up = true;
  await h.runChecks();
  t.is(h.current.status, ServingStatus.SERVING);
  h.stop();
});

test("a dependency that hangs counts as failing after the timeout", async (t) => {
  const h = monitor(() => new Promise(() => {}), 50);
  await h.start();
  t.is(h.current.status, ServingStatus.NOT_SERVING);
  h.stop();
});

test("Check of an unknown service is NOT_FOUND; known names answer", async (t) => {
  const h = monitor(async () => {});
  await h.start();
  const impl = h.impl();
  const ok = await impl.check!({ service: "chirp.user.v1.UserService" } as never, {} as never);
  t.is(ok.status, ServingStatus.SERVING);
  const err = t.throws(() => impl.check!({ service: "nope.Service" } as never, {} as never), { instanceOf: DomainError });
  t.is(err.kind, "not_found");
  h.stop();
});

test("Watch streams status changes and ends at shutdown", async (t) => {
  let up = true;
  const h = monitor(async () => {
    if (!up) throw new Error("down");
  });
  await h.start();
  const abort = new AbortController();
  const stream = h.impl().watch!({ service: "" } as never, { signal: abort.signal } as never) as AsyncIterable<{
    status: ServingStatus;
  }>;
  const seen: ServingStatus[] = [];
  const reading = (async () => {
    for await (const r of stream) seen.push(r.status);
  })();
  await new Promise((r) => setTimeout(r, 20));
  up = false;
  await h.runChecks();
  await new Promise((r) => setTimeout(r, 20));
  up = true;
  await h.runChecks();
  await new Promise((r) => setTimeout(r, 20));
  h.stop();
  await reading;
  t.deepEqual(seen, [ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
});
