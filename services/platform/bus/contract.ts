// One contract for every EventBus adapter.
import type { ExecutionContext, TestFn } from "ava";
import type { BusMessage, EventBus } from "./port.js";
import { eventually } from "../../testing/eventually.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

export function busContract(test: TestFn, name: string, makeBus: () => Promise<{ bus: EventBus; cleanup: () => Promise<void> }>) {
  const withBus = (title: string, body: (t: ExecutionContext, bus: EventBus) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const { bus, cleanup } = await makeBus();
      try {
        await body(t, bus);
      } finally {
        await cleanup();
      }
    });

  withBus("a published event reaches a durable consumer once, intact", async (t, bus) => {
    const got: BusMessage[] = [];
    const sub = await bus.consume({ durable: "c1", subjects: ["tweet.created"], handler: async (m) => void got.push(m) });
    await bus.publish("tweet.created", enc("hello"), "id-1");
    t.true(await eventually(() => got.length === 1));
    await settle();
    t.is(got.length, 1);
    t.is(got[0]!.subject, "tweet.created");
    t.is(dec(got[0]!.data), "hello");
    t.is(got[0]!.msgId, "id-1");
    t.is(got[0]!.deliveryCount, 1);
    await sub.stop();
  });

  withBus("the same msgId published twice is delivered once", async (t, bus) => {
    const got: string[] = [];
    const sub = await bus.consume({ durable: "c2", subjects: ["tweet.created"], handler: async (m) => void got.push(m.msgId) });
    await bus.publish("tweet.created", enc("a"), "dup");
    await bus.publish("tweet.created", enc("a"), "dup");
    await bus.publish("tweet.created", enc("b"), "other");
    t.true(await eventually(() => got.length >= 2));
    await settle();
    t.deepEqual(got.sort(), ["dup", "other"]);
    await sub.stop();
  });

  withBus("a durable made after a subject was published gets its later events; wildcards route", async (t, bus) => {
    const early: string[] = [];
    const first = await bus.consume({ durable: "c2a", subjects: ["tweet.liked"], handler: async (m) => void early.push(m.msgId) });
    await bus.publish("tweet.liked", enc("a"), "before");
    t.true(await eventually(() => early.length === 1));
    const late: string[] = [];
    const second = await bus.consume({ durable: "c2b", subjects: ["tweet.*", "graph.>"], handler: async (m) => void late.push(m.msgId) });
    await bus.publish("tweet.liked", enc("b"), "after");
    await bus.publish("graph.followed", enc("c"), "graph");
    await bus.publish("user.updated", enc("d"), "elsewhere");
    t.true(await eventually(() => late.includes("after") && late.includes("graph") && early.length === 2));
    await settle();
    // JetStream may also hand the new durable what its stream kept from before; the memory bus keeps nothing.
    t.deepEqual(late.filter((id) => id !== "before").sort(), ["after", "graph"]);
    t.deepEqual(early, ["before", "after"]);
    await Promise.all([first.stop(), second.stop()]);
  });

  withBus("a failing handler gets the message again until it succeeds", async (t, bus) => {
    const attempts: number[] = [];
    const sub = await bus.consume({
      durable: "c3",
      subjects: ["graph.followed"],
      retryDelayMs: 50,
      handler: async (m) => {
        attempts.push(m.deliveryCount);
        if (m.deliveryCount < 3) throw new Error("transient");
      },
    });
    await bus.publish("graph.followed", enc("x"), "retry-1");
    t.true(await eventually(() => attempts.length === 3));
    await settle(500);
    t.deepEqual(attempts, [1, 2, 3]);
    await sub.stop();
  });

  withBus("delivery stops after maxDeliver attempts", async (t, bus) => {
    let attempts = 0;
    const sub = await bus.consume({
      durable: "c4",
      subjects: ["graph.unfollowed"],
      maxDeliver: 2,
      retryDelayMs: 50,
      handler: async () => {
        attempts++;
        throw new Error("permanent");
      },
    });
    await bus.publish("graph.unfollowed", enc("x"), "poison");
    t.true(await eventually(() => attempts === 2));
    await settle(600);
    t.is(attempts, 2);
    await sub.stop();
  });

  withBus("members of one durable share the work; another durable gets everything", async (t, bus) => {
    const a: string[] = [];
    const b: string[] = [];
    const audit: string[] = [];
    const subs = [
      await bus.consume({ durable: "workers", subjects: ["tweet.deleted"], concurrency: 1, handler: async (m) => void a.push(m.msgId) }),
      await bus.consume({ durable: "workers", subjects: ["tweet.deleted"], concurrency: 1, handler: async (m) => void b.push(m.msgId) }),
      await bus.consume({ durable: "audit", subjects: ["tweet.deleted"], handler: async (m) => void audit.push(m.msgId) }),
    ];
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const id of ids) await bus.publish("tweet.deleted", enc(id), id);
    t.true(await eventually(() => a.length + b.length === 40 && audit.length === 40));
    await settle();
    t.deepEqual([...a, ...b].sort(), [...ids].sort());
    t.deepEqual([...audit].sort(), [...ids].sort());
    for (const s of subs) await s.stop();
  });

  withBus("a consumer only sees its subjects", async (t, bus) => {
    const got: string[] = [];
    const sub = await bus.consume({ durable: "likes", subjects: ["tweet.liked"], handler: async (m) => void got.push(m.subject) });
    await bus.publish("tweet.created", enc("x"), "c-1");
    await bus.publish("tweet.liked", enc("y"), "l-1");
    t.true(await eventually(() => got.length === 1));
    await settle();
    t.deepEqual(got, ["tweet.liked"]);
    await sub.stop();
  });

  withBus("ephemeral subjects reach current subscribers only", async (t, bus) => {
    const got: string[] = [];
    bus.publishEphemeral("live.home.1", enc("before"));
    const sub = bus.subscribeEphemeral("live.home.1", (_s, d) => void got.push(dec(d)));
    await bus.ping(); // the subscription is registered with the server
    bus.publishEphemeral("live.home.1", enc("now"));
    bus.publishEphemeral("live.home.2", enc("someone else"));
    t.true(await eventually(() => got.length === 1));
    await settle(100);
    t.deepEqual(got, ["now"]);
    await sub.stop();
  });

  withBus("headers travel with the message (the trace context); a message without any has none", async (t, bus) => {
    const got: BusMessage[] = [];
    const sub = await bus.consume({ durable: "h1", subjects: ["tweet.unliked"], handler: async (m) => void got.push(m) });
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await bus.publish("tweet.unliked", enc("a"), "h-1", { traceparent });
    await bus.publish("tweet.unliked", enc("b"), "h-2");
    t.true(await eventually(() => got.length === 2));
    const byId = Object.fromEntries(got.map((m) => [m.msgId, m.headers]));
    t.deepEqual(byId["h-1"], { traceparent });
    t.is(byId["h-2"], undefined);
    await sub.stop();
  });

  withBus("consumer lag: messages waiting, in hand, and redelivered, per durable (for /metrics)", async (t, bus) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = await bus.consume({
      durable: "lag",
      subjects: ["user.updated"],
      concurrency: 10,
      retryDelayMs: 50,
      handler: async (m) => {
        if (m.msgId === "lag-0" && m.deliveryCount === 1) throw new Error("once");
        await gate;
      },
    });
    const lag = async () => (await bus.consumerLag!()).find((l) => l.durable === "lag");
    try {
      for (let i = 0; i < 5; i++) await bus.publish("user.updated", enc("x"), `lag-${i}`);
      // Every message in hand, one of them for the second time.
      const held = async () => {
        const l = await lag();
        return l !== undefined && l.pending + l.ackPending === 5 && l.redelivered === 1;
      };
      t.true(await eventually(held, 5000), JSON.stringify(await lag()));
    } finally {
      release();
    }
    const drained = async () => {
      const l = await lag();
      return l !== undefined && l.pending === 0 && l.ackPending === 0 && l.redelivered === 0;
    };
    t.true(await eventually(drained, 5000), JSON.stringify(await lag()));
    await sub.stop();
    t.is(await lag(), undefined, "a stopped consumer is not reported");
  });

  withBus("live: subscribers get stored messages with increasing sequences; replay after a sequence returns the rest of that subject", async (t, bus) => {
    const got: Array<{ seq: number; subject: string; text: string }> = [];
    const sub = bus.subscribeLive!("live.home.7", (m) => void got.push({ seq: m.seq, subject: m.subject, text: dec(m.data) }));
    const other = bus.subscribeLive!("live.user.8", (m) => void got.push({ seq: m.seq, subject: m.subject, text: dec(m.data) }));
    await bus.ping();
    await bus.publish("live.home.7", enc("a"), "lv-a");
    await bus.publish("live.user.8", enc("b"), "lv-b");
    await bus.publish("live.home.7", enc("c"), "lv-c");
    await bus.publish("live.home.7", enc("c"), "lv-c"); // a duplicate: stored once
    await bus.publish("live.home.9", enc("not mine"), "lv-d");
    t.true(await eventually(() => got.length === 3));
    await settle(100);
    t.deepEqual(got.map((g) => [g.subject, g.text]), [["live.home.7", "a"], ["live.user.8", "b"], ["live.home.7", "c"]]);
    t.true(got[0]!.seq < got[1]!.seq && got[1]!.seq < got[2]!.seq, "one sequence across subjects, in publish order");

    const all = await bus.replayLive!("live.home.7", got[0]!.seq - 1, 100);
    t.true(all.complete);
    t.deepEqual(all.messages.map((m) => [m.seq, dec(m.data)]), [[got[0]!.seq, "a"], [got[2]!.seq, "c"]]);
    const rest = await bus.replayLive!("live.home.7", got[0]!.seq, 100);
    t.deepEqual(rest.messages.map((m) => dec(m.data)), ["c"]);
    t.true(rest.complete);
    const none = await bus.replayLive!("live.home.7", got[2]!.seq, 100);
    t.deepEqual(none, { messages: [], complete: true });
    const capped = await bus.replayLive!("live.home.7", got[0]!.seq - 1, 1);
    t.deepEqual(capped.messages.map((m) => dec(m.data)), ["a"]);
    t.false(capped.complete, "more than asked for: the client must reload");
    t.false((await bus.replayLive!("live.home.7", got[2]!.seq + 1000, 100)).complete, "an id this stream never gave");
    await sub.stop();
    await other.stop();
  });

  withBus("stop() waits for the handler in progress", async (t, bus) => {
    let finished = false;
    let started = false;
    const sub = await bus.consume({
      durable: "slow",
      subjects: ["tweet.retweeted"],
      handler: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 200));
        finished = true;
      },
    });
    await bus.publish("tweet.retweeted", enc("x"), "slow-1");
    t.true(await eventually(() => started));
    await sub.stop();
    t.true(finished);
  });
}
