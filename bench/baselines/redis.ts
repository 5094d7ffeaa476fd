// This machine's Redis ceiling for the core read: a home timeline page done
// the way a Redis-only design would, pipelined, from one Node client:
//   1. ZREVRANGEBYLEX on the timeline (the real store's layout: 20-digit ids
//      at score 0 behind two sentinels), 20 entries;
//   2. one pipeline: MGET of the 20 tweets + SMISMEMBER of the viewer's likes
//      and retweets;
//   3. MGET of the distinct authors.
// The data (timelines of 800 ids, tweets and users as JSON of the real
// shape) lives under its own key prefix, written once and reused.
import { Redis } from "ioredis";
import type { Op } from "../openloop.js";
import { Rng } from "../rng.js";

export interface RedisCeiling {
  ops(seed: number): () => Op;
  version: string;
  close(): Promise<void>;
}

const USERS = 1000;
const TWEETS = 20_000;
const TIMELINE = 800;
const pad = (id: bigint) => id.toString().padStart(20, "0");

export async function openRedisCeiling(url: string, prefix: string): Promise<RedisCeiling> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, enableAutoPipelining: true });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${url} is not reachable (${(err as Error).message})`);
  }
  const info = await redis.info("server");
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
  const marker = `${prefix}ready`;
  const layout = `v1:${USERS}:${TWEETS}:${TIMELINE}`;
  const tweetId = (i: number) => 250_000_000_000_000_000n + BigInt(i) * 4096n;
  const userId = (i: number) => 240_000_000_000_000_000n + BigInt(i) * 4096n;
  const key = {
    tl: (u: number) => `${prefix}tl:{${userId(u)}}`,
    likes: (u: number) => `${prefix}likes:{${userId(u)}}`,
    rts: (u: number) => `${prefix}rts:{${userId(u)}}`,
    tweet: (id: string) => `${prefix}t:${id}`,
    user: (id: string) => `${prefix}u:${id}`,
  };

  if ((await redis.get(marker)) !== layout) {
    const rng = new Rng(7);
    const now = new Date().toISOString();
    let p = redis.pipeline();
    const flush = async (force = false) => {
      if (force || p.length >= 2000) {
        await p.exec();
        p = redis.pipeline();
      }
    };
    for (let i = 0; i < USERS; i++) {
      const id = userId(i).toString();
      p.set(key.user(id), JSON.stringify({ userId: id, username: `bench_u${String(i + 1).padStart(6, "0")}`, displayName: `Bench user ${i + 1}`, bio: "", avatarUrl: "", createdAt: now, followerCount: "42", followingCount: "30", tweetCount: "20" }));
      await flush();
    }
    for (let i = 0; i < TWEETS; i++) {
      const author = userId(rng.int(USERS)).toString();
      const id = tweetId(i).toString();
      const json = JSON.stringify({ tweetId: id, authorId: author, content: `Seed tweet ${i} thinking about latency and deploy again, coffee later #weekend`, mediaUrls: [], replyToTweetId: "0", retweetOfTweetId: "0", createdAt: now, likeCount: "0", retweetCount: "0", replyCount: "0", hashtags: ["weekend"], mentions: [] });
      // The author id up front, so finding the authors needs no JSON parse.
      p.set(key.tweet(id), `${author}|${json}`);
      await flush();
    }
    for (let u = 0; u < USERS; u++) {
      const members: (string | number)[] = [0, "0", 0, "00"];
      for (let k = 0; k < TIMELINE; k++) members.push(0, pad(tweetId(rng.int(TWEETS))));
      p.del(key.tl(u));
      p.zadd(key.tl(u), ...members);
      p.del(key.likes(u), key.rts(u));
      p.sadd(key.likes(u), ...Array.from({ length: 20 }, () => tweetId(rng.int(TWEETS)).toString()));
      p.sadd(key.rts(u), tweetId(rng.int(TWEETS)).toString());
      await flush();
    }
    p.set(marker, layout);
    await flush(true);
  }

  const read = async (u: number) => {
    const members = await redis.zrevrangebylex(key.tl(u), "+", "(00", "LIMIT", 0, 20);
    const ids = members.map((m) => BigInt(m).toString());
    const [tweets, liked, rted] = await Promise.all([
      redis.mget(ids.map(key.tweet)),
      redis.call("SMISMEMBER", key.likes(u), ...ids) as Promise<number[]>,
      redis.call("SMISMEMBER", key.rts(u), ...ids) as Promise<number[]>,
    ]);
    const authors = [...new Set(tweets.map((t) => (t ? t.slice(0, t.indexOf("|")) : "")).filter(Boolean))];
    const users = await redis.mget(authors.map(key.user));
    return tweets.length === 20 && users.every(Boolean) && liked.length === 20 && rted.length === 20;
  };

  return {
    version,
    ops(seed) {
      const rng = new Rng(seed);
      return () => {
        const u = rng.int(USERS);
        return {
          kind: "redis",
          run: () =>
            read(u).then(
              (ok) => ({ ok, status: ok ? "OK" : "incomplete" }),
              (err: Error) => ({ ok: false, status: err.message.slice(0, 40) }),
            ),
        };
      };
    },
    async close() {
      redis.disconnect();
    },
  };
}
