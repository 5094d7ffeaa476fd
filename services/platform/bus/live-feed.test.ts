// The live feed over the in-process bus (the JetStream side of subscribeLive
// and replayLive is in the bus contract): a resume merges the subjects'
// stored messages by sequence, then the live ones, each once; subscriptions
// are shared per subject; a client too far behind gets one resync; a
// reconnect to the bus replays what the subscriptions missed meanwhile.
import test from "ava";
import { eventually } from "../../testing/eventually.js";
import { LiveFeed } from "./live-feed.js";
import { MemoryBus } from "./memory.js";
import type { EventBus, LiveMessage } from "./port.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const OPTS = { maxReplay: 100, maxHeld: 100, maxConcurrentReplays: 2 };

function collect(feed: LiveFeed) {
  const got: LiveMessage[] = [];
  let resyncs = 0;
  const tap = feed.open({ message: (m) => void got.push(m), resync: () => void resyncs++ });
  return { tap, got, texts: () => got.map((m) => dec(m.data)), resyncs: () => resyncs };
}

test("a resume merges two subjects by sequence, then live messages, with those published during the replay once", async (t) => {
  const bus = new MemoryBus();
  let duringReplay: (() => Promise<void>) | undefined;
  // Messages published while the replay is being read: they must come after it, once.
  const slow: EventBus = Object.assign(Object.create(bus) as EventBus, {
    replayLive: async (subject: string, after: number, max: number) => {
      const r = await bus.replayLive(subject, after, max);
      await duringReplay?.();
      duringReplay = undefined;
      return r;
    },
  });
  const feed = new LiveFeed(slow, OPTS);
  let since = 0;
  const first = bus.subscribeLive("live.home.1", (m) => (since ||= m.seq));
  await bus.publish("live.home.1", enc("h0"), "h0");
  await first.stop();
  const c0 = collect(feed);
  c0.tap.add("live.home.1");
  await bus.publish("live.user.2", enc("u1"), "u1");
  await bus.publish("live.home.1", enc("h2"), "h2");
  await bus.publish("live.user.2", enc("u3"), "u3");

  const c = collect(feed);
  c.tap.add("live.home.1");
  c.tap.add("live.user.2");
  duringReplay = async () => {
    await bus.publish("live.home.1", enc("h4"), "h4");
    await bus.publish("live.user.2", enc("u5"), "u5");
  };
  await c.tap.resume(since);
  await bus.publish("live.home.1", enc("h6"), "h6");
  t.deepEqual(c.texts(), ["h2", "u1", "u3", "h4", "u5", "h6"].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  t.true(c.got.every((m, i) => i === 0 || m.seq > c.got[i - 1]!.seq));
  t.is(c.resyncs(), 0);
  t.deepEqual(c0.texts(), ["h2", "h4", "h6"], "another client of the same subject is not disturbed");
});

test("subscriptions are shared per subject and dropped with their last client", async (t) => {
  const bus = new MemoryBus();
  const feed = new LiveFeed(bus, OPTS);
  const a = collect(feed);
  const b = collect(feed);
  a.tap.add("live.home.1");
  b.tap.add("live.home.1");
  b.tap.add("live.user.9");
  t.is(feed.subjects, 2);
  a.tap.close();
  t.is(feed.subjects, 2);
  b.tap.remove("live.home.1");
  t.is(feed.subjects, 1);
  b.tap.close();
  t.is(feed.subjects, 0);
});

test("an id the history does not cover: one resync, then live messages", async (t) => {
  const bus = new MemoryBus({ liveCapacity: 2 });
  const feed = new LiveFeed(bus, OPTS);
  for (let i = 0; i < 5; i++) await bus.publish("live.home.1", enc(`m${i}`), `m${i}`);
  const c = collect(feed);
  c.tap.add("live.home.1");
  await c.tap.resume(1);
  t.is(c.resyncs(), 1);
  t.deepEqual(c.texts(), []);
  await bus.publish("live.home.1", enc("after"), "after");
  t.deepEqual(c.texts(), ["after"]);
});

test("after a reconnect to the bus, each client gets what its subscriptions missed, once", async (t) => {
  const bus = new MemoryBus();
  let down = false;
  let reconnect = () => {};
  const flaky: EventBus = Object.assign(Object.create(bus) as EventBus, {
    subscribeLive: (subject: string, cb: (m: LiveMessage) => void) => bus.subscribeLive(subject, (m) => (down ? undefined : cb(m))),
    onReconnect: (cb: () => void) => {
      reconnect = cb;
      return () => {};
    },
  });
  const feed = new LiveFeed(flaky, OPTS);
  const c = collect(feed);
  c.tap.add("live.home.1");
  await bus.publish("live.home.1", enc("a"), "a");
  down = true;
  await bus.publish("live.home.1", enc("b"), "b");
  await bus.publish("live.home.1", enc("c"), "c");
  down = false;
  reconnect();
  t.true(await eventually(() => c.got.length === 3));
  await bus.publish("live.home.1", enc("d"), "d");
  t.deepEqual(c.texts(), ["a", "b", "c", "d"]);
});

test("clients that ask at once share the round trips that make their subscriptions live", async (t) => {
  const bus = new MemoryBus();
  let pings = 0;
  const counted: EventBus = Object.assign(Object.create(bus) as EventBus, {
    ping: async () => {
      pings++;
      await new Promise((r) => setTimeout(r, 20));
    },
  });
  const feed = new LiveFeed(counted, OPTS);
  await Promise.all(Array.from({ length: 50 }, () => collect(feed).tap.ready()));
  t.true(pings <= 2, `${pings} round trips for 50 clients`);
  await feed.ready();
  t.true(pings <= 3);
});
