import test from "ava";
import { DomainError } from "../kit/errors.js";
import { checkContent, checkMediaUrls, codePointLength, extractHashtags, extractMentions } from "./text.js";

const refused = (t: import("ava").ExecutionContext, fn: () => unknown, message: RegExp) => {
  const err = t.throws(fn, { instanceOf: DomainError });
  t.is(err?.kind, "invalid_argument");
  t.regex(err?.message ?? "", message);
};

test("length counts code points: 280 emoji or CJK characters fit, 281 do not", (t) => {
  t.is(codePointLength("😀"), 1);
  t.is("😀".length, 2);
  t.is(checkContent("😀".repeat(280)), "😀".repeat(280));
  t.is(checkContent("漢".repeat(280)).length, 280);
  refused(t, () => checkContent("😀".repeat(281)), /^content: must be at most 280 characters, got 281$/);
  refused(t, () => checkContent("a".repeat(281)), /got 281/);
});

test("NFC: a decomposed accent counts once and is stored composed", (t) => {
  const decomposed = "e\u0301"; // e + combining acute
  const stored = checkContent(decomposed.repeat(280));
  t.is(stored, "\u00e9".repeat(280));
  t.is(codePointLength(stored), 280);
});

test("blank text is refused, including invisible characters", (t) => {
  for (const blank of ["", " ", "\n\t ", "\u3000", "\u200b\u200d", "\ufeff"]) {
    refused(t, () => checkContent(blank), /^content: must not be blank$/);
  }
  refused(t, () => checkContent("hi\u0000"), /control characters/);
  t.is(checkContent(" hi\nthere "), " hi\nthere ");
});

test("media URLs: https, at most 1024 characters, at most four", (t) => {
  t.deepEqual(checkMediaUrls(["https://cdn.example/a.png"]), ["https://cdn.example/a.png"]);
  refused(t, () => checkMediaUrls(["http://cdn.example/a.png"]), /^media_urls\[0\]: must be an https:\/\/ URL$/);
  refused(t, () => checkMediaUrls(["https://x/ok", "javascript:alert(1)"]), /^media_urls\[1\]/);
  refused(t, () => checkMediaUrls([`https://cdn.example/${"a".repeat(1010)}`]), /at most 1024 characters/);
  refused(t, () => checkMediaUrls(Array(5).fill("https://cdn.example/a.png")), /at most 4 media URLs, got 5/);
});

test("hashtags: lower-cased, deduplicated, letters needed, not inside words", (t) => {
  t.deepEqual(extractHashtags("#Chirp and #chirp, #2024 #café #日本 a#b &#39; #x_1"), ["chirp", "café", "日本", "x_1"]);
  t.deepEqual(extractHashtags("no tags"), []);
});

test("mentions: 3-15 username characters, not e-mail addresses, first spelling kept", (t) => {
  t.deepEqual(extractMentions("hi @Alice and @alice, mail bob@example.com, @ab @bob_2 (@carol)"), ["Alice", "bob_2", "carol"]);
  t.deepEqual(extractMentions("@abcdefghijklmnop is too long"), []);
});
