// Read-time merge of large accounts, whose tweets are not fanned out. A large
// account's newest ids come from its author list (author-list.ts), built on a
// miss and then kept current by the fan-out worker, shared by every reader and
// process: a merge calls no other service while the list reaches the page,
// and a new tweet or a delete shows as soon as its event is handled. Which
// large accounts a reader follows: large-followees.ts.
import type { Logger } from "../kit/logger.js";
import type { ServiceClients } from "../runtime/clients.js";
import { countList, isStoreFailure, listFailed, listPage, tweetServiceIds, type AuthorLists, type ListRead } from "./author-list.js";
import type { TimelineMetrics } from "./metrics.js";
import type { TimelineSource } from "./source.js";
import type { TimelinePage, TimelineStore } from "./store/port.js";
import { LargeFollowees } from "./large-followees.js";

export class LargeAccounts {
  /** The large accounts a reader follows (also what live home streams follow). */
  readonly followees: LargeFollowees;

  constructor(
    store: TimelineStore,
    private readonly clients: Pick<ServiceClients, "graph" | "tweet">,
    source: TimelineSource,
    private readonly lists: AuthorLists,
    caches: { accountsMs: number; followsMs: number },
    /** Deepest a large account's tweets are merged, like a fanned-out timeline's cap. */
    private readonly depth: number,
    private readonly logger: Logger,
    /** Cache lookups and list reads are counted here. */
    private readonly metrics: Pick<TimelineMetrics, "cache" | "lists">,
  ) {
    this.followees = new LargeFollowees(store, clients, source, caches, metrics);
  }

  /** The large accounts userId follows. */
  followedBy(userId: bigint): Promise<bigint[]> {
    return this.followees.of(userId);
  }

  /** Up to n of the account's newest tweet ids below `before` (exclusive), newest first: from its list, and past its end no deeper than `depth`. */
  async idsBefore(accountId: bigint, before: bigint | undefined, n: number): Promise<bigint[]> {
    let page: ListRead;
    try {
      page = await listPage(this.lists, accountId, before, n);
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      listFailed(this.logger, "large_account", err);
      countList(this.metrics, "large_account", "fallback");
      return tweetServiceIds(this.clients, accountId, undefined, this.depth, n, (id) => before === undefined || id < before);
    }
    if (page.ids.length >= n || page.complete) {
      countList(this.metrics, "large_account", page.missed ? "miss" : "hit");
      return page.ids;
    }
    countList(this.metrics, "large_account", "fallback");
    return [...page.ids, ...(await this.pastTheList(accountId, before, n - page.ids.length, page))];
  }

  /** Up to `wanted` ids below `before` older than the account's whole list, no deeper than `depth` from its newest. */
  private async pastTheList(accountId: bigint, before: bigint | undefined, wanted: number, page: TimelinePage): Promise<bigint[]> {
    // A list holds the account's newest ids, so its length is how deep its end lies.
    const whole = before === undefined ? page : await this.lists.userTweets.page(accountId, undefined, this.depth);
    const held = whole.ids.length;
    if (held >= this.depth) return [];
    return tweetServiceIds(this.clients, accountId, whole.ids.at(-1), this.depth - held, wanted, (id) => before === undefined || id < before);
  }
}
