// Home-timeline cursors: opaque to clients, the last tweet id of the previous
// page inside. Versioned so the format can change without breaking old links.
import { invalidArgument } from "../kit/errors.js";

const PREFIX = "h1:";

export function encodeCursor(lastId: bigint): string {
  return Buffer.from(`${PREFIX}${lastId}`).toString("base64url");
}

/** undefined for "" (the first page); INVALID_ARGUMENT for anything not made by encodeCursor. */
export function decodeCursor(cursor: string): bigint | undefined {
  if (cursor === "") return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^h1:([1-9][0-9]{0,18})$/.exec(text);
  if (!m || Buffer.from(text).toString("base64url") !== cursor) {
    throw invalidArgument("cursor", "is not a cursor returned by this API");
  }
  const id = BigInt(m[1]!);
  if (id > 2n ** 63n - 1n) throw invalidArgument("cursor", "is not a cursor returned by this API");
  return id;
}
