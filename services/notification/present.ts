// Groups as clients see them: the store's heads and summaries, with their
// accounts and tweets hydrated for the recipient (services/timeline/hydrate.ts,
// the home timeline's path). A group whose tweet is gone is left out.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { NotificationGroupSchema, type NotificationGroup } from "../../gen/chirp/notification/v1/notification_pb.js";
import { hydrate, type Viewer } from "../timeline/hydrate.js";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { BatchLookup } from "../hydration/lookup.js";
import type { NotificationContext } from "./context.js";
import type { GroupSummary, NotificationType } from "./store/port.js";

export interface GroupRef {
  groupKey: string;
  type: NotificationType;
  tweetId: bigint;
  summary: GroupSummary;
}

export interface Presented {
  groups: NotificationGroup[];
  /** The accounts the groups name, once each, when they were asked for apart. */
  accounts: User[];
}

/**
 * `viewer`: the recipient when they are the caller (their likes and retweets
 * are theirs to read); undefined in the consumer. `accountsApart`: the groups
 * carry account ids only and the accounts come once each (a page, where the
 * same people recur across groups); else each group carries its own (a live event).
 */
export async function present(ctx: NotificationContext, viewer: Viewer | undefined, refs: readonly GroupRef[], o: { accountsApart: boolean }): Promise<Presented> {
  const tweetIds = [...new Set(refs.map((r) => r.tweetId).filter((id) => id !== 0n))];
  // A notification's tweet is the recipient's (liked, retweeted) or the
  // actor's (reply, mention): asking for both with the actors lets the
  // tweets' authors come from this read, in the same round trip as the tweets.
  const accountIds = [...new Set([...refs.flatMap((r) => r.summary.sampleActorIds), ...(viewer && tweetIds.length ? [viewer.id] : [])])];
  const accounts = ctx.users(accountIds);
  const hydration = { ...ctx.hydration, users: withKnown(accounts, ctx.users) };
  const [users, hydrated] = await Promise.all([accounts, hydrate(hydration, viewer, tweetIds)]);
  const tweets = new Map(hydrated.tweets.map((h) => [h.tweet!.tweetId, h]));
  const out: NotificationGroup[] = [];
  const named = new Map<bigint, User>();
  for (const r of refs) {
    const tweet = r.tweetId === 0n ? undefined : tweets.get(r.tweetId);
    if (r.tweetId !== 0n && !tweet) continue;
    const sampleAccounts = r.summary.sampleActorIds.flatMap((id) => users.get(id) ?? []);
    if (o.accountsApart) for (const u of sampleAccounts) named.set(u.userId, u);
    out.push(
      create(NotificationGroupSchema, {
        groupKey: r.groupKey,
        type: r.type,
        count: BigInt(r.summary.count),
        sampleAccountIds: sampleAccounts.map((u) => u.userId),
        sampleAccounts: o.accountsApart ? [] : sampleAccounts,
        tweet,
        latestAt: timestampFromMs(r.summary.latestAt),
        latestNotificationId: r.summary.latestId,
      }),
    );
  }
  return { groups: out, accounts: [...named.values()] };
}

/** A lookup that answers from `known` first and asks `lookup` only for the rest. */
function withKnown(known: Promise<Map<bigint, User>>, lookup: BatchLookup<User>): BatchLookup<User> {
  return async (ids) => {
    const have = await known;
    const rest = ids.filter((id) => !have.has(id));
    const more = rest.length ? await lookup(rest) : undefined;
    return new Map(ids.flatMap((id) => {
      const u = have.get(id) ?? more?.get(id);
      return u ? [[id, u] as const] : [];
    }));
  };
}
