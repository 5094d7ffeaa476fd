// The outbox with a real store (LMDB) and the in-process bus behind a switch
// that makes publishing fail or hang, the two ways a NATS outage looks from
// here. tweet.test.ts repeats the outage with the real NATS server stopped.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { Snowflake } from "../kit/snowflake.js";
import { tracingWith, withSpan } from "../kit/tracing.js";
import { MemoryBus } from "../platform/bus/memory.js";
import type { ConsumerSpec, EventBus } from "../platform/bus/port.js";
import { tracedBus } from "../platform/bus/traced.js";
import { EventOutbox, type OutgoingEvent } from "./outbox.js";
import { LmdbTweetStore } from "./store/lmdb.js";

type Outage = "up" | "fail" | "hang";

/** The real in-process bus behind a switch. */
class SwitchedBus implements EventBus {
  state: Outage = "up";
  attempts = 0;
  private readonly hung: Array<() => void> = [];
  constructor(readonly inner: MemoryBus) {}
  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    this.attempts++;
    if (this.state === "fail") throw new Error("connection refused");
    // A hung publish completes when the bus comes back, like a NATS client
    // flushing its buffer after reconnecting.
    if (this.state === "hang") await new Promise<void>((r) => this.hung.push(r));
    await this.inner.publish(subject, data, msgId);
  }
  restore(): void {
    this.state = "up";
    this.hung.splice(0).forEach((r) => r());
  }
  consume(spec: ConsumerSpec) {
    return this.inner.consume(spec);
  }
  publishEphemeral(subject: string, data: Uint8Array) {
    this.inner.publishEphemeral(subject, data);
  }
  subscribeEphemeral(subject: string, cb: (s: string, d: Uint8Array) => void) {
    return this.inner.subscribeEphemeral(subject, cb);
  }
  async ping() {
    if (this.state !== "up") throw new Error("down");
  }
  close() {
    return this.inner.close();
  }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), "chirp-outbox-"));
  const store = LmdbTweetStore.open(dir);
  const bus = new SwitchedBus(new MemoryBus());
  const received: string[] = [];
  await bus.consume({ durable: "probe", subjects: ["tweet.>"], handler: async (m) => void received.push(m.msgId) });
  const outbox = new EventOutbox({
    store: store.outbox,
    bus,
    ids: new Snowflake({ workerId: 1 }),
    logger: pino({ level: "silent" }),
    publishTimeoutMs: 100,
    batchSize: 3,
  });
  return {
    store,
    bus,
    outbox,
    received,
    async cleanup() {
      await outbox.stop();
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ev = (n: number): OutgoingEvent => ({ subject: "tweet.created", msgId: `tweet.created:${n}`, payload: new Uint8Array([n]) });
const settle = () => new Promise((r) => setTimeout(r, 50));

test("with the bus up, events are published and the outbox stays empty", async (t) => {
  const s = await setup();
  try {
    await s.outbox.relayOnce(); // clears the start-up backlog flag
    t.is(await s.outbox.emit(ev(1)), "published");
    await settle();
    t.deepEqual(s.received, ["tweet.created:1"]);
    t.deepEqual(await s.store.outbox.list(10), []);
  } finally {
    await s.cleanup();
  }
});

for (const outage of ["fail", "hang"] as const) {
  test(`bus ${outage === "fail" ? "refusing" : "not answering"}: events wait in the outbox, then arrive once each, in order`, async (t) => {
    const s = await setup();
    try {
      await s.outbox.relayOnce();
      s.bus.state = outage;
      const attempts = s.bus.attempts;
      const started = Date.now();
      t.is(await s.outbox.emit(ev(1)), "queued");
      t.true(Date.now() - started < 2000, "gave up after the publish timeout");
      // Once the outbox holds events, later ones queue behind them without
      // trying the bus (no timeout each, and no overtaking).
      for (let n = 2; n <= 7; n++) t.is(await s.outbox.emit(ev(n)), "queued");
      t.is(s.bus.attempts - attempts, 1);
      t.is((await s.store.outbox.list(100)).length, 7);
      t.is(await s.outbox.relayOnce(), 0, "nothing goes out while the bus is down");
      s.bus.restore();
      t.is(await s.outbox.relayOnce(), 7);
      await settle();
      // A hung publish that completed late is a duplicate the bus drops.
      t.deepEqual(s.received, [1, 2, 3, 4, 5, 6, 7].map((n) => `tweet.created:${n}`));
      t.deepEqual(await s.store.outbox.list(100), []);
      t.is(await s.outbox.emit(ev(8)), "published");
    } finally {
      await s.cleanup();
    }
  });
}

test("a relay pass that fails halfway keeps the rest, in order, for the next pass", async (t) => {
  const s = await setup();
  try {
    s.bus.state = "fail";
    for (let n = 1; n <= 5; n++) await s.outbox.emit(ev(n));
    s.bus.restore();
    let calls = 0;
    const publish = s.bus.publish.bind(s.bus);
    s.bus.publish = async (subject, data, msgId) => {
      if (++calls === 4) throw new Error("flaky");
      return publish(subject, data, msgId);
    };
    t.is(await s.outbox.relayOnce(), 3); // the first batch of three, then the fourth fails
    t.deepEqual((await s.store.outbox.list(10)).map((e) => e.msgId), ["tweet.created:4", "tweet.created:5"]);
    t.is(await s.outbox.relayOnce(), 2);
    await settle();
    t.deepEqual(s.received, [1, 2, 3, 4, 5].map((n) => `tweet.created:${n}`));
  } finally {
    await s.cleanup();
  }
});

test("when neither the bus nor the outbox can take the event, emit fails (the request is not acknowledged)", async (t) => {
  const s = await setup();
  s.bus.state = "fail";
  await s.store.close();
  await t.throwsAsync(s.outbox.emit(ev(1)));
  await s.outbox.stop();
  await s.bus.close();
});

test("an event queued during an outage is relayed as part of the request's trace (its traceparent is kept)", async (t) => {
  const s = await setup();
  t.teardown(() => s.cleanup());
  const exporter = new InMemorySpanExporter();
  const tracing = tracingWith({ processor: new SimpleSpanProcessor({ exporter }) });
  const outbox = new EventOutbox({ store: s.store.outbox, bus: tracedBus(s.bus, tracing, "in-process"), ids: new Snowflake({ workerId: 2 }), logger: pino({ level: "silent" }), publishTimeoutMs: 100 });
  t.teardown(() => outbox.stop());
  s.bus.state = "fail";
  t.is(await withSpan(tracing, "CreateTweet", {}, () => outbox.emit(ev(7))), "queued");
  const [request] = exporter.getFinishedSpans().filter((x) => x.name === "CreateTweet");
  t.is((await s.store.outbox.list(10))[0]?.traceparent?.split("-")[1], request!.spanContext().traceId);
  s.bus.restore();
  // The relay runs later, outside any request.
  t.is(await outbox.relayOnce(), 1);
  const relayed = exporter.getFinishedSpans().filter((x) => x.name === "publish tweet.created").at(-1)!;
  t.is(relayed.spanContext().traceId, request!.spanContext().traceId);
  t.is(relayed.parentSpanContext?.spanId, request!.spanContext().spanId);
});
