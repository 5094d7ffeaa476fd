// Request-scoped values (request id, caller's token) that outgoing calls to
// other services pick up, without threading them through every function.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestScope {
  requestId: string;
  /** The caller's raw bearer token, forwarded to downstream services. */
  authorization?: string;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export const REQUEST_ID_HEADER = "x-request-id";

/**
 * "1" on a call one service makes to another, which the admission limit lets
 * through (kit/grpc-unary.ts); the services' clients set it unless the call
 * already says otherwise. The gateway's calls say "0": they are the edge's.
 */
export const INTERNAL_CALL_HEADER = "x-chirp-internal";

/** Accept a caller's request id only if it is short and plain. */
export function sanitizeRequestId(value: string | null): string | undefined {
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}
