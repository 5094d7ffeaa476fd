// Scans the embedded tweet, user and graph environments under the data
// folder (LMDB lets another process read while the service writes). The
// position is the last key read. The documents are read as the stores write
// them (services/tweet/store/lmdb.ts, user/store/lmdb.ts, graph/store/lmdb.ts).
import { join } from "node:path";
import { HIGH, idKey, openEmbedded, type EmbeddedDb } from "../../platform/embedded/lmdb.js";
import type { IndexedUser } from "../store/port.js";
import type { ReindexSource, ScanPage, SourceTweet } from "./source.js";

interface TweetDoc {
  a: string;
  c: string;
  rt: string;
  h: string[];
  n: string[];
  d?: true;
}
interface UserDoc {
  id: string;
  username: string;
  displayName: string;
}

export class LmdbReindexSource implements ReindexSource {
  private readonly tweetDb: EmbeddedDb;
  private readonly userDb: EmbeddedDb;
  private readonly graphDb: EmbeddedDb;

  constructor(dataDir: string) {
    this.tweetDb = openEmbedded(join(dataDir, "tweet"));
    this.userDb = openEmbedded(join(dataDir, "user"));
    this.graphDb = openEmbedded(join(dataDir, "graph"));
  }

  private page(db: EmbeddedDb, prefix: string, from: string | undefined, limit: number) {
    const total = db.getKeysCount({ start: [prefix], end: [prefix, HIGH] });
    const before = from === undefined ? 0 : db.getKeysCount({ start: [prefix], end: [prefix, from] }) + 1;
    const rows = [...db.getRange({ start: from === undefined ? [prefix] : [prefix, from], end: [prefix, HIGH], exclusiveStart: from !== undefined, limit })];
    const last = rows.at(-1)?.key[1] as string | undefined;
    const next = rows.length < limit ? undefined : last;
    return { rows, next, done: next === undefined || total === 0 ? 1 : Math.min(1, (before + rows.length) / total) };
  }

  async tweets(from: string | undefined, limit: number): Promise<ScanPage<SourceTweet>> {
    const { rows, next, done } = this.page(this.tweetDb, "t", from, limit);
    const items = rows.map(({ key, value }) => {
      const d = value as TweetDoc;
      return { tweetId: BigInt(key[1] as string), authorId: BigInt(d.a), content: d.c, hashtags: d.h, mentions: d.n, retweet: d.rt !== "0", deleted: d.d === true };
    });
    return { items, next, done };
  }

  async users(from: string | undefined, limit: number): Promise<ScanPage<IndexedUser>> {
    const { rows, next, done } = this.page(this.userDb, "u", from, limit);
    const items = rows.map(({ value }) => {
      const u = value as UserDoc;
      const counts = this.graphDb.get(["c", idKey(BigInt(u.id))]) as { followers?: number } | undefined;
      return { userId: BigInt(u.id), username: u.username, displayName: u.displayName || u.username, followerCount: BigInt(counts?.followers ?? 0) };
    });
    return { items, next, done };
  }

  async close(): Promise<void> {
    await Promise.all([this.tweetDb.close(), this.userDb.close(), this.graphDb.close()]);
  }
}
