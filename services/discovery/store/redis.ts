// The discovery store on Redis (one server or a Redis Cluster). Keys, under
// `${prefix}d:`:
//   tw:<tweet_id>      a counted tweet's record "<author>:<weight>:<ms>:<tag>,<tag>"; "x:<record>"
//                      once deleted (what to take back stays, for a redelivered delete); "x" for a
//                      deletion that came before its tweet. Expires when the tweet stops counting.
//   tag:<tag>          sorted set of "<author>:<tweet_id>:<weight>" by posting time (ms)
//   au:<author>        sorted set of the author's counted tweet ids by posting time
//   recent             sorted set of tags by last use
//   claim:<job>:<n>    one replica's claim of a job's run n (SET NX PX)
//   trends             the last computed trends (protobuf)
//   s:{<user>}:dis     sorted set of accounts the user dismissed, by when
//   s:{<user>}:c / :g  the user's cached suggestions (protobuf) and their generation
//   s:{<user>}:f       whom the user follows, newest first (8 bytes per id, big-endian)
//   active             sorted set of users by newest tweet time
//   popular            sorted set of users by follower count
// Every script touches one key, or keys of one user's hash tag, so each runs
// on one Redis Cluster node like any command.
import type { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../../platform/redis/slots.js";
import type {
  CachedSuggestions,
  DiscoveryStore,
  SuggestionStore,
  TagWindows,
  TrendStore,
  TweetContribution,
  WindowSpec,
} from "./port.js";

// Adds a member and makes the key live at least until ARGV[3]; drops members
// scored before ARGV[4]. ARGV: member, score, keep until (ms), trim before (ms).
const ADD_LUA = `
redis.call('zadd', KEYS[1], ARGV[2], ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', '(' .. ARGV[4])
local t = redis.call('pexpiretime', KEYS[1])
if t < 0 or t < tonumber(ARGV[3]) then redis.call('pexpireat', KEYS[1], ARGV[3]) end
return 1
`;

// Distinct authors and their weights per window (store/port.ts TagWindows),
// flattened [d][k] as (unique, weighted) pairs. ARGV: now, hour, day, days, hours.
const COUNT_LUA = `
local now = tonumber(ARGV[1])
local hour = tonumber(ARGV[2])
local day = tonumber(ARGV[3])
local days = tonumber(ARGV[4])
local hours = tonumber(ARGV[5])
local out = {}
for d = 0, days do
  local hi = now - d * day
  local lo = hi - hours * hour
  local seen = {}
  for k = 0, hours - 1 do seen[k] = {} end
  local r = redis.call('zrangebyscore', KEYS[1], string.format('%.0f', lo), '(' .. string.format('%.0f', hi), 'WITHSCORES')
  for i = 1, #r, 2 do
    local author, w = string.match(r[i], '^(%d+):%d+:(%d+)$')
    if author then
      local k = math.floor((hi - tonumber(r[i + 1]) - 1) / hour)
      local s = seen[k]
      if s then
        w = tonumber(w)
        local cur = s[author]
        if not cur or w > cur then s[author] = w end
      end
    end
  end
  for k = 0, hours - 1 do
    local n, sum = 0, 0
    for _, w in pairs(seen[k]) do
      n = n + 1
      sum = sum + w
    end
    out[#out + 1] = n
    out[#out + 1] = sum
  end
end
return out
`;

// Keeps the suggestions unless invalidated since ARGV[1] was read.
// KEYS: value, generation. ARGV: generation, value, ttl ms.
const FILL_LUA = `
local g = tonumber(redis.call('get', KEYS[2]) or '0')
if g ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

// KEYS: value, generation. ARGV: how long the generation outlives any computation (ms).
const INVALIDATE_LUA = `
redis.call('del', KEYS[1])
local g = redis.call('incr', KEYS[2])
redis.call('pexpire', KEYS[2], ARGV[1])
return g
`;

type Scripts = {
  discoveryAdd(key: string, member: string, score: number, keepUntil: number, trimBefore: number): Promise<number>;
  discoveryCount(key: string, now: number, hour: number, day: number, days: number, hours: number): Promise<number[]>;
  discoveryFill(value: string, generation: string, gen: number, bytes: Buffer, ttlMs: number): Promise<number>;
  discoveryInvalidate(value: string, generation: string, keepMs: number): Promise<number>;
};

/** ioredis sends a Buffer as bytes, but any other Uint8Array as its text form. */
const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

const encodeRecord = (c: TweetContribution) => `${c.authorId}:${c.weight}:${c.at}:${c.tags.join(",")}`;

function decodeRecord(tweetId: bigint, s: string): TweetContribution | undefined {
  const m = /^(\d+):([12]):(-?\d+):(.*)$/su.exec(s);
  if (!m) return undefined;
  return { tweetId, authorId: BigInt(m[1]!), weight: Number(m[2]) as 1 | 2, at: Number(m[3]), tags: m[4] ? m[4].split(",") : [] };
}

const member = (c: TweetContribution) => `${c.authorId}:${c.tweetId}:${c.weight}`;

/** Runs `f` over `items` in slices, so one call never sends an unbounded command. */
async function inSlices<T, R>(items: readonly T[], size: number, f: (slice: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await f(items.slice(i, i + size))));
  return out;
}

export class RedisTrendStore implements TrendStore {
  private readonly p: string;
  private readonly s: Scripts;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    this.p = `${prefix}d:`;
    this.s = client as unknown as Scripts;
  }

  private rec = (tweetId: bigint) => `${this.p}tw:${tweetId}`;
  private tag = (tag: string) => `${this.p}tag:${tag}`;
  private author = (authorId: bigint) => `${this.p}au:${authorId}`;
  private get recent() {
    return `${this.p}recent`;
  }

  private async takeBack(c: TweetContribution): Promise<void> {
    await Promise.all([...c.tags.map((t) => this.client.zrem(this.tag(t), member(c))), this.client.zrem(this.author(c.authorId), String(c.tweetId))]);
  }

  async addTweet(c: TweetContribution, retentionMs: number): Promise<boolean> {
    const keepUntil = c.at + retentionMs;
    const prev = (await this.client.call("SET", this.rec(c.tweetId), encodeRecord(c), "PXAT", String(keepUntil), "NX", "GET")) as string | null;
    if (prev !== null && prev.startsWith("x")) return false;
    // A redelivery counts what the first delivery recorded (its weight may have been looked up differently).
    const rec = (prev !== null && decodeRecord(c.tweetId, prev)) || c;
    const trimBefore = rec.at - retentionMs;
    await Promise.all([
      ...rec.tags.map((t) => this.s.discoveryAdd(this.tag(t), member(rec), rec.at, keepUntil, trimBefore)),
      ...rec.tags.map((t) => this.client.zadd(this.recent, "GT", rec.at, t)),
      this.s.discoveryAdd(this.author(rec.authorId), String(rec.tweetId), rec.at, keepUntil, trimBefore),
    ]);
    // A deletion processed meanwhile may have taken back before these landed.
    const now = await this.client.get(this.rec(c.tweetId));
    if (now !== null && now.startsWith("x")) {
      await this.takeBack(rec);
      return false;
    }
    return true;
  }

  async removeTweet(tweetId: bigint, keepUntil: number): Promise<boolean> {
    const key = this.rec(tweetId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.client.get(key);
      if (cur === null) {
        // Not seen yet: remember the deletion, unless the tweet lands first.
        if (await this.client.call("SET", key, "x", "PXAT", String(keepUntil), "NX")) return false;
        continue;
      }
      if (cur === "x") return false;
      const data = cur.startsWith("x:") ? cur.slice(2) : cur;
      const prev = cur.startsWith("x:") ? cur : ((await this.client.call("SET", key, `x:${data}`, "XX", "KEEPTTL", "GET")) as string | null);
      const c = decodeRecord(tweetId, data);
      if (c) await this.takeBack(c);
      return prev === cur && !cur.startsWith("x:");
    }
    throw new Error(`tweet ${tweetId}: its record kept changing`);
  }

  async removeAuthor(authorId: bigint, keepUntil: number): Promise<number> {
    const ids = await this.client.zrange(this.author(authorId), "0", "-1");
    let n = 0;
    for (const id of ids) if (await this.removeTweet(BigInt(id), keepUntil)) n++;
    await this.client.del(this.author(authorId));
    return n;
  }

  async recentTags(since: number): Promise<string[]> {
    return this.client.zrangebyscore(this.recent, since, "+inf");
  }

  async tweetCounts(tags: string[], from: number, to: number): Promise<Map<string, number>> {
    const counts = await inSlices(tags, 1000, (slice) => Promise.all(slice.map((t) => this.client.zcount(this.tag(t), from, `(${to}`))));
    return new Map(tags.map((t, i) => [t, counts[i]!]));
  }

  async countWindows(tags: string[], spec: WindowSpec): Promise<Map<string, TagWindows>> {
    const replies = await inSlices(tags, 200, (slice) =>
      Promise.all(slice.map((t) => this.s.discoveryCount(this.tag(t), spec.now, spec.hourMs, spec.dayMs, spec.days, spec.hours))),
    );
    const out = new Map<string, TagWindows>();
    tags.forEach((tag, i) => {
      const flat = replies[i]!;
      const w: TagWindows = { unique: [], weighted: [] };
      for (let d = 0; d <= spec.days; d++) {
        w.unique.push([]);
        w.weighted.push([]);
        for (let k = 0; k < spec.hours; k++) {
          const j = 2 * (d * spec.hours + k);
          w.unique[d]!.push(Number(flat[j]));
          w.weighted[d]!.push(Number(flat[j + 1]));
        }
      }
      out.set(tag, w);
    });
    return out;
  }

  async prune(tags: string[], before: number): Promise<void> {
    await inSlices(tags, 1000, (slice) => Promise.all(slice.map((t) => this.client.zremrangebyscore(this.tag(t), "-inf", `(${before}`))));
    await this.client.zremrangebyscore(this.recent, "-inf", `(${before}`);
  }

  async claim(job: string, bucket: number, ttlMs: number): Promise<boolean> {
    return (await this.client.set(`${this.p}claim:${job}:${bucket}`, "1", "PX", ttlMs, "NX")) === "OK";
  }

  async saveTrends(value: Uint8Array): Promise<void> {
    await this.client.set(`${this.p}trends`, asBuffer(value));
  }

  async loadTrends(): Promise<Uint8Array | undefined> {
    return (await this.client.getBuffer(`${this.p}trends`)) ?? undefined;
  }
}

export class RedisSuggestionStore implements SuggestionStore {
  private readonly p: string;
  private readonly s: Scripts;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    this.p = `${prefix}d:`;
    this.s = client as unknown as Scripts;
  }

  private user = (userId: bigint, what: string) => `${this.p}s:{${userId}}:${what}`;
  private get active() {
    return `${this.p}active`;
  }
  private get popularKey() {
    return `${this.p}popular`;
  }

  async dismiss(userId: bigint, accountId: bigint, at: number, retentionMs: number): Promise<void> {
    const key = this.user(userId, "dis");
    await Promise.all([
      this.client.zadd(key, at, String(accountId)),
      this.client.zremrangebyscore(key, "-inf", `(${at - retentionMs}`),
      this.client.pexpire(key, retentionMs),
    ]);
  }

  async dismissed(userId: bigint, since: number): Promise<Set<bigint>> {
    return new Set((await this.client.zrangebyscore(this.user(userId, "dis"), since, "+inf")).map(BigInt));
  }

  async readCache(userId: bigint): Promise<CachedSuggestions> {
    const [value, generation] = await this.client.mgetBuffer(this.user(userId, "c"), this.user(userId, "g"));
    return { value: value ?? undefined, generation: Number(generation?.toString() ?? 0) };
  }

  async fillCache(userId: bigint, value: Uint8Array, generation: number, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) return false;
    return (await this.s.discoveryFill(this.user(userId, "c"), this.user(userId, "g"), generation, asBuffer(value), ttlMs)) === 1;
  }

  async invalidate(userIds: readonly bigint[]): Promise<void> {
    // The generation outlives any computation in flight by far.
    await Promise.all(userIds.map((id) => this.s.discoveryInvalidate(this.user(id, "c"), this.user(id, "g"), 86_400_000)));
  }

  async recordActivity(entries: ReadonlyArray<readonly [bigint, number]>): Promise<void> {
    if (entries.length === 0) return;
    await inSlices(entries, 1000, async (slice) => [await this.client.zadd(this.active, "GT", ...slice.flatMap(([id, at]) => [String(at), String(id)]))]);
  }

  async lastActive(userIds: readonly bigint[]): Promise<Map<bigint, number>> {
    const out = new Map<bigint, number>();
    if (userIds.length === 0) return out;
    const scores = await inSlices(userIds, 1000, (slice) => this.client.zmscore(this.active, ...slice.map(String)));
    userIds.forEach((id, i) => {
      const s = scores[i];
      if (s !== null && s !== undefined) out.set(id, Number(s));
    });
    return out;
  }

  async pruneActivity(before: number): Promise<void> {
    await this.client.zremrangebyscore(this.active, "-inf", `(${before}`);
  }

  async readFollows(userIds: readonly bigint[]): Promise<Map<bigint, bigint[]>> {
    const out = new Map<bigint, bigint[]>();
    const values = await Promise.all(userIds.map((id) => this.client.getBuffer(this.user(id, "f"))));
    userIds.forEach((id, i) => {
      const v = values[i];
      if (!v) return;
      const ids: bigint[] = [];
      for (let o = 0; o + 8 <= v.length; o += 8) ids.push(v.readBigInt64BE(o));
      out.set(id, ids);
    });
    return out;
  }

  async fillFollows(entries: ReadonlyArray<readonly [bigint, readonly bigint[]]>, ttlMs: number): Promise<void> {
    await Promise.all(
      entries.map(([id, ids]) => {
        const v = Buffer.alloc(8 * ids.length);
        ids.forEach((x, i) => v.writeBigInt64BE(x, 8 * i));
        return this.client.set(this.user(id, "f"), v, "PX", ttlMs);
      }),
    );
  }

  async dropFollows(userIds: readonly bigint[]): Promise<void> {
    await Promise.all(userIds.map((id) => this.client.del(this.user(id, "f"))));
  }

  async setFollowers(userId: bigint, followers: number): Promise<void> {
    if (followers > 0) await this.client.zadd(this.popularKey, followers, String(userId));
    else await this.client.zrem(this.popularKey, String(userId));
  }

  async popular(n: number): Promise<bigint[]> {
    if (n <= 0) return [];
    return (await this.client.zrevrange(this.popularKey, 0, n - 1)).map(BigInt);
  }
}

export class RedisDiscoveryStore implements DiscoveryStore {
  readonly trends: RedisTrendStore;
  readonly suggestions: RedisSuggestionStore;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    const c = client as Redis | Cluster;
    c.defineCommand("discoveryAdd", { numberOfKeys: 1, lua: ADD_LUA });
    c.defineCommand("discoveryCount", { numberOfKeys: 1, lua: COUNT_LUA });
    c.defineCommand("discoveryFill", { numberOfKeys: 2, lua: FILL_LUA });
    c.defineCommand("discoveryInvalidate", { numberOfKeys: 2, lua: INVALIDATE_LUA });
    this.trends = new RedisTrendStore(client, prefix);
    this.suggestions = new RedisSuggestionStore(client, prefix);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
