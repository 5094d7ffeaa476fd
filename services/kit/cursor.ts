// Opaque page cursors of the tweet lists. A cursor is the last id a page
// returned (pages never use offsets), tagged with what it pages through so a
// cursor from one list cannot be replayed against another. In the kit because
// the tweet service and the timeline service (user timelines) make and read
// the same cursors: one is valid on either.
import { invalidArgument } from "./errors.js";

export type CursorKind = "user-tweets" | "replies";
const TAG: Record<CursorKind, string> = { "user-tweets": "ut1", replies: "rp1" };

export function encodeCursor(kind: CursorKind, lastId: bigint): string {
  return Buffer.from(`${TAG[kind]}:${lastId}`).toString("base64url");
}

/** The id in a cursor, or undefined for an empty cursor (the first page). */
export function decodeCursor(kind: CursorKind, cursor: string): bigint | undefined {
  if (cursor === "") return undefined;
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString() : "";
  const m = /^([a-z0-9]+):([1-9][0-9]{0,18})$/.exec(text);
  if (!m || m[1] !== TAG[kind] || BigInt(m[2]!) > 0x7fffffffffffffffn) {
    throw invalidArgument("cursor", "is not a cursor from this list; pass next_cursor from the previous page, or nothing");
  }
  return BigInt(m[2]!);
}
