// One contract for every RateLimiter adapter. Times are real (the Redis
// adapter uses the server's clock), so rules use short windows.
import type { ExecutionContext, TestFn } from "ava";
import type { RateLimiter } from "./port.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rateLimiterContract(test: TestFn, name: string, make: () => Promise<{ limiter: RateLimiter; cleanup: () => Promise<void> }>) {
  const withLimiter = (title: string, body: (t: ExecutionContext, limiter: RateLimiter) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const { limiter, cleanup } = await make();
      try {
        await body(t, limiter);
      } finally {
        await cleanup();
      }
    });

  withLimiter("a full bucket allows a burst of its capacity, then refuses", async (t, limiter) => {
    const rule = { capacity: 3, windowMs: 60_000 };
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await limiter.take("burst", rule));
    t.deepEqual(
      seen.map((d) => [d.allowed, d.limit, d.remaining]),
      [
        [true, 3, 2],
        [true, 3, 1],
        [true, 3, 0],
        [false, 3, 0],
      ],
    );
    const refused = seen[3]!;
    // One token per 20 s: the next one is at most 20 s away, the full bucket at most 60 s.
    t.true(refused.retryAfterMs > 0 && refused.retryAfterMs <= 20_000, `retryAfterMs ${refused.retryAfterMs}`);
    t.true(refused.resetMs > 40_000 && refused.resetMs <= 60_000, `resetMs ${refused.resetMs}`);
    t.is(seen[0]!.retryAfterMs, 0);
  });

  withLimiter("tokens come back over the window", async (t, limiter) => {
    // A token every 1.5 s: slow enough that a busy machine cannot refill one
    // between the takes, quick enough to wait for.
    const rule = { capacity: 2, windowMs: 3000 };
    t.true((await limiter.take("refill", rule)).allowed);
    t.true((await limiter.take("refill", rule)).allowed);
    const refused = await limiter.take("refill", rule);
    t.false(refused.allowed);
    t.true(refused.retryAfterMs > 0 && refused.retryAfterMs <= 1500);
    await sleep(refused.retryAfterMs + 50);
    t.true((await limiter.take("refill", rule)).allowed);
  });

  withLimiter("keys are independent", async (t, limiter) => {
    const rule = { capacity: 1, windowMs: 60_000 };
    t.true((await limiter.take("ip:10.0.0.1", rule)).allowed);
    t.false((await limiter.take("ip:10.0.0.1", rule)).allowed);
    t.true((await limiter.take("ip:10.0.0.2", rule)).allowed);
    t.true((await limiter.take("user:42", rule)).allowed);
  });

  withLimiter("concurrent takes never over-admit", async (t, limiter) => {
    const rule = { capacity: 10, windowMs: 600_000 };
    const all = await Promise.all(Array.from({ length: 40 }, () => limiter.take("race", rule)));
    t.is(all.filter((d) => d.allowed).length, 10);
  });

  withLimiter("keys with braces, colons and IPv6 addresses are fine", async (t, limiter) => {
    const rule = { capacity: 1, windowMs: 60_000 };
    t.true((await limiter.take("ip:2001:db8::1", rule)).allowed);
    t.true((await limiter.take("odd}{key", rule)).allowed);
    t.false((await limiter.take("odd}{key", rule)).allowed);
  });
}
