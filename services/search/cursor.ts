// Search cursors: opaque to clients. A tweet cursor holds the last id
// examined and a digest of the query it belongs to, so a cursor from another
// query (or another endpoint, or made up) is refused, not silently applied.
// A people cursor holds the last account's place in the ranking.
import { createHash } from "node:crypto";
import { invalidArgument } from "../kit/errors.js";

const bad = () => invalidArgument("cursor", "is not a cursor returned by this search; start again without one");
const digest = (key: string) => createHash("sha256").update(key).digest("base64url").slice(0, 12);
const MAX_ID = 2n ** 63n - 1n;

function decode(cursor: string, re: RegExp): RegExpExecArray {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = re.exec(text);
  if (!m || Buffer.from(text).toString("base64url") !== cursor) throw bad();
  return m;
}

const id = (s: string) => {
  const v = BigInt(s);
  if (v > MAX_ID) throw bad();
  return v;
};

export function encodeTweetCursor(queryKey: string, before: bigint): string {
  return Buffer.from(`st1:${digest(queryKey)}:${before}`).toString("base64url");
}

/** The id to continue below; undefined for "" (the first page). */
export function decodeTweetCursor(queryKey: string, cursor: string): bigint | undefined {
  if (cursor === "") return undefined;
  const m = decode(cursor, /^st1:([A-Za-z0-9_-]{12}):([1-9][0-9]{0,18})$/);
  if (m[1] !== digest(queryKey)) throw bad();
  return id(m[2]!);
}

/** An account's place in a people ranking: the sort key of ranking.ts. */
export interface PersonPlace {
  tier: number;
  followers: bigint;
  userId: bigint;
}

export function encodeUserCursor(prefix: string, p: PersonPlace): string {
  return Buffer.from(`su1:${digest(prefix)}:${p.tier}:${p.followers}:${p.userId}`).toString("base64url");
}

export function decodeUserCursor(prefix: string, cursor: string): PersonPlace | undefined {
  if (cursor === "") return undefined;
  const m = decode(cursor, /^su1:([A-Za-z0-9_-]{12}):([0-2]):(0|[1-9][0-9]{0,18}):([1-9][0-9]{0,18})$/);
  if (m[1] !== digest(prefix)) throw bad();
  return { tier: Number(m[2]), followers: id(m[3]!), userId: id(m[4]!) };
}
