// One WebSocket client: its streams (a Tap on the live feed; home also follows
// the large accounts the user follows), the messages it sends (subscribe,
// unsubscribe, resume), heartbeats, the slow-reader and token-expiry limits.
// A retweet waits for the reader's states of its original; frames after it
// wait their turn, so the order stays the stream's. A bad message gets an
// error message; the socket and everyone else's go on.
import type { WebSocket } from "ws";
import type { LiveMessage } from "../../platform/bus/port.js";
import type { LiveFeed, Tap } from "../../platform/bus/live-feed.js";
import { HomeSubjects, type LargeFolloweesSource } from "../../platform/bus/home-subjects.js";
import type { Logger } from "../../kit/logger.js";
import type { LiveConfig } from "./config.js";
import type { LiveMetrics } from "./metrics.js";
import { frameText, type Frame, type ReaderStates } from "./render.js";
import { SUBJECTS } from "../../platform/bus/streams.js";
import { parseSince, parseStream, streamOf, type StreamRef } from "./streams.js";

/** Close codes: RFC 6455's, and 4401 for an expired token (4000-4999 are the application's). */
export const CLOSE = { goingAway: 1001, unsupported: 1003, tooBig: 1009, tryAgainLater: 1013, tokenExpired: 4401 } as const;

export interface SocketDeps {
  feed: LiveFeed;
  config: LiveConfig;
  metrics: LiveMetrics;
  logger: Logger;
  /** The message's frame text on that stream, rendered once for every socket (undefined: not an event of ours). */
  render(msg: LiveMessage, stream: string): string | undefined;
  /** The tweet whose states the frame shows per reader (a retweet's original), if any. */
  statesShown(msg: LiveMessage): bigint | undefined;
  /** The frame with this reader's states. */
  renderFor(msg: LiveMessage, stream: string, states: ReaderStates): string | undefined;
  /** This socket's reader's likes and retweets of these tweets. */
  readerStates(tweetIds: bigint[]): Promise<ReaderStates>;
  /** Tells fan-out the user has a home stream open (publish their home events). */
  markOnline(userId: bigint): Promise<void>;
  /** The large accounts a user follows: their tweets reach home through their own streams. */
  largeFollowees: LargeFolloweesSource;
}

export class LiveSocket {
  private readonly tap: Tap;
  /** The subjects of the streams the client asked for (home's large accounts are apart, in `home`). */
  private readonly explicit = new Set<string>();
  private readonly home: HomeSubjects;
  private readonly homeSubject: string;
  private alive = true;
  private closing = false;
  /** Frames waiting behind a reader-states lookup. */
  private ordered: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly expiry: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly userId: bigint,
    expiresMs: number,
    private readonly d: SocketDeps,
  ) {
    this.tap = d.feed.open({
      message: (msg) => {
        if (this.explicit.has(msg.subject)) this.deliver(msg, streamOf(msg.subject));
        if (this.home.has(msg.subject)) this.deliver(msg, "home");
      },
      resync: () => this.send({ stream: null, event: "resync_required", id: null, payload: null }),
    });
    this.homeSubject = SUBJECTS.liveHome(userId);
    // A subject the client also asked for by name stays followed when home lets go of it, and the other way round.
    this.home = new HomeSubjects(
      { add: (s) => this.tap.add(s), remove: (s) => void (this.explicit.has(s) || this.tap.remove(s)) },
      userId,
      d.largeFollowees,
      (err) => d.logger.warn({ err }, "large accounts followed not read: home keeps the ones it had"),
    );
    // setTimeout's limit is about 24.8 days; a token lives far less.
    this.expiry = setTimeout(() => this.close(CLOSE.tokenExpired, "access token expired: reconnect with a fresh one", "expired"), Math.min(Math.max(0, expiresMs - Date.now()), 2 ** 31 - 1));
    ws.on("pong", () => (this.alive = true));
    ws.on("message", (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on("close", () => this.dispose());
    ws.on("error", (err) => d.logger.debug({ err }, "websocket error"));
  }

  /** Subscribes to the query's streams, then replays after `since` when given. */
  async start(streams: string[], since: string | null): Promise<void> {
    const refs = streams.flatMap((s) => this.subscribe(s, undefined, false) ?? []);
    if (this.explicit.has(this.homeSubject)) await this.home.refresh();
    if (since !== null) await this.resume(since);
    else await this.tap.ready();
    if (this.explicit.has(this.homeSubject)) await this.presence();
    for (const r of refs) this.send({ stream: r.name, event: "subscribed", id: null, payload: null });
  }

  /** Called on every ping round: a socket that did not answer the last ping is dead. */
  heartbeat(): void {
    if (this.closing) return;
    if (!this.alive) {
      this.d.metrics.closed.inc({ reason: "dead" });
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
    if (this.explicit.has(this.homeSubject)) void Promise.all([this.presence(), this.home.refresh()]);
  }

  close(code: number, reason: string, why: string): void {
    if (this.closing) return;
    this.closing = true;
    this.d.metrics.closed.inc({ reason: why });
    this.ws.close(code, reason);
    // A reader that no longer reads never completes the closing handshake.
    setTimeout(() => this.ws.terminate(), this.d.config.closeGraceMs).unref();
    this.dispose();
  }

  private dispose(): void {
    clearTimeout(this.expiry);
    this.tap.close();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.close(CLOSE.unsupported, "binary frames are not supported: send JSON text", "protocol");
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(data.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      msg = parsed as Record<string, unknown>;
    } catch {
      return this.error("invalid_argument", 'a message is a JSON object such as {"type":"subscribe","stream":"home"}');
    }
    switch (msg.type) {
      case "subscribe":
        return void this.subscribe(msg.stream, msg.tag, true);
      case "unsubscribe": {
        const p = parseStream(msg.stream, this.userId, msg.tag);
        if (!p.ok) return this.error("invalid_argument", p.message);
        this.explicit.delete(p.stream.subject);
        if (p.stream.subject === this.homeSubject) this.home.clear();
        if (!this.home.has(p.stream.subject)) this.tap.remove(p.stream.subject);
        this.d.metrics.subjects.set(this.d.feed.subjects);
        return this.send({ stream: p.stream.name, event: "unsubscribed", id: null, payload: null });
      }
      case "resume":
        return void this.resume(msg.since);
      default:
        return this.error("invalid_argument", `unknown message type ${JSON.stringify(String(msg.type ?? "")).slice(0, 60)}: expected subscribe, unsubscribe or resume`);
    }
  }

  /** Follows the stream (or answers an error message); with `ack`, says "subscribed" once it is live. */
  private subscribe(stream: unknown, tag: unknown, ack: boolean): StreamRef | undefined {
    const p = parseStream(stream, this.userId, tag);
    if (!p.ok) return void this.error("invalid_argument", p.message);
    if (!this.explicit.has(p.stream.subject) && this.explicit.size >= this.d.config.maxSubscriptions) {
      return void this.error("resource_exhausted", `at most ${this.d.config.maxSubscriptions} streams per connection: unsubscribe from one first`);
    }
    this.explicit.add(p.stream.subject);
    this.tap.add(p.stream.subject);
    this.d.metrics.subjects.set(this.d.feed.subjects);
    if (ack) {
      const isHome = p.stream.subject === this.homeSubject;
      void (isHome ? this.home.refresh() : Promise.resolve())
        .then(() => this.tap.ready())
        .then(async () => {
          if (isHome) await this.presence();
          this.send({ stream: p.stream.name, event: "subscribed", id: null, payload: null });
        })
        .catch(() => this.error("unavailable", `the live feed is not reachable right now: subscribed to ${p.stream.name}, but events may be late`));
    }
    return p.stream;
  }

  private async resume(raw: unknown): Promise<void> {
    const since = parseSince(raw);
    if (since === undefined) return this.error("invalid_argument", "since must be an event id (digits) from an earlier message");
    await this.tap.resume(since);
  }

  private async presence(): Promise<void> {
    await this.d.markOnline(this.userId).catch((err) => this.d.logger.warn({ err }, "presence not recorded"));
  }

  private deliver(msg: LiveMessage, stream: string): void {
    const original = this.d.statesShown(msg);
    if (original === undefined && this.waiting === 0) {
      const text = this.d.render(msg, stream);
      if (text !== undefined) this.sendText(text, true);
      return;
    }
    this.waiting++;
    this.ordered = this.ordered.then(async () => {
      let text: string | undefined;
      if (original === undefined) text = this.d.render(msg, stream);
      else {
        // Without the states the event still goes out, as a reader who has not acted on it sees it.
        text = await this.d.readerStates([original]).then(
          (states) => this.d.renderFor(msg, stream, states),
          (err: unknown) => (this.d.logger.debug({ err }, "reader states not read: the retweet goes out without them"), this.d.render(msg, stream)),
        );
      }
      this.waiting--;
      if (text !== undefined) this.sendText(text, true);
    });
  }

  private error(code: string, message: string): void {
    this.send({ stream: null, event: "error", id: null, payload: { code, message } });
  }

  private send(f: Frame): void {
    this.sendText(frameText(f), false);
  }

  private sendText(text: string, counted: boolean): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.d.config.maxBufferedBytes) {
      return this.close(CLOSE.tryAgainLater, "too slow: more than the send buffer allows is waiting; reconnect and resume", "slow");
    }
    this.ws.send(text);
    if (counted) this.d.metrics.sent.inc();
  }
}
