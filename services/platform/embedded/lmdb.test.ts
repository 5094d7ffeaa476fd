import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromIdKey, HIGH, idKey, openEmbedded } from "./lmdb.js";

test("64-bit ids keep their value and their order as keys", async (t) => {
  const db = openEmbedded(mkdtempSync(join(tmpdir(), "chirp-lmdb-")));
  const ids = [9_223_372_036_854_775_807n, 1n, 7_000_000_000_000_000_123n, 7_000_000_000_000_000_122n];
  for (const id of ids) await db.put(["t", idKey(id)], id.toString());
  const back = [...db.getRange({ start: ["t"], end: ["t", HIGH] })].map((e) => fromIdKey(e.key[1] as string));
  t.deepEqual(back, [...ids].sort((a, b) => (a < b ? -1 : 1)));
  const newest = [...db.getRange({ start: ["t", HIGH], end: ["t"], reverse: true, limit: 1 })];
  t.is(newest[0]!.value, "9223372036854775807");
  await db.close();
});
