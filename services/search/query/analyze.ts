// The one text analyzer, used both to index a tweet and to read a query, so
// the two always agree: NFKC, case folding, ASCII folding of Latin letters
// (é is e, ß is ss), words split by Intl.Segmenter (which splits Chinese,
// Japanese and Thai by dictionary), emoji kept as terms of their own, and a
// URL reduced to its domain. Stop words are kept.

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/giu;
const EMOJI = /\p{Extended_Pictographic}/u;
const LATIN_WITH_MARKS = /\p{Script=Latin}\p{M}*/gu;
const MARKS = /\p{M}/gu;
// Latin letters that do not decompose into a base letter and marks.
const FOLD: Record<string, string> = { æ: "ae", œ: "oe", ø: "o", đ: "d", ł: "l", þ: "th", ð: "d", ı: "i", ħ: "h", ŋ: "n" };
const FOLD_RE = new RegExp(`[${Object.keys(FOLD).join("")}]`, "gu");

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

/** NFKC, full case folding, then Latin letters folded to ASCII. */
export function normalizeText(s: string): string {
  const folded = s.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
  return folded
    .replace(LATIN_WITH_MARKS, (m) => (m.length === 1 && m.charCodeAt(0) < 128 ? m : m.normalize("NFD").replace(MARKS, "")))
    .replace(FOLD_RE, (c) => FOLD[c]!);
}

/** The host of a URL without "www.", lower case, or undefined. */
export function urlDomain(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase().replace(/^www\./, "");
    return host.includes(".") ? host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The words of a text in order, normalised: word-like segments (split again
 * at ':' so that "lang:en" is two words), emoji and URL domains. Punctuation
 * and spaces are dropped.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  // URLs are taken out first: the segmenter would cut them into scheme and path words.
  const rest = text.replace(URL_RE, (u) => {
    const d = urlDomain(u);
    return d ? ` \u0000${d}\u0000 ` : " ";
  });
  for (const part of rest.split("\u0000")) {
    if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(part) && !/\s/.test(part)) {
      out.push(part.toLowerCase());
      continue;
    }
    for (const s of segmenter.segment(normalizeText(part))) {
      if (s.isWordLike) {
        for (const w of s.segment.split(":")) if (w) out.push(w);
      } else if (EMOJI.test(s.segment)) {
        // Skin tones and variation selectors are kept: 👍🏽 and 👍 are different terms.
        out.push(s.segment);
      }
    }
  }
  return out;
}
