// Who a request is from, for the per-user limit: the verified subject of its
// bearer token. Verification (EdDSA) costs far more than the rest of the
// gateway's work, so results are remembered for a minute per token. This is
// only a rate-limit key: the services verify every token themselves, so a
// token that expires while cached can at worst count against its owner.
import type { TokenVerifier } from "../../kit/auth.js";

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i;

export class TokenSubjects {
  private readonly cache = new Map<string, { userId: bigint | undefined; until: number }>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user id, or undefined for no token or one that does not verify. */
  async of(authorization: string | undefined): Promise<bigint | undefined> {
    const token = authorization && BEARER.exec(authorization.trim())?.[1];
    if (!token) return undefined;
    const hit = this.cache.get(token);
    const now = this.now();
    if (hit && hit.until > now) return hit.userId;
    let userId: bigint | undefined;
    try {
      userId = (await this.verifier.verify(token)).userId;
    } catch {
      userId = undefined;
    }
    // Crude but bounded: start over rather than track recency.
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(token, { userId, until: now + this.ttlMs });
    return userId;
  }
}
