// A rebuild of the search index from the tweet and user stores (make
// reindex). Resumable: the position is saved after every page, so a rebuild
// that stops (Ctrl-C, a crash) goes on from there when run again. Safe while
// the service runs: adding a tweet or an account twice changes nothing, and
// a tweet deleted meanwhile stays out (the index remembers removals).
import { indexUser } from "../indexer.js";
import { tweetTerms } from "../query/terms.js";
import type { IndexedUser, SearchStore } from "../store/port.js";
import type { ReindexSource, SourceTweet } from "./source.js";

export type Phase = "tweets" | "users";
export const PHASES: Phase[] = ["users", "tweets"];
export const PROGRESS_KEY = (phase: Phase) => `reindex:${phase}`;

export interface ReindexProgress {
  phase: Phase;
  /** 0..1 of this phase. */
  done: number;
  read: number;
  indexed: number;
}

export interface ReindexOptions {
  pageSize?: number;
  /** Start over instead of resuming. */
  restart?: boolean;
  /** Writes to the index at once. */
  concurrency?: number;
  onProgress?: (p: ReindexProgress) => void;
  /** Checked between pages: true stops (the position is saved). */
  stopped?: () => boolean;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Rebuilds both phases; resolves with what each did, or early when stopped. */
export async function reindex(store: SearchStore, source: ReindexSource, o: ReindexOptions = {}): Promise<Record<Phase, { read: number; indexed: number }>> {
  const pageSize = o.pageSize ?? 500;
  const concurrency = o.concurrency ?? 32;
  const out = { tweets: { read: 0, indexed: 0 }, users: { read: 0, indexed: 0 } };
  for (const phase of PHASES) {
    const key = PROGRESS_KEY(phase);
    if (o.restart) await store.writeProgress(key, undefined);
    let position = await store.readProgress(key);
    if (position === "done") continue;
    for (;;) {
      if (o.stopped?.()) return out;
      const page = phase === "tweets" ? await source.tweets(position, pageSize) : await source.users(position, pageSize);
      const counts = out[phase];
      counts.read += page.items.length;
      if (phase === "tweets") {
        await pool(page.items as SourceTweet[], concurrency, async (t) => {
          if (t.deleted || t.retweet) return;
          if (await store.addTweet(t.tweetId, tweetTerms(t))) counts.indexed++;
        });
      } else {
        await pool(page.items as IndexedUser[], concurrency, async (u) => {
          await indexUser({ store }, u);
          counts.indexed++;
        });
      }
      position = page.next;
      await store.writeProgress(key, position ?? "done");
      o.onProgress?.({ phase, done: page.done, ...counts });
      if (position === undefined) break;
    }
  }
  await store.flush();
  // Both phases done: the next run starts a new rebuild.
  for (const phase of PHASES) await store.writeProgress(PROGRESS_KEY(phase), undefined);
  return out;
}
