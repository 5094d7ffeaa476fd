// Scoring a tag against its own baseline, from the counts the store keeps.
//
//   observed(k)  = weighted distinct authors in hour k back (k = 0: the last hour)
//   expected(k)  = mean of observed over the same hour of the previous 7 days, at least 1
//   score(k)     = (observed(k) - expected(k)) / sqrt(expected(k))
//
// A tag trends when at least minAuthors distinct accounts used it in the last
// hour and score(0) >= minScore. Its rank is the highest score(k), halved for
// every half-life of age (k hours), over the hours that had minAuthors
// themselves: a burst that is fading keeps its place for a while, but the
// whole score is recomputed every minute from what is stored now, so a
// deleted burst takes its past hours with it and cannot be kept listed by
// its own decay.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TrendingHashtagSchema, type TrendingHashtag } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import type { TagWindows, WindowSpec } from "../store/port.js";

export interface ScoreRules {
  minAuthors: number;
  minScore: number;
  halfLifeMs: number;
}

export interface HourScore {
  unique: number;
  observed: number;
  expected: number;
  score: number;
}

/** The score of hour k back. */
export function hourScore(w: TagWindows, k: number, spec: WindowSpec): HourScore {
  let past = 0;
  for (let d = 1; d <= spec.days; d++) past += w.weighted[d]![k]! / 2;
  const expected = Math.max(1, past / spec.days);
  const observed = w.weighted[0]![k]! / 2;
  return { unique: w.unique[0]![k]!, observed, expected, score: (observed - expected) / Math.sqrt(expected) };
}

/** The tag as listed, or undefined when it does not trend now. */
export function scoreTag(tag: string, w: TagWindows, spec: WindowSpec, rules: ScoreRules): TrendingHashtag | undefined {
  const now = hourScore(w, 0, spec);
  if (now.unique < rules.minAuthors || now.score < rules.minScore) return undefined;
  let best = now.score;
  let peak = 0;
  for (let k = 1; k < spec.hours; k++) {
    const h = hourScore(w, k, spec);
    if (h.unique < rules.minAuthors) continue;
    const decayed = h.score * 0.5 ** ((k * spec.hourMs) / rules.halfLifeMs);
    if (decayed > best) {
      best = decayed;
      peak = k;
    }
  }
  return create(TrendingHashtagSchema, {
    tag,
    score: round(best),
    uniqueAuthors: BigInt(now.unique),
    observed: now.observed,
    expected: round(now.expected),
    currentScore: round(now.score),
    peakedAt: timestampFromMs(spec.now - peak * spec.hourMs),
  });
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Highest score first; ties by more authors, then by name. */
export function rank(tags: TrendingHashtag[]): TrendingHashtag[] {
  return tags.sort((a, b) => b.score - a.score || Number(b.uniqueAuthors - a.uniqueAuthors) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}
