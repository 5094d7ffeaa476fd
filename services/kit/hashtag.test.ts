import test from "ava";
import { extractHashtags, normalizeHashtag, normalizeHashtags } from "./hashtag.js";

test("one tag whatever its case or compatibility form: #Chirp, #CHIRP, #ｃｈｉｒｐ and ＃chirp", (t) => {
  t.deepEqual(extractHashtags("#Chirp #CHIRP #ｃｈｉｒｐ ＃chirp #chirp"), ["chirp"]);
  t.is(normalizeHashtag("#Chirp"), "chirp");
  t.is(normalizeHashtag("ＣＨＩＲＰ"), "chirp");
});

test("full case folding and NFKC: ß is ss, final sigma is sigma, ligatures split, accents composed", (t) => {
  t.is(normalizeHashtag("Straße"), normalizeHashtag("STRASSE"));
  t.is(normalizeHashtag("ΟΔΟΣ"), normalizeHashtag("οδος"));
  t.is(normalizeHashtag("οδος"), normalizeHashtag("οδοσ"));
  t.is(normalizeHashtag("ﬁre"), "fire");
  t.is(normalizeHashtag("cafe\u0301"), "caf\u00e9");
});

test("a tag made only of digits is not a tag, in any script's digits", (t) => {
  t.deepEqual(extractHashtags("#2024 #２０２４ #١٢٣ #① #2024goals"), ["2024goals"]);
  t.is(normalizeHashtag("2024"), undefined);
  t.is(normalizeHashtag(""), undefined);
  t.is(normalizeHashtag("not a tag"), undefined);
  t.is(normalizeHashtag("x".repeat(101)), undefined);
});

test("tags start after a non-word character and keep their order", (t) => {
  t.deepEqual(extractHashtags("#Chirp and #chirp, #2024 #café #日本 a#b &#39; #x_1"), ["chirp", "café", "日本", "x_1"]);
  t.deepEqual(normalizeHashtags(["#B", "b", "a", "12"]), ["b", "a"]);
});
