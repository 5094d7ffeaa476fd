// Reads a request body up to a limit, as UTF-8 text. A declared length over
// the limit is refused before reading; a chunked body is cut off as soon as
// it crosses the limit.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function tooLarge(maxBytes: number): HttpError {
  // Connection: close, so the rest of an oversized body is not read.
  return new HttpError(413, "invalid_argument", `request body is larger than ${maxBytes} bytes`, { connection: "close" });
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  // HTTP/1.1: a request with neither header has no body (RFC 9112, 6.3), so there is nothing to wait for.
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return "";
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (size === 0) return "";
  try {
    return utf8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new HttpError(400, "invalid_argument", "request body is not valid UTF-8");
  }
}

/** A non-empty body must be JSON (application/json or a +json type). */
export function checkJsonContentType(contentType: string | undefined): void {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/json" || (type?.startsWith("application/") && type.endsWith("+json"))) {
    const charset = /charset=([^;]+)/i.exec(contentType ?? "")?.[1]?.trim().replace(/"/g, "").toLowerCase();
    if (charset === undefined || charset === "utf-8" || charset === "utf8") return;
    throw new HttpError(415, "invalid_argument", `request body must be UTF-8 JSON, not charset ${charset}`);
  }
  throw new HttpError(415, "invalid_argument", `request body must be application/json${type ? `, not ${type}` : " (no Content-Type was sent)"}`);
}
