// One mapping from domain errors to gRPC codes. Handlers and stores throw
// DomainError (or ConnectError); everything else becomes INTERNAL with a
// generic message, so no internal detail or stack reaches a client.
import { Code, ConnectError } from "@connectrpc/connect";

export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "unauthenticated"
  | "permission_denied"
  | "failed_precondition"
  | "resource_exhausted"
  | "unavailable"
  | "deadline_exceeded"
  | "aborted";

const codeOf: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  deadline_exceeded: Code.DeadlineExceeded,
  aborted: Code.Aborted,
};

export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** The request field at fault, for invalid_argument. */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

export const invalidArgument = (field: string, message: string) =>
  new DomainError("invalid_argument", message, field);
export const notFound = (message: string) => new DomainError("not_found", message);
export const alreadyExists = (message: string) => new DomainError("already_exists", message);
export const unauthenticated = (message: string) => new DomainError("unauthenticated", message);
export const permissionDenied = (message: string) => new DomainError("permission_denied", message);
export const failedPrecondition = (message: string) => new DomainError("failed_precondition", message);
export const unavailable = (message: string) => new DomainError("unavailable", message);

/**
 * Backend client errors that mean "the dependency is down or unreachable"
 * rather than "this request is wrong". Adapters may register more names.
 */
const unavailableNames = new Set([
  "NoHostAvailableError", // cassandra-driver
  "OperationTimedOutError", // cassandra-driver
  "MaxRetriesPerRequestError", // ioredis
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);
export function registerUnavailableError(name: string): void {
  unavailableNames.add(name);
}

function isUnavailable(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return unavailableNames.has(err.name) || (typeof code === "string" && unavailableNames.has(code));
}

/** Set (to "1") on the trailers of a refusal for overload (admission.ts). */
export const SHED_HEADER = "x-chirp-shed";

/**
 * An UNAVAILABLE refusal for overload, marked as one, built without a stack
 * trace: nobody reads it, and capturing one is most of what an error costs.
 */
export function overloaded(message: string): ConnectError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ConnectError(message, Code.Unavailable, { [SHED_HEADER]: "1" });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether `err` is a refusal for overload, made in this process or by a service called over the network (read off its trailers). */
export function isShed(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.Unavailable && err.metadata.get(SHED_HEADER) === "1";
}

export interface MappedError {
  error: ConnectError;
  /** True when the cause is ours (a bug or an outage), worth logging loudly. */
  internal: boolean;
}

export function toConnectError(err: unknown): MappedError {
  if (err instanceof DomainError) {
    return { error: new ConnectError(err.message, codeOf[err.kind]), internal: err.kind === "unavailable" };
  }
  // A service downstream refused for overload: passed on as such (the caller
  // logs it the cheap way, not as an outage).
  if (isShed(err)) return { error: overloaded((err as ConnectError).rawMessage), internal: false };
  if (err instanceof ConnectError) {
    if (err.code === Code.Unknown || err.code === Code.Internal) {
      return { error: new ConnectError("internal error", Code.Internal), internal: true };
    }
    if (err.code === Code.Canceled || err.code === Code.DeadlineExceeded) {
      return { error: err, internal: false };
    }
    // A downstream service's answer passes through with its code and message
    // (already safe: it went through this same mapping there), without the
    // "[code]" prefix ConnectError adds to .message.
    const passed = new ConnectError(err.rawMessage, err.code);
    passed.details = err.details;
    return { error: passed, internal: err.code === Code.Unavailable };
  }
  if (err instanceof Error && isUnavailable(err)) {
    return { error: new ConnectError("a backend is unavailable, retry later", Code.Unavailable), internal: true };
  }
  return { error: new ConnectError("internal error", Code.Internal), internal: true };
}
