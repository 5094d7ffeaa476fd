// Normalisation and the checks protovalidate cannot express. The request
// rules (lengths, patterns) already ran in the validation interceptor; these
// functions re-check what matters for storage so a store never sees junk.
import { invalidArgument } from "../kit/errors.js";

const USERNAME = /^[A-Za-z0-9_]{3,15}$/;

/** Usernames keep their case for display; uniqueness uses this key. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function checkUsername(username: string, field = "username"): string {
  if (!USERNAME.test(username)) throw invalidArgument(field, "must be 3 to 15 letters, digits or underscores");
  return username;
}

/** Trimmed and lower-cased as a whole: one mailbox, one account. */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(e)) throw invalidArgument("email", "must be an email address");
  return e;
}

export function looksLikeEmail(login: string): boolean {
  return login.includes("@");
}

// Letters and spaces are fine; control characters (newlines, NUL, bidi
// overrides are not all caught, but the worst are) never belong in a name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkDisplayName(name: string): string {
  const n = name.trim();
  if ([...n].length > 50) throw invalidArgument("display_name", "must be at most 50 characters");
  if (CONTROL.test(n)) throw invalidArgument("display_name", "must not contain control characters");
  return n;
}

export function checkBio(bio: string): string {
  const b = bio.trim();
  if ([...b].length > 160) throw invalidArgument("bio", "must be at most 160 characters");
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(b)) throw invalidArgument("bio", "must not contain control characters");
  return b;
}

/** An absolute https URL with a host, or "" to remove the avatar. */
export function checkAvatarUrl(url: string): string {
  if (url === "") return "";
  if (url.length > 2048 || !URL.canParse(url)) throw invalidArgument("avatar_url", "must be an https URL");
  const u = new URL(url);
  if (u.protocol !== "https:" || !u.hostname) throw invalidArgument("avatar_url", "must be an https URL");
  if (u.username || u.password) throw invalidArgument("avatar_url", "must not contain credentials");
  return u.toString();
}

export function checkPassword(password: string): string {
  // Counted in characters like the proto rule; the upper bound keeps one
  // request from buying a long hash computation.
  const n = [...password].length;
  if (n < 8) throw invalidArgument("password", "must be at least 8 characters");
  if (n > 128) throw invalidArgument("password", "must be at most 128 characters");
  return password;
}
