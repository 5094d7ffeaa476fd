// The one error shape at the REST edge, {code, message, details}, and the
// standard gRPC → HTTP status mapping (google.rpc.Code's documented HTTP
// equivalents). Upstream messages pass through (the services already keep
// internals out of them); anything unexpected here becomes a bare 500.
import { create, toJson, type Registry } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { writeOptions } from "../transcode/json.js";

/** google.rpc.Code names in lower snake case: the `code` field of an error body. */
export const CODE_NAMES: Record<Code, string> = {
  [Code.Canceled]: "cancelled",
  [Code.Unknown]: "unknown",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out_of_range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data_loss",
  [Code.Unauthenticated]: "unauthenticated",
};

export const HTTP_STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export type ErrorDetail = Record<string, unknown> & { "@type": string };

export interface ErrorBody {
  code: string;
  message: string;
  details: ErrorDetail[];
}

/** An error the gateway itself answers with (routing, body, limits). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface HttpErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** Ours or an outage: log it loudly. */
  internal: boolean;
}

/**
 * Error details as the JSON form of google.protobuf.Any: the message's
 * fields plus "@type" when the type is known (buf.validate.Violations...),
 * else the raw bytes in base64 under "value". Field names are the proto
 * names, as in responses ("rule_id"); the field paths protovalidate reports
 * are proto names already.
 */
function detailsJson(err: ConnectError, registry: Registry): ErrorDetail[] {
  const opts = writeOptions(registry, { zeroValues: false });
  return err.details.map((d) => {
    if ("desc" in d) {
      // Made in this process (an in-process transport): already typed.
      const json = toJson(d.desc, create(d.desc, d.value), opts) as Record<string, unknown>;
      return { "@type": `type.googleapis.com/${d.desc.typeName}`, ...json };
    }
    const typeUrl = `type.googleapis.com/${d.type}`;
    try {
      return toJson(AnySchema, create(AnySchema, { typeUrl, value: d.value }), opts) as ErrorDetail;
    } catch {
      return { "@type": typeUrl, value: Buffer.from(d.value).toString("base64") };
    }
  });
}

export function errorResponse(err: unknown, registry: Registry): HttpErrorResponse {
  if (err instanceof HttpError) {
    return { status: err.status, body: { code: err.code, message: err.message, details: [] }, headers: err.headers, internal: err.status >= 500 };
  }
  if (err instanceof ConnectError) {
    const internal = err.code === Code.Internal || err.code === Code.Unknown || err.code === Code.DataLoss || err.code === Code.Unavailable;
    return {
      status: HTTP_STATUS[err.code] ?? 500,
      body: { code: CODE_NAMES[err.code] ?? "unknown", message: err.rawMessage, details: detailsJson(err, registry) },
      headers: {},
      internal,
    };
  }
  return { status: 500, body: { code: "internal", message: "internal error", details: [] }, headers: {}, internal: true };
}
