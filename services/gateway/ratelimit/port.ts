// Rate limiting as a port: a token bucket per key, taken one token at a
// time. Adapters: in-process (embedded mode, one gateway) and Redis (cluster
// mode, every gateway replica shares the buckets).

export interface BucketRule {
  /** Tokens in a full bucket: the largest burst. */
  capacity: number;
  /** Time to refill an empty bucket; tokens come back evenly over it. */
  windowMs: number;
}

export interface Decision {
  allowed: boolean;
  /** The bucket's capacity (RateLimit-Limit). */
  limit: number;
  /** Whole tokens left after this request (RateLimit-Remaining). */
  remaining: number;
  /** Until the bucket is full again (RateLimit-Reset). */
  resetMs: number;
  /** Until the next token, when refused (Retry-After); 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string, rule: BucketRule): Promise<Decision>;
  close(): Promise<void>;
}
