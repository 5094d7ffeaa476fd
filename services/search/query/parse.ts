// The query language (see proto/chirp/search/v1/search.proto): words ANDed,
// "exact phrase", #hashtag, @mention, from:username, -word to exclude,
// since:YYYY-MM-DD and until:YYYY-MM-DD. An unknown operator is a word. The
// limits make every query a bounded amount of work before it reaches a store.
import { invalidArgument } from "../../kit/errors.js";
import { tokenize } from "./analyze.js";
import { hashtagTerm, mentionTerm } from "./terms.js";

export const MAX_QUERY_CHARS = 512;
export const MAX_TERMS = 10;

export interface ParsedQuery {
  /** Index terms every match has (words, phrase words, #tags, @mentions), deduplicated. */
  include: string[];
  /** Each phrase's words, in order: a match has them adjacent. */
  phrases: string[][];
  /** Index terms no match has. */
  exclude: string[];
  /** Lower-case usernames from from: (a match is by one of them; two different ones match nothing). */
  from: string[];
  /** Bounds on the tweet's time (ms): since inclusive, until exclusive. */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** Nothing searchable was left (only punctuation): the answer is empty, not an error. */
  empty: boolean;
}

const USERNAME = /^[a-z0-9_]{1,15}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(op: string, value: string): number {
  const m = DATE.exec(value);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-31 over to March: a round trip catches it.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw invalidArgument("q", `${op}: takes a date as YYYY-MM-DD, got "${value}"`);
  }
  return ms;
}

/** Splits the raw query into pieces: quoted phrases and runs of non-space. */
function pieces(q: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  const re = /(-?)"([^"]*)"?|(\S+)/gu;
  for (const m of q.matchAll(re)) {
    if (m[3] !== undefined) out.push({ text: m[3], quoted: false });
    else out.push({ text: (m[1] ?? "") + m[2], quoted: true });
  }
  return out;
}

export function parseQuery(raw: string): ParsedQuery {
  const q = raw.normalize("NFKC");
  if (q.trim() === "") throw invalidArgument("q", "must not be empty");
  if ([...raw].length > MAX_QUERY_CHARS) throw invalidArgument("q", `must be at most ${MAX_QUERY_CHARS} characters, got ${[...raw].length}`);
  const include = new Set<string>();
  const exclude = new Set<string>();
  const phrases: string[][] = [];
  const from = new Set<string>();
  let sinceMs: number | undefined;
  let untilMs: number | undefined;
  let terms = 0;

  for (const { text, quoted } of pieces(q)) {
    const negated = text.startsWith("-") && text.length > 1;
    const body = negated ? text.slice(1) : text;
    if (quoted) {
      const words = tokenize(body);
      terms += words.length;
      if (negated) words.forEach((w) => exclude.add(w));
      else if (words.length > 0) {
        words.forEach((w) => include.add(w));
        if (words.length > 1) phrases.push(words);
      }
      continue;
    }
    const op = /^([a-z]+):(.+)$/iu.exec(body);
    const name = op?.[1]?.toLowerCase();
    if (op && !negated && name === "from") {
      const user = op[2]!.replace(/^@/, "").toLowerCase();
      if (!USERNAME.test(user)) throw invalidArgument("q", `from: takes a username (letters, digits, '_'), got "${op[2]}"`);
      from.add(user);
      terms++;
      continue;
    }
    if (op && !negated && (name === "since" || name === "until")) {
      const ms = parseDate(name, op[2]!);
      if (name === "since") sinceMs = Math.max(sinceMs ?? ms, ms);
      else untilMs = Math.min(untilMs ?? ms, ms);
      terms++;
      continue;
    }
    const into = negated ? exclude : include;
    if (/^#./u.test(body)) {
      const term = hashtagTerm(body);
      if (term) {
        into.add(term);
        terms++;
        continue;
      }
    }
    if (/^[@＠][A-Za-z0-9_]{1,15}$/u.test(body)) {
      into.add(mentionTerm(body.slice(1)));
      terms++;
      continue;
    }
    // Anything else, an unknown operator included, is words.
    for (const w of tokenize(body)) {
      into.add(w);
      terms++;
    }
  }
  if (terms > MAX_TERMS) throw invalidArgument("q", `at most ${MAX_TERMS} terms, got ${terms}`);
  for (const t of exclude) include.delete(t);
  const empty = include.size === 0 && from.size === 0;
  if (empty && (exclude.size > 0 || sinceMs !== undefined || untilMs !== undefined)) {
    throw invalidArgument("q", "needs a word, phrase, #hashtag, @mention or from: besides exclusions and dates");
  }
  return { include: [...include], phrases, exclude: [...exclude], from: [...from], sinceMs, untilMs, empty };
}

/** A stable key of what a query means, for cursors: the same search, however it was spelled. */
export function queryKey(p: ParsedQuery): string {
  return JSON.stringify([[...p.include].sort(), p.phrases, [...p.exclude].sort(), [...p.from].sort(), p.sinceMs ?? null, p.untilMs ?? null]);
}

/** True when `words` holds `phrase` as adjacent words. */
export function hasPhrase(words: readonly string[], phrase: readonly string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= words.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
