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

/** Accept a caller's request id only if it is short and plain. */
export function sanitizeRequestId(value: string | null): string | undefined {
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}
