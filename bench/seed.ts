// Seeding through the services' own gRPC APIs (the same code paths as the
// gateway's, minus the REST edge, which the load run measures): register the
// users, get them tokens, make the follows, post the initial tweets. Re-runs
// do only what is missing:
//   - users: deterministic names (bench_u000001...); Register answering
//     ALREADY_EXISTS is looked up by name; ids and tokens are cached in a
//     state file next to the data, checked against the service on start;
//   - follows: Follow is idempotent; a marker per graph spec skips the phase
//     when the popular accounts' follower counts confirm it;
//   - tweets: each user is topped up to its quota (ListUserTweets counts what
//     is there), with idempotency keys, so an interrupted run never doubles.
// Then, every run: each user's home timeline is read once (built), since a
// timeline is only kept for users who read it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { TokenSigner } from "../services/kit/auth.js";
import type { KeyPairPem } from "../services/kit/keys.js";
import { createServiceClients, type ServiceClients } from "../services/runtime/clients.js";
import { followerDistribution, specKey, username, type Distribution, type SocialGraph } from "./graph.js";
import type { Actor } from "./mix.js";
import { forEachLimit, log, Progress } from "./progress.js";
import { Rng } from "./rng.js";

export const PASSWORD = "Bench-password-1";
const TOKEN_MARGIN_S = 3 * 3600;

export interface SeedOptions {
  graph: SocialGraph;
  addrs: { user: string; graph: string; tweet: string; timeline: string };
  stateFile: string;
  /** login: UserService.Login per user (argon2 verify); mint: sign with the deployment's key (same claims). */
  tokens: "login" | "mint";
  keys: KeyPairPem;
  jwt: { issuer: string; audience: string };
  concurrency: { argon2: number; follow: number; tweet: number; warm: number };
}

export interface PhaseStats {
  total: number;
  /** Done in this run (the rest were there already). */
  done: number;
  seconds: number;
  perSecond: number;
  skipped: boolean;
  note?: string;
}

export interface SeedResult {
  actors: Actor[];
  phases: Record<string, PhaseStats>;
  distribution: Distribution;
  /** Home timelines that were empty after warming (users who follow no one with tweets). */
  emptyTimelines: number;
}

interface State {
  version: 1;
  users: Record<string, { id: string; token?: string; exp?: number }>;
  follows?: string;
  tweets?: string;
}

function loadState(file: string): State {
  if (!existsSync(file)) return { version: 1, users: {} };
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as State;
    return s.version === 1 && s.users ? s : { version: 1, users: {} };
  } catch {
    return { version: 1, users: {} };
  }
}

function saveState(file: string, s: State): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(s));
  renameSync(`${file}.tmp`, file);
}

const isCode = (err: unknown, code: Code) => ConnectError.from(err).code === code;
/** Seeding calls may be slow on a busy machine (a first timeline read rebuilds it): a long deadline. */
const CALL_TIMEOUT_MS = 120_000;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, timeoutMs: CALL_TIMEOUT_MS });
const slow = { timeoutMs: CALL_TIMEOUT_MS };
const TRANSIENT = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]);

/** Retries a call that failed for a passing reason (all seeding calls are idempotent), with backoff. */
async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let k = 1; ; k++) {
    try {
      return await fn();
    } catch (err) {
      if (k >= attempts || !TRANSIENT.has(ConnectError.from(err).code)) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** k));
    }
  }
}

export async function seed(o: SeedOptions): Promise<SeedResult> {
  const g = o.graph;
  const n = g.spec.users;
  const c: ServiceClients = createServiceClients(o.addrs);
  const state = loadState(o.stateFile);
  const phases: Record<string, PhaseStats> = {};
  const names = Array.from({ length: n }, (_, i) => username(i));
  let dirty = false;
  const saver = setInterval(() => {
    if (dirty) saveState(o.stateFile, state);
    dirty = false;
  }, 5000);
  saver.unref();

  try {
    // --- is the cache still the data's? (the data may have been wiped) -----
    const cachedIdx = [0, Math.floor(n / 2), n - 1].filter((i) => state.users[names[i]!]);
    for (const i of cachedIdx) {
      const want = state.users[names[i]!]!.id;
      const got = await retry(() => c.user.getUserByUsername({ username: names[i]! }, slow)).then(
        (r) => String(r.user?.userId ?? ""),
        () => "",
      );
      if (got !== want) {
        log(`seed: the cached ids do not match the service (${names[i]}: ${want} vs ${got || "missing"}): starting the seed afresh`);
        state.users = {};
        delete state.follows;
        delete state.tweets;
        break;
      }
    }

    // --- users -----------------------------------------------------------
    const missing = names.map((_, i) => i).filter((i) => !state.users[names[i]!]);
    phases.register = await phase("register", n, missing.length, o.concurrency.argon2, async (k) => {
      const i = missing[k]!;
      const name = names[i]!;
      let id: bigint;
      try {
        const r = await retry(() => c.user.register({ username: name, email: `${name}@bench.example`, password: PASSWORD, displayName: `Bench user ${i + 1}` }, slow));
        id = r.user!.userId;
      } catch (err) {
        if (!isCode(err, Code.AlreadyExists)) throw err;
        id = (await retry(() => c.user.getUserByUsername({ username: name }, slow))).user!.userId;
      }
      state.users[name] = { id: String(id) };
      dirty = true;
    });

    const now = Math.floor(Date.now() / 1000);
    const needToken = names.map((_, i) => i).filter((i) => (state.users[names[i]!]!.exp ?? 0) - now < TOKEN_MARGIN_S);
    const signer =
      o.tokens === "mint" ? await TokenSigner.fromPem(o.keys.privateKeyPem, { ...o.jwt, ttlSeconds: 86_400 }) : undefined;
    phases.tokens = await phase(
      o.tokens === "mint" ? "tokens (mint)" : "login",
      n,
      needToken.length,
      signer ? 64 : o.concurrency.argon2,
      async (k) => {
        const i = needToken[k]!;
        const u = state.users[names[i]!]!;
        if (signer) {
          const t = await signer.sign({ userId: BigInt(u.id), sessionId: `bench-${i + 1}` });
          u.token = t.token;
          u.exp = Math.floor(t.expiresAt.getTime() / 1000);
        } else {
          const r = await retry(() => c.user.login({ login: names[i]!, password: PASSWORD }, slow));
          if (String(r.user?.userId) !== u.id) throw new Error(`login of ${names[i]} returned user ${r.user?.userId}, expected ${u.id}`);
          u.token = r.session!.accessToken;
          u.exp = Math.floor(Number(r.session!.accessTokenExpiresAt!.seconds));
        }
        dirty = true;
      },
    );
    saveState(o.stateFile, state);
    const actors: Actor[] = names.map((name) => ({ id: BigInt(state.users[name]!.id), token: state.users[name]!.token! }));

    // --- follows -----------------------------------------------------------
    const key = specKey(g.spec);
    const edges = g.edges;
    let followsOk = state.follows === key;
    if (followsOk) {
      // Spot check: the popular accounts (or the most followed) have their followers.
      const top = g.popularAccounts.length ? g.popularAccounts : [maxIndex(g.followerCounts)];
      for (const u of top) {
        const counts = await retry(() => c.graph.getCounts({ userId: actors[u]!.id }, slow));
        if (Number(counts.counts?.followerCount ?? 0) < g.followerCounts[u]!) followsOk = false;
      }
      if (!followsOk) log("seed: the follow marker is there but the follower counts are short: following again (idempotent)");
    }
    if (followsOk) phases.follow = { total: edges, done: 0, seconds: 0, perSecond: 0, skipped: true };
    else {
      const pairs = new Uint32Array(edges * 2);
      let e = 0;
      g.following.forEach((list, u) => list.forEach((v) => ((pairs[e++] = u), (pairs[e++] = v))));
      phases.follow = await phase("follow", edges, edges, o.concurrency.follow, async (k) => {
        const u = pairs[2 * k]!;
        const v = pairs[2 * k + 1]!;
        await retry(() => c.graph.follow({ userId: actors[u]!.id, followeeId: actors[v]!.id }, bearer(actors[u]!.token)));
      });
      state.follows = key;
      saveState(o.stateFile, state);
    }

    // --- tweets ------------------------------------------------------------
    const tweetKey = `${key}:${g.spec.tweets}`;
    let tweetsOk = state.tweets === tweetKey;
    if (tweetsOk) {
      const rng = new Rng(g.spec.seed ^ 0x5eed);
      for (let k = 0; k < 5; k++) {
        const u = rng.int(n);
        if ((await countTweets(c, actors[u]!.id, g.tweetsPerUser[u]!)) < g.tweetsPerUser[u]!) tweetsOk = false;
      }
      if (!tweetsOk) log("seed: the tweet marker is there but some users are short of tweets: topping up");
    }
    if (tweetsOk) phases.tweets = { total: g.spec.tweets, done: 0, seconds: 0, perSecond: 0, skipped: true };
    else {
      const bar = new Progress("tweets", g.spec.tweets);
      let posted = 0;
      await forEachLimit(n, o.concurrency.tweet, async (u) => {
        const quota = g.tweetsPerUser[u]!;
        if (quota === 0) return;
        const have = Math.min(quota, await countTweets(c, actors[u]!.id, quota));
        bar.tick(have);
        for (let k = have; k < quota; k++) {
          await retry(() => c.tweet.createTweet({ content: tweetText(u, k), idempotencyKey: `seed-${u + 1}-${k}` }, bearer(actors[u]!.token)));
          posted++;
          bar.tick();
        }
      });
      const f = bar.finish();
      phases.tweets = { total: g.spec.tweets, done: posted, seconds: f.seconds, perSecond: posted / Math.max(f.seconds, 1e-9), skipped: posted === 0 };
      state.tweets = tweetKey;
      saveState(o.stateFile, state);
    }

    // --- warm: every reader's home timeline built once ---------------------
    let empty = 0;
    phases.warm = await phase("warm timelines", n, n, o.concurrency.warm, async (u) => {
      const r = await retry(() => c.timeline.getHomeTimeline({ limit: 20 }, bearer(actors[u]!.token)));
      if (r.tweets.length === 0) empty++;
    });
    return { actors, phases, distribution: followerDistribution(g), emptyTimelines: empty };
  } finally {
    clearInterval(saver);
    if (dirty) saveState(o.stateFile, state);
  }
}

async function phase(label: string, total: number, todo: number, concurrency: number, fn: (k: number) => Promise<void>): Promise<PhaseStats> {
  if (todo === 0) {
    log(`seed: ${label}: all ${total.toLocaleString("en-US")} there already`);
    return { total, done: 0, seconds: 0, perSecond: 0, skipped: true };
  }
  const bar = new Progress(label, todo);
  await forEachLimit(todo, concurrency, fn, bar);
  const f = bar.finish();
  return { total, done: todo, seconds: f.seconds, perSecond: f.perSecond, skipped: false };
}

/** How many tweets the user has, counting up to `upTo`. */
async function countTweets(c: ServiceClients, userId: bigint, upTo: number): Promise<number> {
  let count = 0;
  let cursor = "";
  for (let pages = 0; pages < 100 && count < upTo; pages++) {
    const r = await retry(() => c.tweet.listUserTweets({ userId, limit: Math.min(100, upTo - count), cursor }, slow));
    count += r.tweets.length;
    if (!r.hasMore || !r.nextCursor) break;
    cursor = r.nextCursor;
  }
  return count;
}

const WORDS = ["coffee", "deploy", "latency", "weekend", "cats", "rust", "typescript", "sunset", "gRPC", "music", "running", "pizza"];
function tweetText(u: number, k: number): string {
  const w = (j: number) => WORDS[(u * 7 + k * 3 + j) % WORDS.length];
  return `Seed tweet ${k + 1} from user ${u + 1}: thinking about ${w(0)} and ${w(1)} again, ${w(2)} later #${w(3)}`;
}

function maxIndex(a: Int32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}
