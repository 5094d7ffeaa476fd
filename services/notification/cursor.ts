// Notification page cursors: opaque to clients, the last head id of the
// previous page inside. Versioned so the format can change without breaking old links.
import { invalidArgument } from "../kit/errors.js";

const PREFIX = "n1:";

export function encodeCursor(lastId: bigint): string {
  return Buffer.from(`${PREFIX}${lastId}`).toString("base64url");
}

/** undefined for "" (the first page); INVALID_ARGUMENT for anything not made by encodeCursor. */
export function decodeCursor(cursor: string): bigint | undefined {
  if (cursor === "") return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^n1:([1-9][0-9]{0,18})$/.exec(text);
  if (!m || Buffer.from(text).toString("base64url") !== cursor || BigInt(m[1]!) > 2n ** 63n - 1n) {
    throw invalidArgument("cursor", "is not a cursor returned by this API; start again without one");
  }
  return BigInt(m[1]!);
}
