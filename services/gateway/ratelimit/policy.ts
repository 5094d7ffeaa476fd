// The gateway's limits: a bucket per client IP and one per signed-in user,
// each "N requests per minute" with bursts up to N. A request takes from the
// IP bucket and, with a valid token, from the user's; the tighter of the two
// is reported in the RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers).
// If the limiter's store fails, requests are let through: an outage of Redis
// must not become an outage of the API.
import type { Logger } from "../../kit/logger.js";
import type { BucketRule, Decision, RateLimiter } from "./port.js";

export interface LimitSettings {
  perIpPerMinute: number;
  perUserPerMinute: number;
  /** A check that takes longer counts as a failed store (and the request goes through). Default 500 ms. */
  timeoutMs?: number;
}

export interface LimitOutcome {
  allowed: boolean;
  /** RateLimit-* (and Retry-After when refused); empty when no limit applies. */
  headers: Record<string, string>;
  /** Which bucket refused: "ip" or "user". */
  refusedBy?: "ip" | "user";
}

const rule = (perMinute: number): BucketRule => ({ capacity: perMinute, windowMs: 60_000 });

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`rate limiter did not answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function limitHeaders(d: Decision): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(Math.ceil(d.resetMs / 1000)),
    "ratelimit-policy": `${d.limit};w=60`,
  };
  if (!d.allowed) headers["retry-after"] = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
  return headers;
}

export class LimitPolicy {
  private lastWarning = 0;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly settings: LimitSettings,
    private readonly logger: Logger,
    private readonly onStoreError: () => void = () => {},
  ) {}

  /** `subject` is asked only when the per-user limit is on and the IP one passed (it verifies a token). */
  async check(ip: string, subject: () => Promise<bigint | undefined>): Promise<LimitOutcome> {
    let tightest: Decision | undefined;
    try {
      if (this.settings.perIpPerMinute > 0) {
        tightest = await within(this.limiter.take(`ip:${ip}`, rule(this.settings.perIpPerMinute)), this.settings.timeoutMs ?? 500);
        if (!tightest.allowed) return { allowed: false, headers: limitHeaders(tightest), refusedBy: "ip" };
      }
      const userId = this.settings.perUserPerMinute > 0 ? await subject() : undefined;
      if (userId !== undefined) {
        const user = await within(this.limiter.take(`user:${userId}`, rule(this.settings.perUserPerMinute)), this.settings.timeoutMs ?? 500);
        if (!user.allowed) return { allowed: false, headers: limitHeaders(user), refusedBy: "user" };
        if (!tightest || user.remaining < tightest.remaining) tightest = user;
      }
    } catch (err) {
      this.onStoreError();
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err }, "rate limiter unavailable: letting requests through");
      }
      return { allowed: true, headers: {} };
    }
    return { allowed: true, headers: tightest ? limitHeaders(tightest) : {} };
  }
}
