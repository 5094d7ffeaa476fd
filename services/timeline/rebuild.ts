// Rebuilding a missing home timeline so that it equals what fan-out would
// have built: the newest `cap` ids among the user's own tweets and those of
// everyone they follow except large accounts (those are merged at read time).
//
// One rebuild per user at a time: single-flight within the process, and a
// Redis lock (SET NX PX) across processes; the others wait for it and read.
// The timeline is created (state "building") before the sources are read, so
// a tweet fanned out meanwhile lands in it instead of being skipped.
import { randomUUID } from "node:crypto";
import { unavailable } from "../kit/errors.js";
import { mergeNewest } from "./merge.js";
import { mapLimit, type TimelineSource } from "./source.js";
import type { TimelineStore } from "./store/port.js";

const CONCURRENCY = 16;

/** The ids a complete timeline of `userId` holds, newest first. */
export async function computeTimeline(
  source: TimelineSource,
  userId: bigint,
  cap: number,
  largeAccounts: ReadonlySet<bigint>,
): Promise<bigint[]> {
  const followees = await source.following(userId);
  // Fan-out always copies an author's tweet into their own timeline, large or not.
  const authors = [...new Set([userId, ...followees.filter((f) => !largeAccounts.has(f))])];
  const feeds = authors.map((author) => ({ author, ids: [] as bigint[], cursor: "", more: true }));
  // First round: about twice an author's fair share of the window, then only
  // the authors that may still have ids newer than the current cap-th newest.
  let pageSize = Math.min(100, Math.max(10, Math.ceil((2 * cap) / authors.length)));
  let todo = feeds;
  while (todo.length > 0) {
    await mapLimit(todo, CONCURRENCY, async (f) => {
      const page = await source.tweets(f.author, pageSize, f.cursor);
      f.ids.push(...page.ids);
      f.cursor = page.nextCursor;
      f.more = page.hasMore && page.nextCursor !== "" && page.ids.length > 0;
    });
    const top = mergeNewest(feeds.map((f) => f.ids), cap);
    const floor = top.length >= cap ? top[cap - 1]! : undefined;
    todo = feeds.filter((f) => f.more && (floor === undefined || f.ids.at(-1)! > floor));
    pageSize = 100;
  }
  return mergeNewest(feeds.map((f) => f.ids), cap);
}

/** What a build found: the ids, and whether they are the owner's whole history (user timelines). */
export interface Rebuilt {
  ids: readonly bigint[];
  complete: boolean;
}

export interface RebuilderOptions {
  /** What is built, for the error a reader gets when it takes too long ("home timeline"). */
  what?: string;
  /** Longer than a rebuild takes; a crashed builder's lock frees itself after this. */
  lockTtlMs?: number;
  /** How long a reader waits for another process's rebuild. */
  waitMs?: number;
  pollMs?: number;
}

export class Rebuilder {
  private readonly inFlight = new Map<bigint, Promise<void>>();
  private readonly lockTtlMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;
  private readonly what: string;

  constructor(
    private readonly store: TimelineStore,
    private readonly compute: (userId: bigint) => Promise<readonly bigint[] | Rebuilt>,
    opts: RebuilderOptions = {},
  ) {
    this.what = opts.what ?? "home timeline";
    this.lockTtlMs = opts.lockTtlMs ?? 30_000;
    this.waitMs = opts.waitMs ?? 10_000;
    this.pollMs = opts.pollMs ?? 25;
  }

  /** Resolves when the user's timeline is built (by this call or by someone else). */
  ensureBuilt(userId: bigint): Promise<void> {
    let p = this.inFlight.get(userId);
    if (!p) {
      p = this.run(userId).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, p);
    }
    return p;
  }

  private async run(userId: bigint): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    const token = randomUUID();
    for (;;) {
      if (await this.store.tryLock(userId, token, this.lockTtlMs)) {
        try {
          // Someone may have finished between our read and our lock.
          if ((await this.store.page(userId, undefined, 1)).built) return;
          await this.store.beginBuild(userId);
          const built = await this.compute(userId);
          if (isRebuilt(built)) await this.store.finishBuild(userId, built.ids, built.complete);
          else await this.store.finishBuild(userId, built);
        } finally {
          await this.store.unlock(userId, token);
        }
        return;
      }
      while ((await this.store.isLocked(userId)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
      if ((await this.store.page(userId, undefined, 1)).built) return;
      if (Date.now() >= deadline) throw unavailable(`the ${this.what} is being rebuilt; retry shortly`);
      // The other builder gave up (or its lock expired): try to build it ourselves.
    }
  }
}

function isRebuilt(built: readonly bigint[] | Rebuilt): built is Rebuilt {
  return !Array.isArray(built);
}
