// An author's list of tweet and retweet ids (the user-tweets store), the one
// place the timeline service reads an author's newest ids from: user
// timelines, the large-account merge of home timelines, follow backfills.
// The fan-out worker keeps each list current (fanout/tweet-events.ts), so a
// read within a list calls no other service. Past the end of a list that is
// not the author's whole history, the tweet service goes on below its oldest
// id; each read is counted by use as a hit, a miss (built first) or a fallback.
import { ConnectError } from "@connectrpc/connect";
import { encodeCursor } from "../kit/cursor.js";
import { DomainError, unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { TimelineMetrics } from "./metrics.js";
import type { Rebuilder } from "./rebuild.js";
import type { TimelinePage, TimelineStore } from "./store/port.js";

export type ListUse = "user_timeline" | "large_account" | "backfill" | "unfollow";
export type ListResult = "hit" | "miss" | "fallback";

/** What reading (and building) the lists takes; the ReadContext has it all. */
export interface AuthorLists {
  userTweets: TimelineStore;
  /** Builds a missing list from the newest page of ListUserTweets. */
  userRebuilder: Rebuilder;
}

/** ListUserTweets' largest page. */
const TWEETS_PAGE = 100;

/** A page of a list: `missed` when it was built first; `failed` (empty) when the list could not be read. */
export type ListRead = TimelinePage & { missed: boolean; failed?: true };

/** Up to n ids of the author's list below `before`, newest first; a missing list is built first (`missed`). */
export async function listPage(
  lists: AuthorLists,
  authorId: bigint,
  before: bigint | undefined,
  n: number,
): Promise<ListRead> {
  const page = await lists.userTweets.page(authorId, before, n);
  if (page.built) return { ...page, missed: false };
  await lists.userRebuilder.ensureBuilt(authorId);
  const again = await lists.userTweets.page(authorId, before, n);
  // Only if it expired again within milliseconds: not worth a loop.
  if (!again.built) throw unavailable("the user timeline could not be built; retry");
  return { ...again, missed: true };
}

/**
 * The author's ids below `below` (undefined: from the newest), newest first,
 * from ListUserTweets: at most `max` read, stopping once `wanted` of them
 * pass `keep`.
 */
export async function tweetServiceIds(
  clients: Pick<ServiceClients, "tweet">,
  authorId: bigint,
  below: bigint | undefined,
  max: number,
  wanted = max,
  keep: (id: bigint) => boolean = () => true,
): Promise<bigint[]> {
  const out: bigint[] = [];
  let read = 0;
  let cursor = below === undefined ? "" : encodeCursor("user-tweets", below);
  while (read < max && out.length < wanted) {
    const page = await clients.tweet.listUserTweets({ userId: authorId, limit: Math.min(TWEETS_PAGE, max - read), cursor });
    for (const t of page.tweets) {
      read++;
      if (keep(t.tweetId)) out.push(t.tweetId);
    }
    if (!page.hasMore || page.nextCursor === "" || page.tweets.length === 0) break;
    cursor = page.nextCursor;
  }
  return out.slice(0, wanted);
}

/** An error of the lists' store (Redis down), as opposed to an answer of the tweet service during a build. */
export function isStoreFailure(err: unknown): boolean {
  return !(err instanceof DomainError || err instanceof ConnectError);
}

export function countList(m: Pick<TimelineMetrics, "lists">, use: ListUse, result: ListResult): void {
  m.lists.inc({ use, result });
}

const lastWarned = new Map<ListUse, number>();

/** At most one line a second per use: when Redis is down, every read would say so. */
export function listFailed(logger: Logger, use: ListUse, err: unknown): void {
  const now = Date.now();
  if (now - (lastWarned.get(use) ?? 0) < 1000) return;
  lastWarned.set(use, now);
  logger.warn({ err, use }, "an author's list could not be read; the tweet service answers instead");
}
