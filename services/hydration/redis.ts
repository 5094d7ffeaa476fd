// The hydration cache on Redis (one server or a Redis Cluster). One key per
// entry, `${prefix}h:{<bucket>}:<kind>:<id>`, holding either
// "v<generation>:<protobuf>" or a marker "g<generation>" left by an
// invalidation (port.ts). The hash tag puts every entry in one of a few
// buckets (slots), so a read asks for each bucket's keys with one MGET, in
// one pipeline per master; fills and invalidations are one-key scripts.
import type { ChainableCommander } from "ioredis";
import { isCluster, keySlot, ownerOf, type RedisClient } from "../platform/redis/slots.js";
import { DEFAULT_BUCKETS } from "./config.js";
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

// Writes ARGV[2] over a value of generation ARGV[1], as the next generation,
// keeping the key's time to live. ARGV: generation, value.
const REPLACE_LUA = `
local cur = redis.call('get', KEYS[1])
if not cur or string.sub(cur, 1, 1) ~= 'v' then return 0 end
local gen = tonumber(string.match(cur, '^v(%d+):'))
if gen ~= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('pttl', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('set', KEYS[1], 'v' .. (gen + 1) .. ':' .. ARGV[2], 'PX', ttl)
return 1
`;

type WithScripts = ChainableCommander & {
  hcReplace(key: string, generation: number, value: Uint8Array): ChainableCommander;
  hcFill(key: string, generation: number, value: Uint8Array, ttlMs: number): ChainableCommander;
  hcInvalidate(key: string, ttlMs: number): ChainableCommander;
};

/** A command on one key, sent in the pipeline to the key's master: a GET (merged with its slot's other GETs into one MGET), or `add`'s. */
type Op = { key: string; get: true } | { key: string; add: (p: ChainableCommander, key: string) => void };

/** Which of `buckets` hash tags an id's entries carry: ids spread evenly whatever bits vary. */
export function bucketOf(id: bigint, buckets: number): number {
  const mixed = Number(id & 0xffffffffn) ^ Number((id >> 22n) & 0xffffffffn);
  return (Math.imul(mixed, 0x9e3779b1) >>> 0) % buckets;
}

interface Queued {
  ops: Op[];
  resolve: (replies: unknown[]) => void;
  reject: (err: unknown) => void;
}

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
  private queue: Queued[] = [];

  constructor(
    private readonly client: RedisClient,
    private readonly o: {
      prefix: string;
      ttlMs: number;
      /** How long an invalidation's marker stays: longer than any read-through takes. */
      markerTtlMs: number;
      /** Hash-tag buckets the entries spread over (HydrationConfig.buckets). */
      buckets?: number;
    },
  ) {
    client.defineCommand("hcFill", { numberOfKeys: 1, lua: FILL_LUA });
    client.defineCommand("hcInvalidate", { numberOfKeys: 1, lua: INVALIDATE_LUA });
    client.defineCommand("hcReplace", { numberOfKeys: 1, lua: REPLACE_LUA });
  }

  private key(kind: Kind, id: bigint): string {
    return `${this.o.prefix}h:{${bucketOf(id, this.o.buckets ?? DEFAULT_BUCKETS)}}:${kind}:${id}`;
  }

  /** Runs `add` for each id; the replies by id. */
  private async each(kind: Kind, ids: readonly bigint[], add: (p: ChainableCommander, key: string, i: number) => void) {
    const replies = await this.run(ids.map((id, i) => ({ key: this.key(kind, id), add: (p: ChainableCommander, key: string) => add(p, key, i) })));
    return new Map(ids.map((id, i) => [id, replies[i]]));
  }

  /**
   * Queues commands for the flush after this turn of the event loop: what
   * every request handled in the turn asks for (tweets, accounts, viewer
   * states) leaves in one pipeline per master, its GETs as one MGET per
   * bucket, so a busy process writes to Redis once per master and turn.
   */
  private run(ops: Op[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (this.queue.length > 1) return;
      setImmediate(() => {
        const batch = this.queue;
        this.queue = [];
        this.flush(batch).catch((err) => batch.forEach((b) => b.reject(err)));
      });
    });
  }

  private async flush(batch: Queued[]): Promise<void> {
    const replies = batch.map((b) => new Array<unknown>(b.ops.length));
    const failed = new Map<number, unknown>();
    type Item = { op: Op; caller: number; slot: number };
    // Per master: the GETs by slot, and the other commands.
    const masters = new Map<string, { gets: Map<number, Item[]>; others: Item[] }>();
    const cluster = isCluster(this.client) ? this.client : undefined;
    batch.forEach((b, caller) =>
      b.ops.forEach((op, slot) => {
        // One server takes an MGET of any keys: everything is "slot 0" there.
        const keySlotOf = cluster ? keySlot(op.key) : 0;
        const owner = cluster ? ownerOf(cluster, keySlotOf) : "";
        let m = masters.get(owner);
        if (!m) masters.set(owner, (m = { gets: new Map(), others: [] }));
        const item = { op, caller, slot };
        if (!("get" in op)) m.others.push(item);
        else {
          const g = m.gets.get(keySlotOf);
          if (g) g.push(item);
          else m.gets.set(keySlotOf, [item]);
        }
      }),
    );
    const settle = (x: Item, err: unknown, reply: unknown) => {
      if (err && !failed.has(x.caller)) failed.set(x.caller, err);
      replies[x.caller]![x.slot] = reply;
    };
    await Promise.all(
      [...masters.values()].map(async (m) => {
        const p = this.client.pipeline();
        const sent: Item[][] = [];
        for (const g of m.gets.values()) {
          p.mgetBuffer(...g.map((x) => x.op.key));
          sent.push(g);
        }
        for (const x of m.others) {
          if (!("get" in x.op)) x.op.add(p, x.op.key);
          sent.push([x]);
        }
        let res: Array<[Error | null, unknown]>;
        try {
          res = (await p.exec()) ?? [];
        } catch (err) {
          for (const g of sent) for (const x of g) settle(x, err, undefined);
          return;
        }
        sent.forEach((g, k) => {
          const [err, reply] = res[k] ?? [new Error("no reply"), undefined];
          if (g[0] && "get" in g[0].op) g.forEach((x, i) => settle(x, err, (reply as Array<Buffer | null> | undefined)?.[i]));
          else for (const x of g) settle(x, err, reply);
        });
      }),
    );
    batch.forEach((b, i) => (failed.has(i) ? b.reject(failed.get(i)) : b.resolve(replies[i]!)));
  }

  async read(kind: Kind, ids: readonly bigint[]): Promise<CacheRead> {
    const out: CacheRead = { hits: new Map(), misses: new Map() };
    if (ids.length === 0) return out;
    const replies = await this.run(ids.map((id) => ({ key: this.key(kind, id), get: true })));
    for (const [i, id] of ids.entries()) {
      const raw = replies[i] as Buffer | null | undefined;
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
    await this.each(
      kind,
      values.map(([id]) => id),
      (p, key, i) => void (p as WithScripts).hcFill(key, values[i]![2], asBuffer(values[i]![1]), this.o.ttlMs),
    );
  }

  async invalidate(kind: Kind, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await this.each(kind, ids, (p, key) => void (p as WithScripts).hcInvalidate(key, this.o.markerTtlMs));
  }

  async peek(kind: Kind, ids: readonly bigint[]): Promise<Map<bigint, { value: Uint8Array; generation: number }>> {
    const out = new Map<bigint, { value: Uint8Array; generation: number }>();
    if (ids.length === 0) return out;
    const replies = await this.run(ids.map((id) => ({ key: this.key(kind, id), get: true })));
    for (const [i, id] of ids.entries()) {
      const raw = replies[i] as Buffer | null | undefined;
      if (raw?.[0] !== V) continue;
      const colon = raw.indexOf(COLON);
      out.set(id, { value: raw.subarray(colon + 1), generation: Number(raw.subarray(1, colon).toString("latin1")) });
    }
    return out;
  }

  async replace(kind: Kind, values: ReadonlyArray<readonly [bigint, Uint8Array, number]>): Promise<boolean[]> {
    if (values.length === 0) return [];
    const replies = await this.each(
      kind,
      values.map(([id]) => id),
      (p, key, i) => void (p as WithScripts).hcReplace(key, values[i]![2], asBuffer(values[i]![1])),
    );
    return values.map(([id]) => replies.get(id) === 1);
  }

  /** A viewer's states under one version: a hash of tweet id to bits, and "since"; the viewer is the hash tag. */
  private statesKey(viewerId: bigint, version: string): string {
    return `${this.o.prefix}h:vs:{${viewerId}}:${version}`;
  }

  async readStates(viewerId: bigint, version: string, tweetIds: readonly bigint[]): Promise<KeptStates> {
    const key = this.statesKey(viewerId, version);
    const [reply] = (await this.run([{ key, add: (p) => void p.hmget(key, "since", ...tweetIds.map(String)) }])) as [Array<string | null>];
    if (reply[0] === null) return { since: undefined, bits: tweetIds.map(() => undefined) };
    const bits = tweetIds.map((_, i) => {
      const v = reply[i + 1];
      return v === null || v === undefined ? undefined : Number(v);
    });
    return { since: Number(reply[0]), bits };
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
