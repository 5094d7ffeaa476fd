// In-process token buckets for the embedded mode (one gateway process).
// Full buckets are dropped by a sweep, so memory follows the active clients.
import { decision, refill } from "./bucket.js";
import type { BucketRule, Decision, RateLimiter } from "./port.js";

interface Bucket {
  tokens: number;
  at: number;
  /** When it will be full again: after that it can be forgotten. */
  fullAt: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now, sweepMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  async take(key: string, rule: BucketRule): Promise<Decision> {
    const now = this.now();
    const b = this.buckets.get(key);
    let tokens = b ? refill(b.tokens, now - b.at, rule) : rule.capacity;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    const d = decision(allowed, tokens, rule);
    this.buckets.set(key, { tokens, at: now, fullAt: now + d.resetMs });
    return d;
  }

  /** Forgets buckets that have refilled completely. */
  sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.fullAt <= now) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.buckets.clear();
  }
}
