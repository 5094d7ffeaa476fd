// A rebuild from the tweet and user stores, in both modes, with the search
// target not running (so only the rebuild can have indexed anything): tweets
// and people are found after it, a deleted tweet and a retweet are not, and
// a rebuild stopped after one page resumes where it stopped.
import test from "ava";
import { join } from "node:path";
import { startChirp } from "../../testing/chirp.js";
import { MODES } from "../../testing/runtime.js";
import { bucketOf } from "../buckets.js";
import { CassandraSearchStore } from "../store/cassandra.js";
import { LmdbSearchStore } from "../store/lmdb.js";
import type { SearchStore } from "../store/port.js";
import { CassandraReindexSource } from "./cassandra-source.js";
import { reindex } from "./job.js";
import { LmdbReindexSource } from "./lmdb-source.js";
import type { ReindexSource } from "./source.js";

for (const mode of MODES) {
  test(`${mode}: a rebuild indexes live tweets and accounts, resumes after a stop, and skips deleted tweets and retweets`, async (t) => {
    const s = await startChirp({ mode, label: "search_reindex", targets: ["user", "graph", "tweet", "timeline"] });
    let store: SearchStore | undefined;
    let source: ReindexSource | undefined;
    try {
      const word = `rebuild${Date.now().toString(36)}`;
      const [ann, bob] = [await s.register(), await s.register()];
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await s.post(ann, `${word} ${i}`));
      const gone = await s.post(bob, `${word} gone`);
      await s.clients.tweet.deleteTweet({ tweetId: gone }, await s.as(bob));
      await s.clients.tweet.retweet({ tweetId: ids[0]! }, await s.as(bob));
      await s.follow(bob, ann);
      const annName = (await s.clients.user.getUser({ userId: ann })).user!.username;

      if (mode === "embedded") {
        store = LmdbSearchStore.open(join(s.rt.config.dataDir, "search"));
        source = new LmdbReindexSource(s.rt.config.dataDir);
      } else {
        store = new CassandraSearchStore(s.rt.cassandra!, { countFlushMs: 0 });
        source = new CassandraReindexSource(s.rt.cassandra!);
      }
      let pages = 0;
      const first = await reindex(store, source, { pageSize: 2, stopped: () => pages++ >= 1 });
      t.is(first.users.read, 2, "stopped after one page");
      const second = await reindex(store, source, { pageSize: 2 });
      t.is(first.users.read + second.users.read, 2, "the users were read once across both runs");
      t.is(second.tweets.indexed, 5, "five live tweets; not the deleted one, not the retweet");

      const bucket = bucketOf(ids[0]!);
      t.deepEqual(await store.postings(word, bucket, undefined, undefined, 10), [...ids].reverse());
      t.true((await store.byPrefix(annName.toLowerCase(), 5)).some((h) => h.userId === ann));
      t.is((await store.byPrefix(annName.toLowerCase(), 5)).find((h) => h.userId === ann)!.rank, 4, "one follower, counted");
      // Again, with the index already built: nothing new, nothing doubled.
      const third = await reindex(store, source, { pageSize: 50 });
      t.is(third.tweets.indexed, 0);
      await store.flush();
      t.is((await store.buckets(word, bucket, bucket, 1))[0]?.count, 5);
    } finally {
      await source?.close();
      await store?.close();
      await s.stop();
    }
  });
}
