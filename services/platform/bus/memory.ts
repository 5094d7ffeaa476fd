// In-process event bus for the all-in-one mode and tests: the same delivery
// semantics as the JetStream adapter (msgId de-duplication, ack on handler
// success, delayed redelivery up to maxDeliver, durable names that share work).
// It keeps no history: a durable created later sees only later messages.
// Live subjects (the LIVE stream) are the exception: a bounded ring with
// sequences, for clients that resume (live-ring.ts).
import { LiveRing } from "./live-ring.js";
import type { BusMessage, ConsumerLag, ConsumerSpec, EventBus, LiveMessage, LiveReplay, Subscription } from "./port.js";
import { CONSUMER_DEFAULTS, LIVE_STREAM, streamFor, subjectMatches, type StreamSpec } from "./streams.js";

interface Member {
  spec: Required<Omit<ConsumerSpec, "durable" | "subjects">>;
  inFlight: number;
  idle: Array<() => void>;
  stopped: boolean;
}

interface Durable {
  subjects: string[];
  queue: BusMessage[];
  members: Member[];
  next: number;
  /** Failed messages waiting for their redelivery. */
  retrying: number;
  /** Deliveries in progress of messages delivered before. */
  redelivering: number;
}

export interface MemoryBusOptions {
  /** Called when a message exhausts maxDeliver (it is then dropped). */
  onDeadLetter?: (durable: string, msg: BusMessage, err: unknown) => void;
  /** Live messages kept for resuming clients (besides the LIVE stream's age). Default 20,000: a resume covers at least 10,000 events. */
  liveCapacity?: number;
}

export class MemoryBus implements EventBus {
  private readonly durables = new Map<string, Durable>();
  private readonly seen = new Map<string, number>();
  private readonly live = new Map<string, Set<(subject: string, data: Uint8Array) => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ring: LiveRing;
  /** Each subject's stream and durables: a publish matched them against every pattern again. */
  private readonly routes = new Map<string, { stream: StreamSpec; durables: Durable[] }>();
  private closed = false;

  constructor(private readonly opts: MemoryBusOptions = {}) {
    this.ring = new LiveRing(opts.liveCapacity ?? 20_000, LIVE_STREAM.maxAgeMs);
  }

  async publish(subject: string, data: Uint8Array, msgId: string, headers?: Record<string, string>): Promise<void> {
    if (this.closed) throw new Error("bus is closed");
    const { stream, durables } = this.route(subject);
    const now = Date.now();
    const key = `${stream.name}\u0000${msgId}`;
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > now) return; // duplicate within the window
    this.prune(now);
    // Re-inserted at the end, so the map stays in expiry order (every stream has the same window).
    this.seen.delete(key);
    this.seen.set(key, now + stream.duplicateWindowMs);
    if (stream === LIVE_STREAM) this.ring.append(subject, data, now);
    for (const d of durables) {
      d.queue.push({ subject, data, msgId, deliveryCount: 0, headers });
      this.pump(d);
    }
  }

  private route(subject: string): { stream: StreamSpec; durables: Durable[] } {
    let r = this.routes.get(subject);
    if (!r) {
      // Per-user live subjects are many: a bounded memo, dropped whole when full.
      if (this.routes.size >= 10_000) this.routes.clear();
      r = { stream: streamFor(subject), durables: [...this.durables.values()].filter((d) => d.subjects.some((p) => subjectMatches(p, subject))) };
      this.routes.set(subject, r);
    }
    return r;
  }

  async consume(spec: ConsumerSpec): Promise<Subscription> {
    let d = this.durables.get(spec.durable);
    if (!d) {
      d = { subjects: spec.subjects, queue: [], members: [], next: 0, retrying: 0, redelivering: 0 };
      this.durables.set(spec.durable, d);
      this.routes.clear();
    }
    const member: Member = {
      spec: {
        handler: spec.handler,
        concurrency: spec.concurrency ?? CONSUMER_DEFAULTS.concurrency,
        maxDeliver: spec.maxDeliver ?? CONSUMER_DEFAULTS.maxDeliver,
        ackWaitMs: spec.ackWaitMs ?? CONSUMER_DEFAULTS.ackWaitMs,
        retryDelayMs: spec.retryDelayMs ?? CONSUMER_DEFAULTS.retryDelayMs,
      },
      inFlight: 0,
      idle: [],
      stopped: false,
    };
    d.members.push(member);
    const durable = d;
    this.pump(durable);
    return {
      stop: async () => {
        member.stopped = true;
        durable.members = durable.members.filter((m) => m !== member);
        if (member.inFlight > 0) await new Promise<void>((r) => member.idle.push(r));
      },
    };
  }

  publishEphemeral(subject: string, data: Uint8Array): void {
    for (const cb of this.live.get(subject) ?? []) cb(subject, data);
  }

  subscribeEphemeral(subject: string, onMessage: (subject: string, data: Uint8Array) => void): Subscription {
    const set = this.live.get(subject) ?? new Set();
    set.add(onMessage);
    this.live.set(subject, set);
    return {
      stop: async () => {
        set.delete(onMessage);
        if (set.size === 0) this.live.delete(subject);
      },
    };
  }

  subscribeLive(subject: string, onMessage: (msg: LiveMessage) => void): Subscription {
    return this.ring.subscribe(subject, onMessage);
  }

  async replayLive(subject: string, afterSeq: number, max: number): Promise<LiveReplay> {
    return this.ring.replay(subject, afterSeq, max, Date.now());
  }

  /** As JetStream counts: a failed message waiting for its retry is still unacknowledged, and delivered before once retried. */
  async consumerLag(): Promise<ConsumerLag[]> {
    return [...this.durables].filter(([, d]) => d.members.length > 0).map(([durable, d]) => ({
      durable,
      subject: d.subjects.join(","),
      pending: d.queue.filter((m) => m.deliveryCount === 0).length,
      ackPending: d.members.reduce((n, m) => n + m.inFlight, 0) + d.retrying + d.queue.filter((m) => m.deliveryCount > 0).length,
      redelivered: d.redelivering + d.queue.filter((m) => m.deliveryCount > 0).length,
    }));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error("bus is closed");
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      [...this.durables.values()].flatMap((d) =>
        d.members.filter((m) => m.inFlight > 0).map((m) => new Promise<void>((r) => m.idle.push(r))),
      ),
    );
  }

  /** Drops expired ids from the front: amortised O(1) per publish, never a scan of the window. */
  private prune(now: number): void {
    for (const [k, exp] of this.seen) {
      if (exp > now) return;
      this.seen.delete(k);
    }
  }

  private pump(d: Durable): void {
    while (d.queue.length > 0 && !this.closed) {
      const member = this.pick(d);
      if (!member) return;
      const msg = d.queue.shift()!;
      void this.deliver(d, member, { ...msg, deliveryCount: msg.deliveryCount + 1 });
    }
  }

  /** Round-robin over members with free capacity. */
  private pick(d: Durable): Member | undefined {
    for (let i = 0; i < d.members.length; i++) {
      const m = d.members[(d.next + i) % d.members.length]!;
      if (m.inFlight < m.spec.concurrency) {
        d.next = (d.next + i + 1) % d.members.length;
        return m;
      }
    }
    return undefined;
  }

  private async deliver(d: Durable, member: Member, msg: BusMessage): Promise<void> {
    member.inFlight++;
    const again = msg.deliveryCount > 1;
    if (again) d.redelivering++;
    try {
      await member.spec.handler(msg);
    } catch (err) {
      if (msg.deliveryCount >= member.spec.maxDeliver) {
        this.opts.onDeadLetter?.([...this.durables].find(([, v]) => v === d)?.[0] ?? "?", msg, err);
      } else {
        d.retrying++;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          d.retrying--;
          d.queue.push(msg);
          this.pump(d);
        }, member.spec.retryDelayMs);
        this.timers.add(timer);
      }
    } finally {
      if (again) d.redelivering--;
      member.inFlight--;
      if (member.inFlight === 0) member.idle.splice(0).forEach((r) => r());
      this.pump(d);
    }
  }
}
