// Live events for open client streams (WebSocket, SSE, the gRPC stream), one
// source for all: each process subscribes once per live subject its clients
// need (ref-counted), and a client that resumes gets the subjects' stored
// messages after its id, merged by sequence, then the live ones, each once.
// Sequences are global to the LIVE stream, so one id covers every subject
// of a client, and "seen up to here" is a single watermark.
import type { EventBus, LiveMessage, Subscription } from "./port.js";

export interface LiveFeedOptions {
  /** Messages a resume may replay per subject; more means resync_required. */
  maxReplay: number;
  /** Live messages held while a replay runs; more means resync_required. */
  maxHeld: number;
  /** Replays this process runs at once; more wait their turn. */
  maxConcurrentReplays: number;
}

export interface TapHandlers {
  message(msg: LiveMessage): void;
  /** Messages after the client's id are gone: it must reload (sent once per resume). */
  resync(): void;
}

interface Shared {
  sub: Subscription;
  taps: Set<Tap>;
}

export class LiveFeed {
  private readonly shared = new Map<string, Shared>();
  private readonly taps = new Set<Tap>();
  /** Replays running, and those waiting for one to finish (a reconnect storm must not flood the bus). */
  private replaying = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly bus: EventBus,
    readonly opts: LiveFeedOptions = { maxReplay: 10_000, maxHeld: 10_000, maxConcurrentReplays: 32 },
  ) {
    // Messages published while the connection was down never reached the subscriptions: every client catches up from its own last id.
    this.unwatch = bus.onReconnect?.(() => this.taps.forEach((t) => void t.catchUp()));
  }

  private readonly unwatch: (() => void) | undefined;

  /** Ends every client's view and stops watching the bus. */
  close(): void {
    this.unwatch?.();
    for (const t of [...this.taps]) t.close();
  }

  /** A client's view: subjects to follow, delivered to `handlers` in sequence order. */
  open(handlers: TapHandlers): Tap {
    if (!this.bus.subscribeLive || !this.bus.replayLive) throw new Error("this event bus has no live subjects");
    const tap = new Tap(this, handlers, () => this.taps.delete(tap));
    this.taps.add(tap);
    return tap;
  }

  /** Live subjects this process subscribes to (for /metrics). */
  get subjects(): number {
    return this.shared.size;
  }

  /** @internal */
  attach(subject: string, tap: Tap): void {
    let s = this.shared.get(subject);
    if (!s) {
      const taps = new Set<Tap>();
      s = { taps, sub: this.bus.subscribeLive!(subject, (msg) => taps.forEach((t) => t.receive(msg))) };
      this.shared.set(subject, s);
    }
    s.taps.add(tap);
  }

  /** @internal */
  detach(subject: string, tap: Tap): void {
    const s = this.shared.get(subject);
    if (!s?.taps.delete(tap) || s.taps.size > 0) return;
    this.shared.delete(subject);
    void s.sub.stop();
  }

  /** @internal */
  async replay(subject: string, afterSeq: number) {
    while (this.replaying >= this.opts.maxConcurrentReplays) await new Promise<void>((r) => this.waiting.push(r));
    this.replaying++;
    try {
      return await this.bus.replayLive!(subject, afterSeq, this.opts.maxReplay);
    } finally {
      this.replaying--;
      this.waiting.shift()?.();
    }
  }

  /** Resolves once subscriptions made so far receive messages (a round trip to the bus, shared by callers that arrive together). */
  ready(): Promise<void> {
    if (!this.pinging) return this.ping();
    // The round trip in flight may have left before this caller subscribed: the next one, shared by all who ask meanwhile.
    return (this.nextPing ??= this.pinging
      .catch(() => {})
      .then(() => {
        this.nextPing = undefined;
        return this.ping();
      }));
  }

  private pinging: Promise<void> | undefined;
  private nextPing: Promise<void> | undefined;

  private ping(): Promise<void> {
    const p: Promise<void> = this.bus.ping().finally(() => {
      if (this.pinging === p) this.pinging = undefined;
    });
    this.pinging = p;
    return p;
  }
}

export class Tap {
  private readonly subjects = new Set<string>();
  /** The newest sequence delivered (or resumed after): anything at or below is not sent again. */
  private last = 0;
  /** Live messages that arrive while a replay runs, delivered after it. */
  private held: LiveMessage[] | undefined;
  private overflowed = false;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly feed: LiveFeed,
    private readonly handlers: TapHandlers,
    private readonly onClose: () => void,
  ) {}

  add(subject: string): void {
    if (this.closed || this.subjects.has(subject)) return;
    this.subjects.add(subject);
    this.feed.attach(subject, this);
  }

  remove(subject: string): void {
    if (!this.subjects.delete(subject)) return;
    this.feed.detach(subject, this);
  }

  /** Messages of the current subjects after `since`, then live ones; calls run one after another. */
  resume(since: number): Promise<void> {
    const run = this.chain.then(() => this.replay(since));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves when the subscriptions made so far are live. */
  ready(): Promise<void> {
    return this.feed.ready();
  }

  /** Replays what may have been missed after the newest message delivered (after a reconnect to the bus). */
  catchUp(): Promise<void> {
    return this.last > 0 ? this.resume(this.last) : Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.onClose();
    for (const s of this.subjects) this.feed.detach(s, this);
    this.subjects.clear();
    this.held = undefined;
  }

  /** @internal */
  receive(msg: LiveMessage): void {
    if (this.closed) return;
    if (this.held) {
      if (this.held.length >= this.feed.opts.maxHeld) this.overflowed = true;
      else this.held.push(msg);
      return;
    }
    this.deliver(msg);
  }

  private deliver(msg: LiveMessage): void {
    if (msg.seq <= this.last || !this.subjects.has(msg.subject)) return;
    this.last = msg.seq;
    this.handlers.message(msg);
  }

  private async replay(since: number): Promise<void> {
    if (this.closed) return;
    this.held = [];
    this.overflowed = false;
    let complete = true;
    let replayed: LiveMessage[] = [];
    try {
      await this.feed.ready();
      const results = await Promise.all([...this.subjects].map((s) => this.feed.replay(s, since)));
      complete = results.every((r) => r.complete);
      replayed = results.flatMap((r) => r.messages).sort((a, b) => a.seq - b.seq);
    } catch {
      // The stream could not be read: the client reloads rather than trusting a gap.
      complete = false;
    }
    if (this.closed) return;
    const held = this.held;
    this.held = undefined;
    this.last = since;
    if (!complete || this.overflowed) {
      this.handlers.resync();
      // The client reloads: what follows is live, and its id says nothing about the stream (it may be from the future).
      replayed = [];
      this.last = 0;
    }
    for (const m of replayed) this.deliver(m);
    for (const m of held ?? []) this.deliver(m);
  }
}
