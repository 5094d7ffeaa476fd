// Caller authentication: EdDSA (Ed25519) JWT access tokens, verified with the
// algorithm, issuer and audience pinned, so `alg: none`, HS256-with-the-public-
// key and tokens for another audience are all refused.
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { errors as joseErrors, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey } from "jose";
import { DomainError, permissionDenied, unauthenticated } from "./errors.js";

const ALG = "EdDSA";

export interface TokenSettings {
  issuer: string;
  audience: string;
}

export interface Caller {
  userId: bigint;
  /** The session the token was issued for (refresh-token family). */
  sessionId: string;
}

/** Verified tokens remembered per process: every hop of a request checks the same token. */
const CACHE_SIZE = 10_000;

export class TokenVerifier {
  // Token → caller until the token's expiry. Only signatures that verified
  // are kept, so a hit proves what a fresh check would (access tokens are
  // not revocable before expiry either way).
  private readonly verified = new Map<string, { caller: Caller; expiresMs: number }>();

  private constructor(
    private readonly key: CryptoKey,
    private readonly settings: TokenSettings,
  ) {}

  static async fromPem(publicKeyPem: string, settings: TokenSettings): Promise<TokenVerifier> {
    return new TokenVerifier(await importSPKI(publicKeyPem, ALG), settings);
  }

  async verify(token: string): Promise<Caller> {
    const hit = this.verified.get(token);
    if (hit && hit.expiresMs > Date.now()) return hit.caller;
    this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ["sub", "exp", "sid"],
      });
      if (typeof payload.sub !== "string" || !/^[1-9][0-9]{0,18}$/.test(payload.sub) || typeof payload.sid !== "string") {
        throw unauthenticated("access token has malformed claims");
      }
      const caller: Caller = Object.freeze({ userId: BigInt(payload.sub), sessionId: payload.sid });
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { caller, expiresMs: payload.exp! * 1000 });
      return caller;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated("access token expired: refresh the session");
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw unauthenticated(`access token rejected: ${err.claim} claim is not valid here`);
      }
      throw unauthenticated("access token is not valid");
    }
  }
}

export class TokenSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly settings: TokenSettings & { ttlSeconds: number },
  ) {}

  static async fromPem(privateKeyPem: string, settings: TokenSettings & { ttlSeconds: number }): Promise<TokenSigner> {
    return new TokenSigner(await importPKCS8(privateKeyPem, ALG), settings);
  }

  async sign(caller: Caller, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + this.settings.ttlSeconds;
    const token = await new SignJWT({ sid: caller.sessionId })
      .setProtectedHeader({ alg: ALG, typ: "JWT" })
      .setSubject(caller.userId.toString())
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }
}

/** Set by the auth interceptor when the request carries a valid token. */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/** The authenticated caller, or UNAUTHENTICATED. */
export function requireCaller(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  if (!caller) throw unauthenticated("this call needs an access token: send 'Authorization: Bearer <token>'");
  return caller;
}

/** The caller, who must be `userId`: nobody acts for someone else. */
export function requireSelf(ctx: HandlerContext, userId: bigint, what = "this account"): Caller {
  const caller = requireCaller(ctx);
  if (caller.userId !== userId) throw permissionDenied(`only the owner can change ${what}`);
  return caller;
}

/** Extracts the token from an Authorization header value. */
export function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!m) throw unauthenticated("Authorization header must be 'Bearer <token>'");
  return m[1];
}
