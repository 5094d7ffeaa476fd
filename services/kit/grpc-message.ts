// connect-es percent-encodes grpc-message with encodeURIComponent, and
// @grpc/grpc-js decodes it with decodeURI, which leaves %3A, %2C, %24 … as
// they are: a grpc-js client would read "user_id%3A must be …". Re-encode the
// trailer the way the gRPC spec asks (only bytes outside 0x20-0x7E, and '%'),
// which every decoder reads back correctly.
import type { OutgoingHttpHeaders } from "node:http";
import type { RequestHandler } from "./listener.js";

export function minimalPercentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** A grpc-message as connect-es encodes it, encoded the spec's way instead. */
export function specGrpcMessage(connectEncoded: string): string {
  let decoded = connectEncoded;
  try {
    decoded = decodeURIComponent(connectEncoded);
  } catch {
    // not ours to fix: pass it on unchanged
  }
  return minimalPercentEncode(decoded);
}

export function withSpecGrpcMessage(handler: RequestHandler): RequestHandler {
  return (req, res) => {
    const add = res.addTrailers.bind(res) as (headers: OutgoingHttpHeaders) => void;
    res.addTrailers = ((headers: OutgoingHttpHeaders) => {
      const message = headers["grpc-message"];
      add(typeof message === "string" ? { ...headers, "grpc-message": specGrpcMessage(message) } : headers);
    }) as typeof res.addTrailers;
    handler(req, res);
  };
}
