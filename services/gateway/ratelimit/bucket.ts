// Token-bucket arithmetic shared by the adapters (the Redis Lua script does
// the same refill; its result is turned into a Decision here).
import type { BucketRule, Decision } from "./port.js";

/** Tokens after `elapsedMs` of refill, capped at the capacity. */
export function refill(tokens: number, elapsedMs: number, rule: BucketRule): number {
  return Math.min(rule.capacity, tokens + (Math.max(0, elapsedMs) * rule.capacity) / rule.windowMs);
}

/** The decision for a bucket holding `tokens` after the take (or the refusal). */
export function decision(allowed: boolean, tokens: number, rule: BucketRule): Decision {
  const msPerToken = rule.windowMs / rule.capacity;
  return {
    allowed,
    limit: rule.capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetMs: Math.max(0, Math.ceil((rule.capacity - tokens) * msPerToken)),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) * msPerToken)),
  };
}
