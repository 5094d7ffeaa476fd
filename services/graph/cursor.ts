// Page cursors: opaque to clients, but just "<list>:<user>:<last edge_id>"
// in base64url. Edges are ordered by edge_id (newest first) and an edge_id
// never changes, so "edges older than the last one seen" stays correct when
// edges are added (they are newer) or removed (they just vanish) between pages.
import { ListFollowerIdsRequestSchema } from "../../gen/chirp/graph/v1/graph_pb.js";
import { invalidArgument } from "../kit/errors.js";
import { int32Lte } from "../kit/proto-limits.js";
import type { ListKind } from "./store/port.js";

const PREFIX: Record<ListKind, string> = { followers: "fr", following: "fg" };

export function encodeCursor(kind: ListKind, userId: bigint, edgeId: bigint): string {
  return Buffer.from(`${PREFIX[kind]}:${userId}:${edgeId}`).toString("base64url");
}

/** The edge_id to continue before; undefined for the first page. */
export function decodeCursor(cursor: string, kind: ListKind, userId: bigint): bigint | undefined {
  if (cursor === "") return undefined;
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const m = /^(fr|fg):([1-9][0-9]{0,18}):([1-9][0-9]{0,18})$/.exec(text);
  if (!m) throw invalidArgument("cursor", "malformed");
  const edgeId = BigInt(m[3]!);
  if (edgeId >= 2n ** 63n) throw invalidArgument("cursor", "malformed");
  if (m[1] !== PREFIX[kind] || BigInt(m[2]!) !== userId) throw invalidArgument("cursor", "belongs to another list");
  return edgeId;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** 0 means the default; the proto rule already keeps it within 0..100. */
export function pageLimit(limit: number, max = MAX_LIMIT, fallback = DEFAULT_LIMIT): number {
  if (limit < 0 || limit > max) throw invalidArgument("limit", `must be between 0 and ${max}`);
  return limit === 0 ? fallback : limit;
}

/** ListFollowerIds / ListFollowingIds pages (internal): the contract's own bound. */
export const MAX_ID_LIMIT = int32Lte(ListFollowerIdsRequestSchema.field.limit!);
export const DEFAULT_ID_LIMIT = 1000;
