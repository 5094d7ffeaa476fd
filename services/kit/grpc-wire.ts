// Shared by the unary gRPC server and client paths: the 5-byte envelope
// (flags, big-endian length) and Node headers as Fetch Headers.
import type http2 from "node:http2";
import { LightHeaders } from "./light-headers.js";

export function envelope(bytes: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + bytes.length);
  frame[0] = 0;
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}

/** Node's headers without the HTTP/2 pseudo-headers. */
export function webHeaders(node: http2.IncomingHttpHeaders): Headers {
  const out = new LightHeaders();
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith(":") || v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.append(k, one);
    else out.append(k, v);
  }
  return out;
}
