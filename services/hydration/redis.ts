// The hydration cache on Redis (one server or a Redis Cluster). One key per
// entry, `${prefix}h:<kind>:<id>`, holding either "v<generation>:<protobuf>"
// or a marker "g<generation>" left by an invalidation (port.ts). Reads are
// plain GETs, pipelined per master; fills and invalidations are one-key
// scripts, so they route on a cluster like any command.
import type { ChainableCommander } from "ioredis";
import { groupByNode, type RedisClient } from "../platform/redis/slots.js";
import type { CacheRead, HydrationCache, KeptStates, Kind } from "./port.js";

// Writes the value if the entry holds no value and its generation is still
// ARGV[1]. ARGV: generation, value, ttl ms.
const FILL_LUA = `
local cur = redis.call('get', KEYS[1])
local gen = 0
if cur then
  if string.sub(cur, 1, 1) == 'v' then return 0 end
  gen = tonumber(string.sub(cur, 2)) or 0
end
if gen ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[1], 'v' .. ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1
`;

// Replaces the entry with a marker of the next generation. ARGV: ttl ms.
const INVALIDATE_LUA = `
local cur = redis.call('get', KEYS[1])
local gen = 0
if cur then
  local digits = string.match(cur, '^[vg](%d+)')
  gen = tonumber(digits) or 0
end
redis.call('set', KEYS[1], 'g' .. (gen + 1), 'PX', ARGV[1])
return gen + 1
`;

type WithScripts = ChainableCommander & {
  hcFill(key: string, generation: number, value: Uint8Array, ttlMs: number): ChainableCommander;
  hcInvalidate(key: string, ttlMs: number): ChainableCommander;
};

const V = 0x76; // "v"
const COLON = 0x3a;

/** A stored entry: its value, or the generation of a marker. */
export function decodeEntry(raw: Buffer): { value: Uint8Array } | { generation: number } {
  if (raw[0] === V) {
    const colon = raw.indexOf(COLON);
    return { value: raw.subarray(colon + 1) };
  }
  return { generation: Number(raw.subarray(1).toString("latin1")) || 0 };
}

/** ioredis sends a Buffer as bytes, but any other Uint8Array as its text form. */
const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

export class RedisHydrationCache implements HydrationCache {
  constructor(
    private readonly client: RedisClient,
    private readonly o: {
      prefix: string;
      ttlMs: number;
      /** How long an invalidation's marker stays: longer than any read-through takes. */
      markerTtlMs: number;
    },
  ) {
    client.defineCommand("hcFill", { numberOfKeys: 1, lua: FILL_LUA });
    client.defineCommand("hcInvalidate", { numberOfKeys: 1, lua: INVALIDATE_LUA });
  }

  private key(kind: Kind, id: bigint): string {
    return `${this.o.prefix}h:${kind}:${id}`;
  }

  /** Runs `add` for each id in one pipeline per master, in parallel; the replies by id. */
  private async perMaster(kind: Kind, ids: readonly bigint[], add: (p: ChainableCommander, key: string, i: number) => void) {
    const out = new Map<bigint, unknown>();
    const groups = groupByNode(this.client, ids.map((id, i) => ({ id, i, key: this.key(kind, id) })), (x) => x.key);
    await Promise.all(
      groups.map(async (g) => {
        const p = this.client.pipeline();
        for (const x of g) add(p, x.key, x.i);
        const replies = (await p.exec()) ?? [];
        g.forEach((x, k) => {
          const [err, reply] = replies[k] ?? [new Error("no reply")];
          if (err) throw err;
          out.set(x.id, reply);
        });
      }),
    );
    return out;
  }

  async read(kind: Kind, ids: readonly bigint[]): Promise<CacheRead> {
    const out: CacheRead = { hits: new Map(), misses: new Map() };
    if (ids.length === 0) return out;
    const replies = await this.perMaster(kind, ids, (p, key) => void p.getBuffer(key));
    for (const id of ids) {
      const raw = replies.get(id) as Buffer | null | undefined;
      if (!raw) {
        out.misses.set(id, 0);
        continue;
      }
      const e = decodeEntry(raw);
      if ("value" in e) out.hits.set(id, e.value);
      else out.misses.set(id, e.generation);
    }
    return out;
  }

  async fill(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<void> {
    if (values.length === 0) return;
    await this.perMaster(
      kind,
      values.map(([id]) => id),
      (p, key, i) => void (p as WithScripts).hcFill(key, values[i]![2], asBuffer(values[i]![1]), this.o.ttlMs),
    );
  }

  async invalidate(kind: Kind, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await this.perMaster(kind, ids, (p, key) => void (p as WithScripts).hcInvalidate(key, this.o.markerTtlMs));
  }

  /** A viewer's states under one version: a hash of tweet id to bits, and "since"; the viewer is the hash tag. */
  private statesKey(viewerId: bigint, version: string): string {
    return `${this.o.prefix}h:vs:{${viewerId}}:${version}`;
  }

  async readStates(viewerId: bigint, version: string, tweetIds: readonly bigint[]): Promise<KeptStates> {
    const reply = await this.client.hmget(this.statesKey(viewerId, version), "since", ...tweetIds.map(String));
    const states = new Map<bigint, number>();
    if (reply[0] === null) return { since: undefined, states };
    tweetIds.forEach((id, i) => {
      const v = reply[i + 1];
      if (v !== null && v !== undefined) states.set(id, Number(v));
    });
    return { since: Number(reply[0]), states };
  }

  async fillStates(viewerId: bigint, version: string, states: ReadonlyMap<bigint, number>, ttlMs: number): Promise<void> {
    if (states.size === 0) return;
    const key = this.statesKey(viewerId, version);
    const fields: string[] = [];
    for (const [id, bits] of states) fields.push(String(id), String(bits));
    // The entry's life counts from its first fill: later fills do not extend it.
    const p = this.client.pipeline().hsetnx(key, "since", Date.now()).hset(key, ...fields).pexpire(key, ttlMs, "NX");
    for (const [err] of (await p.exec()) ?? []) if (err) throw err;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
