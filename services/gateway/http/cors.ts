// CORS for browser clients: configured origins only, preflights answered
// here, and the headers a script needs to read (request id, rate limits)
// exposed. Tokens travel in the Authorization header, never cookies, so
// credentials mode is not needed.
import { HttpError } from "./errors.js";

export interface CorsSettings {
  /** Exact origins, or "*" for any. Empty: CORS is off. */
  origins: string[];
  maxAgeSeconds: number;
}

const ALLOWED_HEADERS = ["authorization", "content-type", "x-request-id"];
const EXPOSED_HEADERS = ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"];

export class Cors {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(private readonly settings: CorsSettings) {
    this.any = settings.origins.includes("*");
    this.origins = new Set(settings.origins);
  }

  private allows(origin: string): boolean {
    return this.any || this.origins.has(origin);
  }

  /** Headers for an actual (non-preflight) request; empty when not a CORS request or not allowed. */
  headers(origin: string | undefined): Record<string, string> {
    if (origin === undefined || !this.allows(origin)) return this.origins.size ? { vary: "Origin" } : {};
    return {
      "access-control-allow-origin": this.any ? "*" : origin,
      "access-control-expose-headers": EXPOSED_HEADERS.join(", "),
      ...(this.any ? {} : { vary: "Origin" }),
    };
  }

  /**
   * Answers a preflight: 204 with what is allowed, or an HttpError for an
   * origin that is not. `methods` are the ones the path accepts.
   */
  preflight(origin: string, requestedMethod: string, methods: string[]): Record<string, string> {
    if (!this.allows(origin)) throw new HttpError(403, "permission_denied", `origin ${origin} may not call this API`, { vary: "Origin" });
    if (!methods.includes(requestedMethod.toUpperCase())) {
      throw new HttpError(405, "unimplemented", `${requestedMethod} is not allowed here`, { allow: methods.join(", ") });
    }
    return {
      ...this.headers(origin),
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": ALLOWED_HEADERS.join(", "),
      "access-control-max-age": String(this.settings.maxAgeSeconds),
    };
  }
}
