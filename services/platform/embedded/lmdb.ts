// The embedded store: LMDB (memory-mapped, ACID, one writer at a time) under
// the data folder. Each service opens its own environment, so services still
// own their data in the all-in-one process.
import { mkdirSync } from "node:fs";
import { open, type RootDatabase } from "lmdb";

export type EmbeddedDb = RootDatabase<unknown, EmbeddedKey>;
export type EmbeddedKey = Array<string | number>;

export function openEmbedded(dir: string): EmbeddedDb {
  mkdirSync(dir, { recursive: true });
  return open<unknown, EmbeddedKey>({ path: dir, compression: false, encoding: "msgpack", keyEncoding: "ordered-binary" });
}

// LMDB orders keys byte-wise and its number keys are float64, which cannot
// hold a 64-bit id: ids are stored as fixed-width decimal strings instead.
export function idKey(id: bigint): string {
  return id.toString().padStart(20, "0");
}

export function fromIdKey(key: string): bigint {
  return BigInt(key);
}

/** The end of a key range: sorts after every key that starts with `prefix`. */
export const HIGH = "\uffff";
