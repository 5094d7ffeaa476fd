// Index terms. A word is its normalised form; a hashtag is "#" + the tag as
// services/kit/hashtag.ts normalises it; a mention is "@" + the lower-case
// username; an author is "from:" + the author's id (usernames can change).
// Words never hold '#', '@' or ':', so the kinds cannot collide.
import { normalizeHashtag } from "../../kit/hashtag.js";
import { tokenize } from "./analyze.js";

export const hashtagTerm = (tag: string): string | undefined => {
  const t = normalizeHashtag(tag);
  return t === undefined ? undefined : `#${t}`;
};
export const mentionTerm = (username: string) => `@${username.toLowerCase()}`;
export const authorTerm = (authorId: bigint) => `from:${authorId}`;

/** What of a tweet the index and the query checks read. */
export interface IndexableTweet {
  tweetId: bigint;
  authorId: bigint;
  content: string;
  hashtags: readonly string[];
  mentions: readonly string[];
}

/** Every distinct term a tweet is found by. */
export function tweetTerms(t: IndexableTweet): string[] {
  const terms = new Set<string>(tokenize(t.content));
  for (const h of t.hashtags) {
    const term = hashtagTerm(h);
    if (term) terms.add(term);
  }
  for (const m of t.mentions) terms.add(mentionTerm(m));
  terms.add(authorTerm(t.authorId));
  return [...terms];
}

/** Longest prefix kept for people search: usernames are at most 15 characters. */
export const MAX_PREFIX = 15;

/** The prefixes an account is found by: of its username, and of each word of its display name. */
export function userPrefixes(username: string, displayName: string): string[] {
  const out = new Set<string>();
  const words = [username.toLowerCase(), ...tokenize(displayName)];
  for (const w of words) {
    const chars = [...w];
    for (let i = 1; i <= Math.min(chars.length, MAX_PREFIX); i++) out.add(chars.slice(0, i).join(""));
  }
  return [...out];
}
