import test from "ava";
import { parseSince, parseStream, streamOf } from "./streams.js";

test("stream names map to the caller's own or public live subjects, and back", (t) => {
  t.deepEqual(parseStream("home", 7n), { ok: true, stream: { name: "home", subject: "live.home.7" } });
  t.deepEqual(parseStream("notifications", 7n), { ok: true, stream: { name: "notifications", subject: "live.notifications.7" } });
  t.deepEqual(parseStream("user:42", 7n), { ok: true, stream: { name: "user:42", subject: "live.user.42" } });
  t.deepEqual(parseStream("hashtag:Chirp", 7n), { ok: true, stream: { name: "hashtag:chirp", subject: "live.hashtag.chirp" } }, "normalised as tweets' tags are");
  t.deepEqual(parseStream("hashtag", 7n, "#ＣＨＩＲＰ"), { ok: true, stream: { name: "hashtag:chirp", subject: "live.hashtag.chirp" } }, "Mastodon's {stream, tag} form");
  for (const s of ["home", "notifications", "user:42", "hashtag:chirp"]) {
    const p = parseStream(s, 7n);
    if (p.ok) t.is(streamOf(p.stream.subject), p.stream.name);
  }
});

test("bad names are refused with a reason, never a subject with wildcards or dots", (t) => {
  for (const bad of ["", "public", "user:", "user:0", "user:abc", "user:99999999999999999999", "hashtag:", "hashtag:a.b", "hashtag:>", "hashtag:*", "hashtag:2024", 5, null]) {
    const p = parseStream(bad, 7n);
    t.false(p.ok, String(bad));
    if (!p.ok) t.regex(p.message, /stream/);
  }
});

test("since is a stream sequence", (t) => {
  t.is(parseSince("1042"), 1042);
  t.is(parseSince(1042), 1042);
  for (const bad of ["", "-1", "1e3", "abc", "12345678901234567", undefined, {}]) t.is(parseSince(bad), undefined, String(bad));
});
