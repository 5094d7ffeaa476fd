// Scoring against the tag's own baseline, on counts made by countMembers
// (the in-process store's counting; the store contract checks Redis agrees).
import test from "ava";
import { hourScore, rank, scoreTag } from "./score.js";
import { countMembers, DAY_MS, HOUR_MS, windowOf, windowSpec } from "./windows.js";

const NOW = Date.UTC(2025, 0, 8, 12, 0, 0);
const spec = windowSpec(NOW);
const rules = { minAuthors: 5, minScore: 2, halfLifeMs: 4 * HOUR_MS };
let nextAuthor = 1n;
/** `n` distinct authors, each posting once at `at`, full weight unless `weight` says. */
const authors = (n: number, at: number, weight = 2) => Array.from({ length: n }, () => ({ authorId: nextAuthor++, weight, at }));

test("windows: the current hour, earlier hours and the same hours of earlier days", (t) => {
  t.deepEqual(windowOf(NOW - 1, spec), { d: 0, k: 0 });
  t.deepEqual(windowOf(NOW - HOUR_MS, spec), { d: 0, k: 0 });
  t.deepEqual(windowOf(NOW - HOUR_MS - 1, spec), { d: 0, k: 1 });
  t.deepEqual(windowOf(NOW - 3 * DAY_MS - 5 * HOUR_MS - 10, spec), { d: 3, k: 5 });
  t.is(windowOf(NOW, spec), undefined, "the window ends before now");
  t.is(windowOf(NOW - 13 * HOUR_MS - 1, spec), undefined);
  t.is(windowOf(NOW - 8 * DAY_MS, spec), undefined);
});

test("a burst trends: observed against a baseline of at least 1", (t) => {
  const w = countMembers(authors(30, NOW - 10 * 60_000), spec);
  const s = scoreTag("burst", w, spec, rules)!;
  t.is(s.uniqueAuthors, 30n);
  t.is(s.observed, 30);
  t.is(s.expected, 1);
  t.is(s.currentScore, 29);
  t.is(s.score, 29);
});

test("a daily habit does not trend: the same hour of the previous 7 days is its baseline", (t) => {
  const members = [];
  for (let d = 0; d <= 7; d++) members.push(...authors(20, NOW - d * DAY_MS - 20 * 60_000));
  const w = countMembers(members, spec);
  t.deepEqual(hourScore(w, 0, spec), { unique: 20, observed: 20, expected: 20, score: 0 });
  t.is(scoreTag("monday", w, spec, rules), undefined);
});

test("fewer than the minimum of authors does not trend, however high the score", (t) => {
  const noisy = Array.from({ length: 500 }, (_, i) => ({ authorId: 7n, weight: 2, at: NOW - i * 1000 }));
  const w = countMembers([...noisy, ...authors(3, NOW - 1000)], spec);
  t.is(hourScore(w, 0, spec).unique, 4);
  t.is(scoreTag("noisy", w, spec, rules), undefined);
});

test("new accounts and accounts without followers count half", (t) => {
  const w = countMembers([...authors(10, NOW - 1000, 1), ...authors(2, NOW - 1000)], spec);
  const s = scoreTag("young", w, spec, rules)!;
  t.is(s.uniqueAuthors, 12n);
  t.is(s.observed, 7);
  t.is(s.currentScore, 6);
});

test("decay: a bigger burst three hours ago ranks by its score halved every 4 hours; without it, the current score", (t) => {
  const burst = authors(41, NOW - 3 * HOUR_MS + 10 * 60_000); // hour k = 2
  const now = authors(6, NOW - 5 * 60_000);
  const s = scoreTag("fading", countMembers([...burst, ...now], spec), spec, rules)!;
  t.is(s.currentScore, 5);
  t.is(s.score, Math.round(40 * 0.5 ** (2 / 4) * 1000) / 1000);
  t.is(Number(s.peakedAt!.seconds) * 1000, NOW - 2 * HOUR_MS);
  // The burst deleted: recomputed from what is left, nothing of it remains.
  const after = scoreTag("fading", countMembers(now, spec), spec, rules)!;
  t.is(after.score, 5);
  t.is(Number(after.peakedAt!.seconds) * 1000, NOW);
  // And a tag whose current hour was deleted does not trend on its past.
  t.is(scoreTag("fading", countMembers(burst, spec), spec, rules), undefined);
});

test("ranking: score, then authors, then name", (t) => {
  const mk = (tag: string, score: number, n: bigint) => ({ tag, score, uniqueAuthors: n }) as never;
  t.deepEqual(
    rank([mk("b", 3, 5n), mk("a", 3, 5n), mk("c", 9, 5n), mk("d", 3, 9n)]).map((x: { tag: string }) => x.tag),
    ["c", "d", "a", "b"],
  );
});
