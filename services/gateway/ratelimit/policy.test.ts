import test from "ava";
import { pino } from "pino";
import { MemoryRateLimiter } from "./memory.js";
import { LimitPolicy } from "./policy.js";
import type { RateLimiter } from "./port.js";

const logger = pino({ level: "silent" });
const anonymous = async () => undefined;

test("the tighter bucket is reported; refusal says which and when to retry", async (t) => {
  const p = new LimitPolicy(new MemoryRateLimiter(), { perIpPerMinute: 100, perUserPerMinute: 2 }, logger);
  const first = await p.check("10.0.0.1", async () => 5n);
  t.deepEqual(first, {
    allowed: true,
    headers: { "ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "30", "ratelimit-policy": "2;w=60" },
  });
  await p.check("10.0.0.2", async () => 5n);
  const refused = await p.check("10.0.0.3", async () => 5n);
  t.false(refused.allowed);
  t.is(refused.refusedBy, "user");
  t.is(refused.headers["retry-after"], "30");
  // Without a token only the address counts.
  t.is((await p.check("10.0.0.3", anonymous)).headers["ratelimit-limit"], "100");
});

test("the token is only looked at when it matters", async (t) => {
  let asked = 0;
  const subject = async () => (asked++, 9n);
  const ipOnly = new LimitPolicy(new MemoryRateLimiter(), { perIpPerMinute: 1, perUserPerMinute: 0 }, logger);
  await ipOnly.check("a", subject);
  t.is(asked, 0, "per-user limit off");
  const both = new LimitPolicy(new MemoryRateLimiter(), { perIpPerMinute: 1, perUserPerMinute: 10 }, logger);
  await both.check("b", subject);
  t.is(asked, 1);
  t.false((await both.check("b", subject)).allowed);
  t.is(asked, 1, "refused by address before verifying");
});

test("limits off: no headers; a failing store lets requests through and says so", async (t) => {
  const off = new LimitPolicy(new MemoryRateLimiter(), { perIpPerMinute: 0, perUserPerMinute: 0 }, logger);
  t.deepEqual(await off.check("x", anonymous), { allowed: true, headers: {} });
  let errors = 0;
  const broken: RateLimiter = { take: async () => Promise.reject(new Error("redis down")), close: async () => {} };
  const p = new LimitPolicy(broken, { perIpPerMinute: 1, perUserPerMinute: 1 }, logger, () => errors++);
  t.deepEqual(await p.check("x", anonymous), { allowed: true, headers: {} });
  t.is(errors, 1);
});

test("a store that does not answer in time counts as failed: the request goes through", async (t) => {
  const stuck: RateLimiter = { take: () => new Promise(() => {}), close: async () => {} };
  const p = new LimitPolicy(stuck, { perIpPerMinute: 1, perUserPerMinute: 0, timeoutMs: 50 }, logger);
  const started = Date.now();
  t.deepEqual(await p.check("x", anonymous), { allowed: true, headers: {} });
  t.true(Date.now() - started < 1000);
});
