// Token buckets in Redis, shared by every gateway replica. One Lua script per
// check refills, takes and stores atomically, timed by the Redis server's
// clock (replicas' clocks may disagree). One key per bucket, hash-tagged, so
// it works on Redis Cluster and any future multi-key variant stays in a slot.
import type { Cluster, Redis } from "ioredis";
import { decision } from "./bucket.js";
import type { BucketRule, Decision, RateLimiter } from "./port.js";

// KEYS[1] bucket hash {tokens, at}; ARGV: capacity, window ms.
// Returns {allowed 0|1, tokens after as a string (Lua numbers would be
// truncated to integers on the way out)}.
const TAKE = `
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / window)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
-- Gone once it would be full again: a full bucket and no bucket are the same.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * window / capacity) + 1000)
return {allowed, tostring(tokens)}
`;

type Client = (Redis | Cluster) & {
  chirpTakeToken(key: string, capacity: number, windowMs: number): Promise<[number, string]>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly client: Client;

  /** `prefix` isolates deployments and test suites sharing one Redis. */
  constructor(
    client: Redis | Cluster,
    private readonly prefix: string,
    private readonly ownsClient = false,
  ) {
    client.defineCommand("chirpTakeToken", { numberOfKeys: 1, lua: TAKE });
    this.client = client as Client;
  }

  /** The Redis key of a bucket: `<prefix>ratelimit:{<key>}`. */
  keyOf(key: string): string {
    return `${this.prefix}ratelimit:{${key.replace(/[{}]/g, "_")}}`;
  }

  async take(key: string, rule: BucketRule): Promise<Decision> {
    const [allowed, tokens] = await this.client.chirpTakeToken(this.keyOf(key), rule.capacity, rule.windowMs);
    return decision(allowed === 1, Number(tokens), rule);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }
}
