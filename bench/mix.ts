// The request mix: which operation request i is, and how each is sent, over
// REST through the gateway or over gRPC straight to the services. Readers and
// posters are drawn uniformly from the seeded users; the profile whose user
// timeline is read is drawn by popularity (follower count + 1), as people look
// at popular accounts more. The draws are seeded: the same run sends the same
// sequence.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createUnaryGrpcTransport } from "../services/kit/grpc-unary-client.js";
import { TimelineService } from "../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetService } from "../gen/chirp/tweet/v1/tweet_pb.js";
import type { HttpClient } from "./http.js";
import type { Op, Outcome } from "./openloop.js";
import { Rng, WeightedSampler } from "./rng.js";

export type OpKind = "home" | "user" | "post";
export const OP_KINDS: OpKind[] = ["home", "user", "post"];

export interface Mix {
  home: number;
  user: number;
  post: number;
}

export const DEFAULT_MIX: Mix = { home: 60, user: 30, post: 10 };

/** "60,30,10" or "home=60,user=30,post=10" (any order; weights, normalised to 100). */
export function parseMix(text: string): Mix {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  const mix: Mix = { home: 0, user: 0, post: 0 };
  parts.forEach((p, i) => {
    const m = /^(?:(home|user|post)=)?(\d+(?:\.\d+)?)$/.exec(p);
    if (!m) throw new Error(`--mix: cannot read '${p}' (expected e.g. home=60,user=30,post=10)`);
    const kind = (m[1] as OpKind | undefined) ?? OP_KINDS[i];
    if (!kind) throw new Error("--mix: at most three weights (home, user, post)");
    mix[kind] = Number(m[2]);
  });
  const sum = mix.home + mix.user + mix.post;
  if (!(sum > 0)) throw new Error("--mix: the weights must add up to more than 0");
  return { home: (mix.home * 100) / sum, user: (mix.user * 100) / sum, post: (mix.post * 100) / sum };
}

export const mixLabel = (m: Mix) => `${fmt(m.home)}% home / ${fmt(m.user)}% user / ${fmt(m.post)}% post`;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** A seeded user the load can act as. */
export interface Actor {
  id: bigint;
  token: string;
}

export interface Population {
  actors: Actor[];
  /** Draws an index by popularity (for user-timeline reads). */
  popular: WeightedSampler;
}

/** Chooses the kind and the actors of request i, reproducibly. */
export class MixPicker {
  private readonly rng: Rng;
  private readonly cut1: number;
  private readonly cut2: number;

  constructor(
    mix: Mix,
    private readonly pop: Population,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.cut1 = mix.home / 100;
    this.cut2 = (mix.home + mix.user) / 100;
  }

  pick(): { kind: OpKind; actor: Actor; target: Actor } {
    const r = this.rng.next();
    const kind: OpKind = r < this.cut1 ? "home" : r < this.cut2 ? "user" : "post";
    const actor = this.pop.actors[this.rng.int(this.pop.actors.length)]!;
    const target = kind === "user" ? this.pop.actors[this.pop.popular.sample(this.rng)]! : actor;
    return { kind, actor, target };
  }
}

let postSeq = 0;
const postContent = () =>
  `load ${++postSeq} #chirpbench what a day for a benchmark: open loop, no coordinated omission, p99 under fifty ms`;

/** REST through the gateway. */
export function restOps(http: HttpClient, picker: MixPicker): (i: number) => Op {
  const auth = new Map<Actor, Record<string, string>>();
  const headers = (a: Actor, post = false) => {
    let h = auth.get(a);
    if (!h) auth.set(a, (h = { authorization: `Bearer ${a.token}` }));
    return post ? { ...h, "content-type": "application/json" } : h;
  };
  return () => {
    const { kind, actor, target } = picker.pick();
    switch (kind) {
      case "home":
        return { kind, run: async () => readOutcome(await http.request("GET", "/api/v1/timeline/home?limit=20", headers(actor))) };
      case "user":
        return { kind, run: async () => readOutcome(await http.request("GET", `/api/v1/timeline/user/${target.id}?limit=20`, headers(actor))) };
      case "post":
        return { kind, run: async () => restOutcome(await http.request("POST", "/api/v1/tweets", headers(actor, true), JSON.stringify({ content: postContent() }))) };
    }
  };
}

function readOutcome(o: { ok: boolean; status: string; body: Buffer; detail?: string }): Outcome {
  return o.ok ? { ok: true, status: o.status, empty: !o.body.includes('"tweet_id"') } : restOutcome(o);
}

export function restOutcome(o: { ok: boolean; status: string; body: Buffer; detail?: string }): Outcome {
  if (o.ok) return { ok: true, status: o.status };
  return { ok: false, status: o.status, detail: o.detail ?? o.body.toString("utf8", 0, Math.min(o.body.length, 300)) };
}

export interface GrpcClients {
  timeline: Client<typeof TimelineService>;
  tweet: Client<typeof TweetService>;
}

export function grpcClients(addrs: { timeline: string; tweet: string }, timeoutMs = 10_000): GrpcClients {
  const t = (baseUrl: string) => createUnaryGrpcTransport({ baseUrl, defaultTimeoutMs: timeoutMs });
  return { timeline: createClient(TimelineService, t(addrs.timeline)), tweet: createClient(TweetService, t(addrs.tweet)) };
}

/** gRPC straight to the timeline and tweet services (no gateway). */
export function grpcOps(c: GrpcClients, picker: MixPicker): (i: number) => Op {
  const auth = new Map<Actor, { headers: Record<string, string> }>();
  const opts = (a: Actor) => {
    let h = auth.get(a);
    if (!h) auth.set(a, (h = { headers: { authorization: `Bearer ${a.token}` } }));
    return h;
  };
  return () => {
    const { kind, actor, target } = picker.pick();
    switch (kind) {
      case "home":
        return { kind, run: () => grpcOutcome(c.timeline.getHomeTimeline({ limit: 20 }, opts(actor)), (r) => r.tweets.length === 0) };
      case "user":
        return { kind, run: () => grpcOutcome(c.timeline.getUserTimeline({ userId: target.id, limit: 20 }, opts(actor)), (r) => r.tweets.length === 0) };
      case "post":
        return { kind, run: () => grpcOutcome(c.tweet.createTweet({ content: postContent() }, opts(actor)), () => false) };
    }
  };
}

export async function grpcOutcome<T>(call: Promise<T>, isEmpty: (r: T) => boolean): Promise<Outcome> {
  try {
    const r = await call;
    return { ok: true, status: "OK", empty: isEmpty(r) };
  } catch (err) {
    return { ok: false, status: grpcStatus(err), detail: ConnectError.from(err).message };
  }
}

export function grpcStatus(err: unknown): string {
  const e = ConnectError.from(err);
  return e.code === Code.DeadlineExceeded ? "timeout" : (Code[e.code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
