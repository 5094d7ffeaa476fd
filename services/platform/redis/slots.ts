// Redis Cluster key slots, so a pipeline over many users' timelines can be
// split into one pipeline per master (ioredis refuses a pipeline whose keys
// live on different nodes). CRC16/XMODEM of the hash tag, mod 16384, as in
// the Redis Cluster specification.
import type { Cluster, Redis } from "ioredis";

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(s: string): number {
  const bytes = Buffer.from(s, "utf8");
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) % 16384;
  }
  return crc16(key) % 16384;
}

export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * Splits items by the master that owns their key: one group for a single
 * Redis, up to one per master for a cluster. Order within a group is kept.
 */
export function groupByNode<T>(client: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(client)) return items.length ? [items.slice()] : [];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const owner = ownerOf(client, keySlot(keyOf(item)));
    const g = groups.get(owner);
    if (g) g.push(item);
    else groups.set(owner, [item]);
  }
  return [...groups.values()];
}

/** The master that owns a slot; unknown (slots still loading): the slot itself, a group that is always accepted. */
export function ownerOf(client: Cluster, slot: number): string {
  return client.slots[slot]?.[0] ?? `slot:${slot}`;
}
