import test from "ava";
import { DomainError } from "../../kit/errors.js";
import { tokenize } from "./analyze.js";
import { hasPhrase, parseQuery, queryKey } from "./parse.js";
import { tweetTerms, userPrefixes } from "./terms.js";

const refused = (t: import("ava").ExecutionContext, q: string, message: RegExp) => {
  const err = t.throws(() => parseQuery(q), { instanceOf: DomainError });
  t.is(err?.kind, "invalid_argument");
  t.regex(err?.message ?? "", message);
};

test("text is NFKC-normalised, case-folded and ASCII-folded; stop words are kept", (t) => {
  t.deepEqual(tokenize("ÉCOLE Straße Ærø Łódź ｆｕｌｌ"), ["ecole", "strasse", "aero", "lodz", "full"]);
  t.deepEqual(tokenize("To be, or not to be!"), ["to", "be", "or", "not", "to", "be"]);
});

test("scripts without spaces are split into words by Intl.Segmenter", (t) => {
  t.deepEqual(tokenize("我爱北京天安门"), ["我", "爱", "北京", "天安门"]);
  t.true(tokenize("東京都に住んでいます").includes("東京"));
  t.true(tokenize("ภาษาไทยง่ายนิดเดียว").includes("ไทย"));
});

test("emoji are terms and a URL is its domain", (t) => {
  t.deepEqual(tokenize("party 🎉 at https://www.Example.com/x?y=1 👍🏽"), ["party", "🎉", "at", "example.com", "👍🏽"]);
});

test("words are ANDed; hashtags, mentions and phrases have terms of their own", (t) => {
  const p = parseQuery('Hello #Chirp @Alice "to be or"');
  t.deepEqual(p.include.sort(), ["#chirp", "@alice", "be", "hello", "or", "to"].sort());
  t.deepEqual(p.phrases, [["to", "be", "or"]]);
  t.false(p.empty);
});

test("-word excludes, from: names an author, since:/until: bound the time", (t) => {
  const p = parseQuery("cats -dogs -#pets from:@Ann since:2026-01-01 until:2026-02-01");
  t.deepEqual(p.include, ["cats"]);
  t.deepEqual(p.exclude.sort(), ["#pets", "dogs"]);
  t.deepEqual(p.from, ["ann"]);
  t.is(p.sinceMs, Date.UTC(2026, 0, 1));
  t.is(p.untilMs, Date.UTC(2026, 1, 1));
});

test("an unknown operator is an ordinary word", (t) => {
  t.deepEqual(parseQuery("lang:en").include, ["lang", "en"]);
});

test("bad input is refused, naming the problem", (t) => {
  refused(t, "", /q: must not be empty/);
  refused(t, "   ", /must not be empty/);
  refused(t, "a".repeat(513), /at most 512 characters, got 513/);
  refused(t, "a b c d e f g h i j k", /at most 10 terms, got 11/);
  refused(t, "since:2026-02-31 x", /since: takes a date/);
  refused(t, "from:not-a-name", /from: takes a username/);
  refused(t, "-cats", /needs a word/);
  t.notThrows(() => parseQuery("a b c d e f g h i j"));
  t.notThrows(() => parseQuery("a".repeat(512)));
});

test("a query of stop characters only is empty, not an error", (t) => {
  t.true(parseQuery("!!! ... ?").empty);
  t.true(parseQuery("#").empty);
});

test("the query key ignores spelling and order, not meaning", (t) => {
  t.is(queryKey(parseQuery("Cats DOGS")), queryKey(parseQuery("dogs cats")));
  t.not(queryKey(parseQuery("cats dogs")), queryKey(parseQuery("cats -dogs")));
});

test("phrases match adjacent words only", (t) => {
  t.true(hasPhrase(["to", "be", "or", "not"], ["be", "or"]));
  t.false(hasPhrase(["to", "be", "not", "or"], ["be", "or"]));
});

test("a tweet's terms are its words, tags, mentions and author", (t) => {
  const terms = tweetTerms({ tweetId: 1n, authorId: 7n, content: "Hi #Chirp @Bob see https://x.org", hashtags: ["chirp"], mentions: ["Bob"] });
  for (const term of ["hi", "chirp", "#chirp", "@bob", "bob", "x.org", "from:7"]) t.true(terms.includes(term), term);
});

test("people are found by prefixes of the username and of display-name words", (t) => {
  const p = userPrefixes("Ann_Lee", "Ana María");
  for (const x of ["a", "ann", "ann_lee", "ana", "mar", "maria"]) t.true(p.includes(x), x);
  t.false(p.includes("lee"));
});
