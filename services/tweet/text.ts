// Tweet text rules. Length is counted in Unicode code points after NFC
// normalisation, so "é" typed as e + combining accent counts once, and an
// emoji or a CJK character counts once (not as two UTF-16 units).
import { invalidArgument } from "../kit/errors.js";

export const MAX_TWEET_CHARS = 280;
export const MAX_MEDIA_URLS = 4;
export const MAX_MEDIA_URL_LENGTH = 1024;

/** Code points of a string (not UTF-16 units). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Unicode White_Space plus the invisible joiners and the BOM, which would
// otherwise let a tweet look empty.
const BLANK = /^[\s\u200b-\u200d\u2060\ufeff]*$/u;
// C0/C1 controls other than tab, newline and carriage return.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/** Normalises and checks tweet text; returns the text to store. */
export function checkContent(raw: string): string {
  const content = raw.normalize("NFC");
  const length = codePointLength(content);
  if (length === 0 || BLANK.test(content)) throw invalidArgument("content", "must not be blank");
  if (length > MAX_TWEET_CHARS) {
    throw invalidArgument("content", `must be at most ${MAX_TWEET_CHARS} characters, got ${length}`);
  }
  if (CONTROL.test(content)) throw invalidArgument("content", "must not contain control characters");
  return content;
}

/**
 * Media URLs: https only, bounded length, at most four. protovalidate checks
 * the same at the edge; this keeps the service correct when called directly.
 */
export function checkMediaUrls(urls: readonly string[]): string[] {
  if (urls.length > MAX_MEDIA_URLS) {
    throw invalidArgument("media_urls", `at most ${MAX_MEDIA_URLS} media URLs, got ${urls.length}`);
  }
  return urls.map((u, i) => {
    const field = `media_urls[${i}]`;
    if (u.length > MAX_MEDIA_URL_LENGTH) throw invalidArgument(field, `must be at most ${MAX_MEDIA_URL_LENGTH} characters`);
    if (!URL.canParse(u) || new URL(u).protocol !== "https:" || /\s/.test(u)) {
      throw invalidArgument(field, "must be an https:// URL");
    }
    return u;
  });
}

// Usernames are 3-15 of [A-Za-z0-9_]; "a@b.com" is an address, not a mention.
const MENTION = /(?<![A-Za-z0-9_@.])[@＠]([A-Za-z0-9_]{3,15})(?![A-Za-z0-9_@])/g;

// Hashtags, normalised as everywhere else (NFKC, case-folded), without '#',
// in order of first appearance; "#2024" is not a tag.
export { extractHashtags } from "../kit/hashtag.js";

/** Mentioned usernames without '@', first spelling kept, in order of first appearance. */
export function extractMentions(content: string): string[] {
  const seen = new Map<string, string>();
  for (const m of content.matchAll(MENTION)) {
    const name = m[1]!;
    if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}
