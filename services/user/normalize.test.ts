import test from "ava";
import { DomainError } from "../kit/errors.js";
import { checkAvatarUrl, checkBio, checkDisplayName, checkPassword, checkUsername, normalizeEmail, usernameKey } from "./normalize.js";

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError && err.kind === "invalid_argument" ? err.field : "other";
  }
  return undefined;
};

test("emails are trimmed and lower-cased as a whole", (t) => {
  t.is(normalizeEmail("  Alice.Smith@Example.COM "), "alice.smith@example.com");
  t.is(fieldOf(() => normalizeEmail("no-at-sign")), "email");
});

test("usernames: case kept for display, key lower-cased, charset enforced", (t) => {
  t.is(checkUsername("Alice_01"), "Alice_01");
  t.is(usernameKey("Alice_01"), "alice_01");
  t.is(fieldOf(() => checkUsername("al")), "username");
  t.is(fieldOf(() => checkUsername("a".repeat(16))), "username");
  t.is(fieldOf(() => checkUsername("bad-name")), "username");
});

test("profile fields: lengths in characters, no control characters, https avatars only", (t) => {
  t.is(checkDisplayName("  Ann  "), "Ann");
  t.is(checkDisplayName("é".repeat(50)).length, 50);
  t.is(fieldOf(() => checkDisplayName("x".repeat(51))), "display_name");
  t.is(fieldOf(() => checkDisplayName("a\u0000b")), "display_name");
  t.is(checkBio("line one\nline two"), "line one\nline two");
  t.is(fieldOf(() => checkBio("b".repeat(161))), "bio");
  t.is(checkAvatarUrl(""), "");
  t.is(checkAvatarUrl("https://cdn.example.com/a.png"), "https://cdn.example.com/a.png");
  t.is(fieldOf(() => checkAvatarUrl("http://cdn.example.com/a.png")), "avatar_url");
  t.is(fieldOf(() => checkAvatarUrl("https://user:pw@cdn.example.com/a.png")), "avatar_url");
  t.is(fieldOf(() => checkAvatarUrl("javascript:alert(1)")), "avatar_url");
});

test("passwords: 8 to 128 characters", (t) => {
  t.is(fieldOf(() => checkPassword("short")), "password");
  t.is(fieldOf(() => checkPassword("x".repeat(129))), "password");
  t.is(checkPassword("long enough"), "long enough");
});
