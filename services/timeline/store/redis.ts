// The timeline store on Redis (one server or a Redis Cluster).
//
// Each home timeline is one sorted set `${prefix}tl:{<userId>}`. Snowflake ids
// (~2^62) do not fit a score (a double holds 53 bits exactly), so every member
// has score 0 and is the id as a 20-digit zero-padded decimal: with equal
// scores Redis orders members lexicographically, which for fixed-width digits
// is numeric order, exactly. Pages come from ZREVRANGEBYLEX.
//
// Sentinel members sort below every id ("0" < "00" < "000" < "0…<20 digits>"):
//   "0"   - the timeline exists (building or built): fan-out may write to it;
//   "00"  - the timeline is built: readers may trust it;
//   "000" - (user timelines) the list holds the owner's whole history.
// Trimming keeps the two lowest ranks and the newest `cap` ids. While a
// timeline is being built it has one sentinel, so it may hold cap + 1 ids
// until finishBuild trims it; that saves a lookup per write. A complete list
// that reaches the cap loses "000" to the same trim, as it should.
//
// Keys are `${prefix}${family}:{<userId>}`: the family ("tl": home timelines)
// lets user timelines share this code under keys of their own. The user id in
// braces is the hash tag: a timeline and its lock share a slot.
// Multi-user writes are grouped by owning master, one script call per master.
import type { ChainableCommander } from "ioredis";
import { freshStatesVersion, idMember, type FanoutProgress, type TimelinePage, type TimelineStore } from "./port.js";
import { chunk } from "../../kit/chunk.js";
import { groupByNode, isCluster, type RedisClient } from "../../platform/redis/slots.js";

const EXISTS = "0";
const BUILT = "00";
const COMPLETE = "000";
/** Exclusive lower bound of ZREVRANGEBYLEX that leaves out every sentinel. */
const ABOVE_SENTINELS = `(${COMPLETE}`;

// Add to existing timelines only, then trim, atomically per timeline: a
// plain ZADD would create a missing timeline that readers would take for a
// complete one, and a separate EXISTS check could race with expiry.
// One call covers many timelines on one server: ioredis's cost per command,
// not Redis, bounded fan-out when each timeline was its own call. Timeline
// keys are KEYS plus the ARGV tail after the members. On a Redis Cluster only
// the first key is declared (it routes the call) and the rest, all owned by
// the same master, ride in ARGV: declared keys must share one slot, and the
// allow-cross-slot-keys flag lets a script touch other slots of its node (a
// key not served there fails the call; see onMaster()). Replies with how many
// timelines existed.
const ADD_LUA = `#!lua flags=allow-cross-slot-keys
local cap = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local zargs = {}
for i = 1, n do
  zargs[2 * i - 1] = 0
  zargs[2 * i] = ARGV[2 + i]
end
local added = 0
local function add(key)
  if redis.call('exists', key) == 1 then
    redis.call('zadd', key, unpack(zargs))
    redis.call('zremrangebyrank', key, 2, -(cap + 1))
    added = added + 1
  end
end
for i = 1, #KEYS do add(KEYS[i]) end
for i = 3 + n, #ARGV do add(ARGV[i]) end
return added
`;

// ADD_LUA for contiguous lists (user timelines, port.ts): a built list that
// is not complete takes only ids above its oldest (none when empty), since
// an older id (a late or redelivered event) would leave a gap below it.
const CONTIGUOUS_ADD_LUA = `#!lua flags=allow-cross-slot-keys
local cap = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local added = 0
local function add(key)
  if redis.call('exists', key) == 0 then return end
  added = added + 1
  local floor = false
  if redis.call('zscore', key, '${BUILT}') and not redis.call('zscore', key, '${COMPLETE}') then
    floor = redis.call('zrangebylex', key, '${ABOVE_SENTINELS}', '+', 'LIMIT', 0, 1)[1]
    if not floor then return end
  end
  local zargs = {}
  for i = 1, n do
    local m = ARGV[2 + i]
    if not floor or m > floor then
      zargs[#zargs + 1] = 0
      zargs[#zargs + 1] = m
    end
  end
  if #zargs == 0 then return end
  redis.call('zadd', key, unpack(zargs))
  redis.call('zremrangebyrank', key, 2, -(cap + 1))
end
for i = 1, #KEYS do add(KEYS[i]) end
for i = 3 + n, #ARGV do add(ARGV[i]) end
return added
`;

// Takes ids out of many timelines on one server, laid out like ADD_LUA's
// arguments. ZREM never creates a key, so no existence check is needed.
const REMOVE_LUA = `#!lua flags=allow-cross-slot-keys
local n = tonumber(ARGV[1])
local members = {}
for i = 1, n do members[i] = ARGV[1 + i] end
for i = 1, #KEYS do redis.call('zrem', KEYS[i], unpack(members)) end
for i = 2 + n, #ARGV do redis.call('zrem', ARGV[i], unpack(members)) end
return 0
`;

// A user's states version (port.ts statesVersion) into `v`: read it, or
// create it from ARGV[2] (a random number) when missing; renews its TTL (ARGV[1]).
const versionLua = (key: string) => `
local v = redis.call('get', ${key})
if v then redis.call('pexpire', ${key}, ARGV[1]) else v = ARGV[2]; redis.call('set', ${key}, v, 'PX', ARGV[1]) end
`;

// One page: up to ARGV[4] ids below ARGV[3] (newest first), and a read
// renews the timeline's TTL (ARGV[1]). Replies with the states version (KEYS[2],
// same hash tag; nil when not asked for), then "0" (not built), "1" (built) or
// "2" (built and complete) and the ids. One script call instead of a
// ZSCORE/ZREVRANGEBYLEX/PEXPIRE pipeline: on a Redis Cluster ioredis's
// pipeline bookkeeping cost more than the commands.
const pageLua = (withVersion: boolean) => `${withVersion ? versionLua("KEYS[2]") : "local v = false"}
if not redis.call('zscore', KEYS[1], '${BUILT}') then return {v, '0'} end
redis.call('pexpire', KEYS[1], ARGV[1])
local out = redis.call('zrevrangebylex', KEYS[1], ARGV[3], '${ABOVE_SENTINELS}', 'LIMIT', 0, ARGV[4])
table.insert(out, 1, redis.call('zscore', KEYS[1], '${COMPLETE}') and '2' or '1')
table.insert(out, 1, v)
return out
`;

// INCR keeps the TTL; a missing version stays missing, since creating "1"
// could repeat a value that expired with states cached under it.
const BUMP_VERSION_LUA = `
if redis.call('exists', KEYS[1]) == 1 then redis.call('incr', KEYS[1]) end
return 0
`;

const UNLOCK_LUA = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
`;

/** Members per Lua call: keeps unpack() far below Lua's stack limit. */
const MEMBER_CHUNK = 500;
/** Timelines per Lua call: bounds how long one call holds the server. */
const KEYS_PER_CALL = 1000;
/** Ids per ZMSCORE call. */
const PRESENCE_CHUNK = 1000;

type WithScripts = {
  tlAdd(numKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  tlAddContiguous(numKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  tlRemove(numKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  tlUnlock(key: string, token: string): Promise<number>;
  tlPage(key: string, ttlMs: number, unused: string, max: string, limit: number): Promise<Array<string | null>>;
  tlPageVersion(key: string, versionKey: string, ttlMs: number, fresh: string, max: string, limit: number): Promise<Array<string | null>>;
  tlVersion(versionKey: string, ttlMs: number, fresh: string): Promise<string>;
  tlBumpVersion(versionKey: string): Promise<number>;
};


export interface RedisStoreOptions {
  prefix: string;
  cap: number;
  ttlMs: number;
  /** The key family ("tl", home timelines, by default); the home store's dropAll forgets the other families too. */
  family?: string;
  /** The lists are contiguous (port.ts): user timelines. */
  contiguous?: boolean;
  /** Close the client in close(); false when the caller owns it. */
  ownsClient?: boolean;
}

export class RedisTimelineStore implements TimelineStore {
  readonly cap: number;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly family: string;
  private readonly addScript: "tlAdd" | "tlAddContiguous";

  constructor(
    private readonly client: RedisClient,
    private readonly opts: RedisStoreOptions,
  ) {
    if (opts.prefix.includes("{") || opts.prefix.includes("}")) {
      // A brace in the prefix would become the hash tag and put every key in one slot.
      throw new Error(`redis key prefix must not contain braces: ${JSON.stringify(opts.prefix)}`);
    }
    this.prefix = opts.prefix;
    this.cap = opts.cap;
    this.ttlMs = opts.ttlMs;
    this.family = opts.family ?? "tl";
    if (!/^[a-z]+$/.test(this.family)) throw new Error(`timeline key family must be lower-case letters: ${JSON.stringify(this.family)}`);
    this.addScript = opts.contiguous ? "tlAddContiguous" : "tlAdd";
    client.defineCommand("tlAdd", { lua: ADD_LUA });
    client.defineCommand("tlAddContiguous", { lua: CONTIGUOUS_ADD_LUA });
    client.defineCommand("tlRemove", { lua: REMOVE_LUA });
    client.defineCommand("tlUnlock", { numberOfKeys: 1, lua: UNLOCK_LUA });
    client.defineCommand("tlPage", { numberOfKeys: 1, lua: pageLua(false) });
    client.defineCommand("tlPageVersion", { numberOfKeys: 2, lua: pageLua(true) });
    client.defineCommand("tlVersion", { numberOfKeys: 1, lua: `${versionLua("KEYS[1]")}\nreturn v` });
    client.defineCommand("tlBumpVersion", { numberOfKeys: 1, lua: BUMP_VERSION_LUA });
  }

  /** Another family on the same client and prefix; closing it leaves the client to this store. */
  sibling(opts: Omit<RedisStoreOptions, "prefix" | "ownsClient">): RedisTimelineStore {
    return new RedisTimelineStore(this.client, { ...opts, prefix: this.prefix, ownsClient: false });
  }

  key(userId: bigint): string {
    return `${this.prefix}${this.family}:{${userId}}`;
  }

  private lockKey(userId: bigint): string {
    return `${this.prefix}${this.family}:{${userId}}:lock`;
  }

  private versionKey(userId: bigint): string {
    return `${this.prefix}${this.family}:{${userId}}:sv`;
  }

  // The key keeps the name the set was first stored under: renaming it would
  // forget every existing large account and drop its tweets from home pages.
  private get largeAccountsKey(): string {
    return `${this.prefix}celebrities`;
  }

  private get onlineKey(): string {
    return `${this.prefix}online`;
  }

  private progressKey(key: string): string {
    return `${this.prefix}fanout:{${key}}`;
  }

  async add(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<number> {
    if (userIds.length === 0 || tweetIds.length === 0) return 0;
    const keyGroups = this.keyGroups(userIds);
    const calls: Array<Promise<number>> = [];
    for (const [i, members] of chunk(tweetIds.map(idMember), MEMBER_CHUNK).entries()) {
      // Only the first chunk's replies count: all chunks agree on which timelines exist.
      for (const keys of keyGroups) {
        const call = this.onMaster(this.addScript, keys, [this.cap, members.length, ...members]);
        calls.push(i === 0 ? call : call.then(() => 0));
      }
    }
    return (await Promise.all(calls)).reduce((a, b) => a + b, 0);
  }

  async remove(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<void> {
    if (userIds.length === 0 || tweetIds.length === 0) return;
    const keyGroups = this.keyGroups(userIds);
    await Promise.all(
      chunk(tweetIds.map(idMember), MEMBER_CHUNK).flatMap((members) => keyGroups.map((keys) => this.onMaster("tlRemove", keys, [members.length, ...members]))),
    );
  }

  /** Timeline keys grouped by owning master, at most KEYS_PER_CALL a group. */
  private keyGroups(userIds: readonly bigint[]): string[][] {
    const keys = userIds.map((u) => this.key(u));
    return groupByNode(this.client, keys, (k) => k).flatMap((group) => chunk(group, KEYS_PER_CALL));
  }

  /** One script call for keys on one server; key by key if a key has moved away from it (resharding). */
  private async onMaster(script: "tlAdd" | "tlAddContiguous" | "tlRemove", keys: string[], args: Array<string | number>): Promise<number> {
    const cluster = isCluster(this.client);
    const run = (ks: string[]) => {
      const [declared, tail] = cluster ? [ks.slice(0, 1), ks.slice(1)] : [ks, []];
      return (this.client as unknown as WithScripts)[script](declared.length, ...declared, ...args, ...tail);
    };
    if (!cluster || keys.length === 1) return run(keys);
    try {
      return await run(keys);
    } catch (err) {
      if (!/non local key/i.test((err as Error).message)) throw err;
      // ZADD and ZREM are idempotent: redoing the keys the failed call reached is harmless.
      return (await Promise.all(keys.map((k) => run([k])))).reduce((a, b) => a + b, 0);
    }
  }

  async page(userId: bigint, before: bigint | undefined, limit: number, withStatesVersion = false): Promise<TimelinePage> {
    const max = before === undefined ? "+" : `(${idMember(before)}`;
    const scripts = this.client as unknown as WithScripts;
    // [states version, built flag, ...members]: read in place, as every home read does this.
    const reply = withStatesVersion
      ? await scripts.tlPageVersion(this.key(userId), this.versionKey(userId), this.ttlMs, freshStatesVersion(), max, limit)
      : await scripts.tlPage(this.key(userId), this.ttlMs, "", max, limit);
    const ids = new Array<bigint>(reply.length - 2);
    for (let i = 2; i < reply.length; i++) ids[i - 2] = BigInt(reply[i]!);
    const built = reply[1] !== "0";
    const page: TimelinePage = withStatesVersion ? { built, ids, statesVersion: reply[0]! } : { built, ids };
    if (reply[1] === "2") page.complete = true;
    return page;
  }

  async statesVersion(userId: bigint): Promise<string> {
    return (this.client as unknown as WithScripts).tlVersion(this.versionKey(userId), this.ttlMs, freshStatesVersion());
  }

  async bumpStatesVersion(userId: bigint): Promise<void> {
    await (this.client as unknown as WithScripts).tlBumpVersion(this.versionKey(userId));
  }

  async contains(userIds: readonly bigint[], tweetId: bigint): Promise<boolean[]> {
    const member = idMember(tweetId);
    const found = new Map<bigint, boolean>();
    const groups = groupByNode(this.client, userIds, (u) => this.key(u));
    await Promise.all(
      groups.map(async (g) => {
        const p = this.client.pipeline();
        for (const u of g) p.zscore(this.key(u), member);
        const replies = await exec(p);
        g.forEach((u, i) => found.set(u, replies[i] !== null));
      }),
    );
    return userIds.map((u) => found.get(u) ?? false);
  }

  async beginBuild(userId: bigint): Promise<void> {
    const key = this.key(userId);
    await exec(this.client.multi().zadd(key, "NX", 0, EXISTS).pexpire(key, this.ttlMs));
  }

  async finishBuild(userId: bigint, tweetIds: readonly bigint[], complete = false): Promise<void> {
    const key = this.key(userId);
    const args: Array<string | number> = [0, EXISTS, 0, BUILT];
    if (complete) args.push(0, COMPLETE);
    for (const id of tweetIds) args.push(0, idMember(id));
    const m = this.client.multi().zadd(key, ...args);
    if (this.opts.contiguous && !complete) {
      // Ids fan-out wrote meanwhile below the build's oldest are late events: a gap.
      const oldest = tweetIds.length ? tweetIds.reduce((a, b) => (b < a ? b : a)) : undefined;
      m.zremrangebylex(key, ABOVE_SENTINELS, oldest === undefined ? "+" : `(${idMember(oldest)}`);
    }
    await exec(m.zremrangebyrank(key, 2, -(this.cap + 1)).pexpire(key, this.ttlMs));
  }

  async tryLock(userId: bigint, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.lockKey(userId), token, "PX", ttlMs, "NX")) === "OK";
  }

  async unlock(userId: bigint, token: string): Promise<void> {
    await (this.client as unknown as WithScripts).tlUnlock(this.lockKey(userId), token);
  }

  async isLocked(userId: bigint): Promise<boolean> {
    return (await this.client.exists(this.lockKey(userId))) === 1;
  }

  async addLargeAccount(userId: bigint): Promise<void> {
    await this.client.sadd(this.largeAccountsKey, userId.toString());
  }

  async largeAccounts(): Promise<bigint[]> {
    return (await this.client.smembers(this.largeAccountsKey)).map((s) => BigInt(s));
  }

  async isLargeAccount(userId: bigint): Promise<boolean> {
    return (await this.client.sismember(this.largeAccountsKey, userId.toString())) === 1;
  }

  async markOnline(userId: bigint, ttlMs: number): Promise<void> {
    // One sorted set scored by expiry time: a batch of followers is checked
    // with one ZMSCORE, and stale entries are pruned by score as we go.
    const now = Date.now();
    await exec(
      this.client
        .pipeline()
        .zadd(this.onlineKey, "GT", now + ttlMs, userId.toString())
        .zremrangebyscore(this.onlineKey, "-inf", now),
    );
  }

  async online(userIds: readonly bigint[]): Promise<bigint[]> {
    if (userIds.length === 0) return [];
    const now = Date.now();
    const out: bigint[] = [];
    for (const part of chunk(userIds, PRESENCE_CHUNK)) {
      const scores = await this.client.zmscore(this.onlineKey, ...part.map((u) => u.toString()));
      part.forEach((u, j) => {
        const s = scores[j];
        if (s !== null && s !== undefined && Number(s) > now) out.push(u);
      });
    }
    return out;
  }

  async getProgress(key: string): Promise<FanoutProgress | undefined> {
    const raw = await this.client.get(this.progressKey(key));
    return raw === null ? undefined : (JSON.parse(raw) as FanoutProgress);
  }

  async setProgress(key: string, progress: FanoutProgress, ttlMs: number): Promise<void> {
    await this.client.set(this.progressKey(key), JSON.stringify(progress), "PX", ttlMs);
  }

  async dropAll(): Promise<void> {
    // SCAN each master for this prefix only: other tenants of the same Redis
    // (other test suites, other deployments) are left alone. A family other
    // than the home timelines' owns only its keys.
    const escaped = this.prefix.replace(/[*?[\]\\]/g, "\\$&");
    const pattern = this.family === "tl" ? `${escaped}*` : `${escaped}${this.family}:*`;
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
          cursor = next;
          // Keys found on a node live on that node: one pipeline, no cross-slot command.
          if (keys.length) await exec(keys.reduce((p, k) => p.unlink(k), node.pipeline()));
        } while (cursor !== "0");
      }),
    );
  }

  async memory(): Promise<Array<{ node: string; usedBytes: number; maxBytes: number }>> {
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    return Promise.all(
      nodes.map(async (n) => {
        const info = await n.info("memory");
        const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1] ?? 0);
        return { node: `${n.options.host ?? "?"}:${n.options.port ?? 6379}`, usedBytes: field("used_memory"), maxBytes: field("maxmemory") };
      }),
    );
  }

  async ping(): Promise<void> {
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    if (nodes.length === 0) throw new Error("no Redis Cluster master is known");
    await Promise.all(nodes.map((n) => n.ping()));
  }

  async close(): Promise<void> {
    if (this.opts.ownsClient ?? true) await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** Runs a pipeline or transaction and throws its first error. */
async function exec(p: ChainableCommander): Promise<unknown[]> {
  const res = await p.exec();
  if (res === null) throw new Error("redis transaction was aborted");
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
