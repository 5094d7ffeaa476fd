// The one hashtag normaliser: the tweet service extracts tags with it, the
// discovery service counts them with it, and search is to look them up with
// it. NFKC folds compatibility forms (full-width letters and '＃', ligatures,
// circled digits), then case folding makes #Chirp, #CHIRP and #chirp one tag
// (full folding, so #Straße and #STRASSE are one too). A tag needs a letter,
// a mark or '_': one made only of digits (#2024, #２０２４) is not a tag.

const TAG_CHARS = /^[\p{L}\p{M}\p{N}_]{1,100}$/u;
const HAS_LETTER = /[\p{L}\p{M}_]/u;
// A tag starts after a non-word character (so "a#b" and "&#39;" are not tags).
const HASHTAG = /(?<![\p{L}\p{M}\p{N}_&#])#([\p{L}\p{M}\p{N}_]{1,100})/gu;

/** Unicode full case folding as far as JavaScript has it: upper then lower case maps ß to ss and ς to σ. */
function caseFold(s: string): string {
  return s.toUpperCase().toLowerCase();
}

/** The normalised form of one tag (with or without its '#'), or undefined when it is not a tag. */
export function normalizeHashtag(raw: string): string | undefined {
  const tag = caseFold(raw.normalize("NFKC").replace(/^#/, "")).normalize("NFKC");
  return TAG_CHARS.test(tag) && HAS_LETTER.test(tag) ? tag : undefined;
}

/** The tags of a text, normalised, without '#', in order of first appearance. */
export function extractHashtags(content: string): string[] {
  const seen = new Set<string>();
  for (const m of content.normalize("NFKC").matchAll(HASHTAG)) {
    const tag = normalizeHashtag(m[1]!);
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** Normalises tags that may come from elsewhere (an older event, configuration): the valid ones, deduplicated. */
export function normalizeHashtags(tags: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const t of tags) {
    const n = normalizeHashtag(t);
    if (n) out.add(n);
  }
  return [...out];
}
