// Fan-out lag: post to visible. While a step runs, a few followers of two
// probe authors (the most followed account, the largest fan-out, and a
// typical one) hold their live home timeline open (StreamHomeTimeline: the
// SSE route through the gateway, or the gRPC stream), and every intervalMs
// one probe author posts. The lag is from sending the post to the tweet
// arriving on each watching follower's stream. The fan-out worker publishes
// that event right after writing the id into the follower's stored timeline,
// so it marks the moment a poll of the timeline would first see the tweet
// (plus the stream's own hydration), without adding polling load. Probe posts
// and streams are not part of the step's mix figures.
import http from "node:http";
import { Latency, type LatencySummary } from "./histogram.js";
import type { Actor, GrpcClients } from "./mix.js";
import { Rng } from "./rng.js";

export interface ProbeAuthor {
  label: string;
  author: Actor;
  followers: Actor[];
  followerCount: number;
}

export interface LagTransport {
  post(author: Actor, text: string): Promise<string | undefined>;
  /** Opens reader's live home timeline; resolves once it is live; onTweet gets each tweet id. */
  watch(reader: Actor, onTweet: (tweetId: string) => void, signal: AbortSignal): Promise<void>;
}

export interface LagResult {
  probes: number;
  /** Observations: one per probe and watching follower. */
  observations: number;
  /** Observations that did not arrive within the timeout (or whose post failed). */
  notVisible: number;
  latency: LatencySummary;
  byAuthor: Record<string, { followers: number; watchers: number; probes: number; notVisible: number; latency: LatencySummary }>;
  /** Watchers whose stream did not open. */
  watchFailures: number;
}

const TWEET_ID = /"tweet_id":"(\d+)"/;

export function restLagTransport(baseUrl: string, request: (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<{ status: string; body: Buffer }>): LagTransport {
  const u = new URL(baseUrl);
  return {
    async post(author, text) {
      const o = await request("POST", "/api/v1/tweets", { authorization: `Bearer ${author.token}`, "content-type": "application/json" }, JSON.stringify({ content: text }));
      if (o.status !== "200") return undefined;
      return TWEET_ID.exec(o.body.toString("utf8"))?.[1];
    },
    watch(reader, onTweet, signal) {
      return new Promise((resolve, reject) => {
        const req = http.get(
          { host: u.hostname, port: Number(u.port), path: "/api/v1/timeline/home/stream", headers: { authorization: `Bearer ${reader.token}`, accept: "text/event-stream" }, agent: false, signal },
          (res) => {
            if (res.statusCode !== 200) {
              res.resume();
              return reject(new Error(`stream answered ${res.statusCode}`));
            }
            let buf = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              buf += chunk;
              let end: number;
              while ((end = buf.indexOf("\n\n")) >= 0) {
                const event = buf.slice(0, end);
                buf = buf.slice(end + 2);
                if (event.includes("event: keep_alive")) resolve();
                else if (event.includes("event: tweet")) {
                  const id = TWEET_ID.exec(event)?.[1];
                  if (id) onTweet(id);
                }
              }
            });
            res.on("error", () => undefined);
          },
        );
        req.on("error", (err) => reject(err));
      });
    },
  };
}

export function grpcLagTransport(c: GrpcClients): LagTransport {
  return {
    async post(author, text) {
      const r = await c.tweet.createTweet({ content: text }, { headers: { authorization: `Bearer ${author.token}` } }).catch(() => undefined);
      return r?.tweet ? String(r.tweet.tweetId) : undefined;
    },
    watch(reader, onTweet, signal) {
      return new Promise((resolve, reject) => {
        void (async () => {
          try {
            const stream = c.timeline.streamHomeTimeline({}, { headers: { authorization: `Bearer ${reader.token}` }, signal, timeoutMs: 0 });
            for await (const m of stream) {
              if (m.event.case === "keepAlive") resolve();
              else if (m.event.case === "tweet" && m.event.value.tweet) onTweet(String(m.event.value.tweet.tweetId));
            }
          } catch (err) {
            reject(err as Error);
          }
        })();
      });
    },
  };
}

interface Pending {
  label: string;
  sentAt: number;
  waiting: Set<number>;
}

export class LagProbe {
  private running = false;
  private loop?: Promise<void>;
  private readonly abort = new AbortController();
  private readonly all = new Latency();
  private readonly per = new Map<string, { latency: Latency; probes: number; notVisible: number; followers: number; watchers: number[] }>();
  private readonly pending = new Map<string, Pending>();
  /** Arrivals of ids not (yet) known as probes: the event can beat the post's own response. */
  private readonly early = new Map<string, Array<[number, number]>>();
  private probes = 0;
  private observations = 0;
  private notVisible = 0;
  private watchFailures = 0;
  private seq = 0;

  constructor(
    private readonly authors: ProbeAuthor[],
    private readonly t: LagTransport,
    private readonly o: { intervalMs: number; timeoutMs: number; watchers: number; seed: number },
  ) {
    const rng = new Rng(o.seed);
    for (const a of authors) {
      const pool = rng.shuffle([...a.followers.keys()]).slice(0, o.watchers);
      this.per.set(a.label, { latency: new Latency(), probes: 0, notVisible: 0, followers: a.followerCount, watchers: pool });
    }
  }

  /** Opens the watchers' streams (waits until they are live), then posts a probe every intervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<LagResult> {
    this.running = false;
    await this.loop;
    // The last probes get their chance to arrive.
    const deadline = performance.now() + Math.min(this.o.timeoutMs, 5000);
    while (this.pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const p of this.pending.values()) this.expire(p);
    this.pending.clear();
    this.abort.abort();
    const byAuthor: LagResult["byAuthor"] = {};
    for (const [label, p] of this.per) {
      byAuthor[label] = { followers: p.followers, watchers: p.watchers.length, probes: p.probes, notVisible: p.notVisible, latency: p.latency.summary() };
    }
    return { probes: this.probes, observations: this.observations, notVisible: this.notVisible, latency: this.all.summary(), byAuthor, watchFailures: this.watchFailures };
  }

  private async run(): Promise<void> {
    // Watcher w is (author a, follower index f); its events are matched to a's probes.
    const watches: Array<Promise<void>> = [];
    let w = 0;
    const watcherIds: number[][] = [];
    for (const a of this.authors) {
      const ids: number[] = [];
      for (const f of this.per.get(a.label)!.watchers) {
        const id = w++;
        ids.push(id);
        const reader = a.followers[f]!;
        watches.push(
          Promise.race([
            this.t.watch(reader, (tweetId) => this.arrived(id, tweetId), this.abort.signal),
            new Promise<void>((_, reject) => setTimeout(() => reject(new Error("stream did not open in time")), this.o.timeoutMs)),
          ]).catch(() => {
            this.watchFailures++;
            ids.splice(ids.indexOf(id), 1);
          }),
        );
      }
      watcherIds.push(ids);
    }
    await Promise.all(watches);
    let k = 0;
    while (this.running) {
      const started = performance.now();
      const ai = k++ % this.authors.length;
      const a = this.authors[ai]!;
      const ids = watcherIds[ai]!;
      if (ids.length > 0) await this.probe(a, ids);
      this.expireOld();
      const rest = this.o.intervalMs - (performance.now() - started);
      if (rest > 0 && this.running) await new Promise((r) => setTimeout(r, rest));
    }
  }

  private async probe(a: ProbeAuthor, watchers: number[]): Promise<void> {
    const p = this.per.get(a.label)!;
    this.probes++;
    p.probes++;
    const sentAt = performance.now();
    const id = await this.t.post(a.author, `lag probe ${++this.seq} at ${Date.now()}`).catch(() => undefined);
    const entry: Pending = { label: a.label, sentAt, waiting: new Set(watchers) };
    if (!id) return this.expire(entry);
    this.pending.set(id, entry);
    for (const [w, at] of this.early.get(id) ?? []) this.seen(id, entry, w, at);
    this.early.delete(id);
  }

  private arrived(watcher: number, tweetId: string): void {
    const at = performance.now();
    const p = this.pending.get(tweetId);
    if (p) return this.seen(tweetId, p, watcher, at);
    if (this.running || this.pending.size > 0) {
      const list = this.early.get(tweetId) ?? [];
      list.push([watcher, at]);
      this.early.set(tweetId, list);
      // Load posts arrive too; keep the map small.
      if (this.early.size > 2000) this.early.delete(this.early.keys().next().value!);
    }
  }

  private seen(tweetId: string, p: Pending, watcher: number, at: number): void {
    if (!p.waiting.delete(watcher)) return;
    const ms = at - p.sentAt;
    this.observations++;
    this.all.record(ms);
    this.per.get(p.label)!.latency.record(ms);
    if (p.waiting.size === 0) this.pending.delete(tweetId);
  }

  private expire(p: Pending): void {
    this.observations += p.waiting.size;
    this.notVisible += p.waiting.size;
    this.per.get(p.label)!.notVisible += p.waiting.size;
    p.waiting.clear();
  }

  private expireOld(): void {
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (now - p.sentAt > this.o.timeoutMs) {
        this.expire(p);
        this.pending.delete(id);
      }
    }
  }
}
