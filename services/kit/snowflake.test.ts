import test from "ava";
import { CHIRP_EPOCH_MS, Snowflake, snowflakeFloor, snowflakeTime } from "./snowflake.js";

test("1M ids from one generator are unique and strictly increasing", (t) => {
  const gen = new Snowflake({ workerId: 7 });
  let prev = -1n;
  let violations = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const id = gen.next();
    if (id <= prev) violations++;
    prev = id;
  }
  t.is(violations, 0);
  t.true(prev > 0n && prev < 2n ** 63n);
});

test("concurrent callers and several workers never collide", async (t) => {
  const gens = [new Snowflake({ workerId: 1 }), new Snowflake({ workerId: 2 }), new Snowflake({ workerId: 3 })];
  const all = new Set<bigint>();
  let total = 0;
  await Promise.all(
    Array.from({ length: 30 }, async (_, task) => {
      const gen = gens[task % gens.length]!;
      for (let i = 0; i < 2000; i++) {
        all.add(gen.next());
        total++;
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
    }),
  );
  t.is(all.size, total);
});

test("ids keep increasing when the clock steps back", (t) => {
  let now = CHIRP_EPOCH_MS + 10_000_000;
  const steps: number[] = [];
  const gen = new Snowflake({ workerId: 5, now: () => now, onClockBackwards: (ms) => steps.push(ms) });
  const before = gen.next();
  now -= 5_000; // NTP steps the clock back five seconds
  const ids = Array.from({ length: 10_000 }, () => gen.next());
  t.true(ids[0]! > before);
  for (let i = 1; i < ids.length; i++) t.true(ids[i]! > ids[i - 1]!);
  t.true(steps.length > 0);
  t.is(steps[0], 5_000);
  now += 10_000; // and forward again: back to real time
  const after = gen.next();
  t.is(snowflakeTime(after), now);
});

test("more than 4096 ids in one millisecond borrow the next one, still unique", (t) => {
  const now = CHIRP_EPOCH_MS + 1_000;
  const gen = new Snowflake({ workerId: 0, now: () => now });
  const ids = Array.from({ length: 10_000 }, () => gen.next());
  t.is(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) t.true(ids[i]! > ids[i - 1]!);
  t.is(snowflakeTime(ids[0]!), now);
  t.is(snowflakeTime(ids[9_999]!), now + 2); // 10,000 ids need three milliseconds
});

test("time round-trips and floors order with ids", (t) => {
  const at = Date.UTC(2026, 5, 1, 12, 0, 0);
  const gen = new Snowflake({ workerId: 1023, now: () => at });
  const id = gen.next();
  t.is(snowflakeTime(id), at);
  t.true(snowflakeFloor(at) <= id);
  t.true(snowflakeFloor(at + 1) > id);
});

test("worker id must fit in 10 bits", (t) => {
  t.throws(() => new Snowflake({ workerId: 1024 }), { instanceOf: RangeError, message: /0 to 1023/ });
  t.throws(() => new Snowflake({ workerId: -1 }), { instanceOf: RangeError });
  t.throws(() => new Snowflake({ workerId: 1.5 }), { instanceOf: RangeError });
});
