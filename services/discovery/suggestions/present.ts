// Suggestions as the API shows them: each with its account (through the
// shared hydration cache, so counts and names are current even when the list
// itself is cached) and its reason in words.
import type { Suggestion } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import { SuggestionSource } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { User } from "../../../gen/chirp/user/v1/user_pb.js";
import type { DiscoveryContext } from "../context.js";

const NAMED = 2;

const list = (names: string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/**
 * "followed by ann, bob and 3 others you follow", "followed by ann and bob,
 * who you follow", "follows you", "popular on Chirp (1200 followers)"; parts
 * joined with "; ".
 */
export function reasonOf(s: Suggestion, users: ReadonlyMap<bigint, User>): string {
  const parts: string[] = [];
  if (s.sources.includes(SuggestionSource.FOLLOWS_YOU)) parts.push("follows you");
  if (s.mutualCount > 0) {
    const names = s.followedByIds.flatMap((id) => users.get(id)?.username ?? []).slice(0, NAMED);
    const others = s.mutualCount - names.length;
    if (names.length === 0) parts.push(`followed by ${others} ${others === 1 ? "account" : "accounts"} you follow`);
    else if (others === 0) parts.push(`followed by ${list(names)}, who you follow`);
    else parts.push(`followed by ${names.join(", ")} and ${others} ${others === 1 ? "other" : "others"} you follow`);
  }
  if (s.sources.includes(SuggestionSource.POPULAR)) {
    const followers = users.get(s.userId)?.followerCount ?? 0n;
    parts.push(`popular on Chirp (${followers} ${followers === 1n ? "follower" : "followers"})`);
  }
  return parts.join("; ");
}

/** The first `limit` suggestions whose accounts still exist, with their accounts and reasons. */
export async function present(ctx: DiscoveryContext, suggestions: Suggestion[], limit: number): Promise<Suggestion[]> {
  // A few more than asked for, in case some accounts are gone.
  const head = suggestions.slice(0, limit + 10);
  const users = await ctx.users([...head.map((s) => s.userId), ...head.flatMap((s) => s.followedByIds.slice(0, NAMED))]);
  const out: Suggestion[] = [];
  for (const s of head) {
    const user = users.get(s.userId);
    if (!user || out.length >= limit) continue;
    out.push({ ...s, user, reason: reasonOf(s, users) });
  }
  return out;
}
