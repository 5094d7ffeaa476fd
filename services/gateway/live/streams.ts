// The streams a WebSocket client names, as Mastodon's streaming API names
// them, and the live subjects behind them: `home` and `notifications` are the
// caller's own; `user:<id>` and `hashtag:<tag>` are public.
import { normalizeHashtag } from "../../kit/hashtag.js";
import { SUBJECTS } from "../../platform/bus/streams.js";

export interface StreamRef {
  /** As the client sees it in every message: "home", "user:42", "hashtag:chirp". */
  name: string;
  subject: string;
}

export type Parsed = { ok: true; stream: StreamRef } | { ok: false; message: string };

const USER_ID = /^[1-9][0-9]{0,18}$/;

/** A stream name (or Mastodon's `{stream: "hashtag", tag}` form) for this caller. */
export function parseStream(raw: unknown, callerId: bigint, tag?: unknown): Parsed {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 200) return unknown(raw);
  if (raw === "home") return ok("home", SUBJECTS.liveHome(callerId));
  if (raw === "notifications") return ok("notifications", SUBJECTS.liveNotifications(callerId));
  const colon = raw.indexOf(":");
  const [kind, arg] = colon < 0 ? [raw, typeof tag === "string" ? tag : ""] : [raw.slice(0, colon), raw.slice(colon + 1)];
  if (kind === "user") {
    if (!USER_ID.test(arg) || BigInt(arg) > 2n ** 63n - 1n) return { ok: false, message: `stream 'user:<id>' needs an account id, got '${arg}'` };
    return ok(`user:${arg}`, SUBJECTS.liveUser(arg));
  }
  if (kind === "hashtag") {
    const t = normalizeHashtag(arg);
    if (!t) return { ok: false, message: `stream 'hashtag:<tag>' needs a hashtag (letters, digits, '_'), got '${arg.slice(0, 100)}'` };
    return ok(`hashtag:${t}`, SUBJECTS.liveHashtag(t));
  }
  return unknown(raw);
}

function ok(name: string, subject: string): Parsed {
  return { ok: true, stream: { name, subject } };
}

function unknown(raw: unknown): Parsed {
  const shown = typeof raw === "string" ? `'${raw.slice(0, 100)}'` : String(typeof raw);
  return { ok: false, message: `unknown stream ${shown}: expected home, notifications, user:<id> or hashtag:<tag>` };
}

/** A client's event id (`since`): a stream sequence. */
export function parseSince(raw: unknown): number | undefined {
  const s = typeof raw === "number" ? String(raw) : raw;
  if (typeof s !== "string" || !/^[0-9]{1,16}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The client's name of a live subject's stream (the same for every client that follows it). */
export function streamOf(subject: string): string {
  const [, kind, ...rest] = subject.split(".");
  const arg = rest.join(".");
  return kind === "home" || kind === "notifications" ? kind : `${kind}:${arg}`;
}
