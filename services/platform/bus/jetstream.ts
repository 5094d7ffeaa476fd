// NATS JetStream adapter: file-backed streams, durable pull consumers with
// explicit ack, msgId de-duplication. Core NATS subjects for live updates.
import { connect } from "@nats-io/transport-node";
import { headers as natsHeaders, nanos, type MsgHdrs, type NatsConnection, type Subscription as NatsSub } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { Logger } from "../../kit/logger.js";
import type { ConsumerLag, ConsumerSpec, EventBus, LiveMessage, LiveReplay, Subscription } from "./port.js";
import { CONSUMER_DEFAULTS, LIVE_STREAM, STREAMS, streamFor } from "./streams.js";

/**
 * The LIVE stream republishes each stored message here with its sequence
 * (Nats-Sequence), so a plain subscription learns the id a client resumes from.
 */
const LIVE_REPUBLISH = "livefeed.";

export interface JetStreamBusOptions {
  url: string;
  /** Prepended to every subject and stream name; isolates deployments and tests. */
  prefix?: string;
  replicas?: number;
  logger: Logger;
  name?: string;
}

/** A JetStream consumer this process runs. */
interface Consumed {
  stream: string;
  /** Its JetStream name: durable + subject. */
  name: string;
  durable: string;
  subject: string;
}

export class JetStreamBus implements EventBus {
  private readonly prefix: string;
  private readonly streamPrefix: string;
  private readonly consumed = new Set<Consumed>();
  private readonly reconnectListeners = new Set<() => void>();
  private watchingStatus = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: JetStreamBusOptions,
  ) {
    this.prefix = opts.prefix ?? "";
    this.streamPrefix = this.prefix.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase();
  }

  static async connect(opts: JetStreamBusOptions): Promise<JetStreamBus> {
    const url = new URL(opts.url);
    const nc = await connect({
      servers: `${url.hostname}:${url.port || 4222}`,
      name: opts.name ?? "chirp",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // Without this every publish builds two Error objects (stack traces) up
      // front, in case its ack times out, which shows in a busy tweet service's CPU.
      // A timeout still fails with nats.js's TimeoutError, only without the
      // caller's stack, which our logs carry anyway (the RPC and message id).
      noAsyncTraces: true,
      ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
    });
    const jsm = await jetstreamManager(nc);
    const bus = new JetStreamBus(nc, jetstream(nc), jsm, opts);
    await bus.ensureStreams();
    return bus;
  }

  streamName(logical: string): string {
    return `${this.streamPrefix}${logical}`;
  }

  /** Creates or updates every stream of STREAMS; safe to run concurrently. */
  async ensureStreams(): Promise<void> {
    for (const s of STREAMS) {
      const config = {
        name: this.streamName(s.name),
        subjects: s.subjects.map((x) => this.prefix + x),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: this.opts.replicas ?? 1,
        max_age: nanos(s.maxAgeMs),
        duplicate_window: nanos(s.duplicateWindowMs),
        ...(s.maxMsgs ? { max_msgs: s.maxMsgs } : {}),
        ...(s.maxBytes ? { max_bytes: s.maxBytes } : {}),
        ...(s === LIVE_STREAM ? { republish: { src: `${this.prefix}live.>`, dest: `${this.prefix}${LIVE_REPUBLISH}live.>` } } : {}),
      };
      try {
        await this.jsm.streams.info(config.name);
        await this.jsm.streams.update(config.name, config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.jsm.streams.add(config).catch(async (e) => {
          // Another process created it between our two calls.
          if (!String(e).includes("already in use")) throw e;
          await this.jsm.streams.update(config.name, config);
        });
      }
    }
  }

  async publish(subject: string, data: Uint8Array, msgId: string, headers?: Record<string, string>): Promise<void> {
    let h: MsgHdrs | undefined;
    if (headers) {
      h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
    }
    await this.js.publish(this.prefix + subject, data, h ? { msgID: msgId, timeout: 5000, headers: h } : { msgID: msgId, timeout: 5000 });
  }

  /** Asks the server about each consumer of this process (num_pending, num_ack_pending, num_redelivered). */
  async consumerLag(): Promise<ConsumerLag[]> {
    const lags = await Promise.all(
      [...this.consumed].map(async (c) => {
        try {
          const info = await this.jsm.consumers.info(c.stream, c.name);
          return [{ durable: c.durable, subject: c.subject, pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered }];
        } catch {
          return []; // stopped meanwhile, or the server is away: no figure rather than a failed scrape
        }
      }),
    );
    return lags.flat();
  }

  async consume(spec: ConsumerSpec): Promise<Subscription> {
    const maxDeliver = spec.maxDeliver ?? CONSUMER_DEFAULTS.maxDeliver;
    const concurrency = spec.concurrency ?? CONSUMER_DEFAULTS.concurrency;
    const retryDelayMs = spec.retryDelayMs ?? CONSUMER_DEFAULTS.retryDelayMs;
    const log = this.opts.logger.child({ durable: spec.durable });
    const inFlight = new Set<Promise<void>>();
    // One JetStream consumer per subject: filter_subjects (several) needs
    // nats-server 2.10, and Debian ships 2.9. The limit on work in hand is shared.
    const loops = await Promise.all(
      spec.subjects.map(async (subject) => {
        const stream = this.streamName(streamFor(subject).name);
        const durable = `${spec.durable}_${subject.replace(/[^A-Za-z0-9_-]/g, "_")}`;
        const config = {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          max_deliver: maxDeliver,
          ack_wait: nanos(spec.ackWaitMs ?? CONSUMER_DEFAULTS.ackWaitMs),
          filter_subject: this.prefix + subject,
          max_ack_pending: Math.max(1000, concurrency * 4),
        };
        try {
          await this.jsm.consumers.info(stream, durable);
          await this.jsm.consumers.update(stream, durable, config);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          await this.jsm.consumers.add(stream, config);
        }
        const consumer = await this.js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: concurrency * 2 });
        const consumed: Consumed = { stream, name: durable, durable: spec.durable, subject };
        this.consumed.add(consumed);
        const loop = (async () => {
          for await (const m of messages) {
            const work = (async () => {
              const msg = {
                subject: m.subject.slice(this.prefix.length),
                data: m.data,
                msgId: m.headers?.get("Nats-Msg-Id") ?? `${stream}:${m.seq}`,
                deliveryCount: m.info.deliveryCount,
                headers: userHeaders(m.headers),
              };
              try {
                await spec.handler(msg);
                m.ack();
              } catch (err) {
                if (m.info.deliveryCount >= maxDeliver) {
                  log.error({ err, subject: msg.subject, msgId: msg.msgId }, "event dropped after max deliveries");
                  m.term("max deliveries");
                } else {
                  log.warn({ err, subject: msg.subject, msgId: msg.msgId, attempt: m.info.deliveryCount }, "event will be retried");
                  m.nak(retryDelayMs);
                }
              }
            })();
            inFlight.add(work);
            void work.finally(() => inFlight.delete(work));
            while (inFlight.size >= concurrency) await Promise.race(inFlight);
          }
        })();
        return { messages, loop, consumed };
      }),
    );
    return {
      stop: async () => {
        for (const l of loops) this.consumed.delete(l.consumed);
        await Promise.all(loops.map((l) => l.messages.close()));
        await Promise.all(loops.map((l) => l.loop));
        await Promise.all(inFlight);
      },
    };
  }

  publishEphemeral(subject: string, data: Uint8Array): void {
    this.nc.publish(this.prefix + subject, data);
  }

  subscribeEphemeral(subject: string, onMessage: (subject: string, data: Uint8Array) => void): Subscription {
    const sub: NatsSub = this.nc.subscribe(this.prefix + subject, {
      callback: (err, msg) => {
        if (!err) onMessage(msg.subject.slice(this.prefix.length), msg.data);
      },
    });
    return { stop: async () => sub.unsubscribe() };
  }

  subscribeLive(subject: string, onMessage: (msg: LiveMessage) => void): Subscription {
    const skip = this.prefix.length + LIVE_REPUBLISH.length;
    const sub: NatsSub = this.nc.subscribe(this.prefix + LIVE_REPUBLISH + subject, {
      callback: (err, msg) => {
        const seq = Number(msg?.headers?.get("Nats-Sequence"));
        if (err || !Number.isSafeInteger(seq) || seq <= 0) return;
        onMessage({ seq, subject: msg.subject.slice(skip), data: msg.data });
      },
    });
    return { stop: async () => sub.unsubscribe() };
  }

  /** The stream's bounds, then the subject's messages through a short-lived consumer (2.9 has no multi-subject get). */
  async replayLive(subject: string, afterSeq: number, max: number): Promise<LiveReplay> {
    const stream = this.streamName(LIVE_STREAM.name);
    const { state } = await this.jsm.streams.info(stream);
    if (afterSeq < state.first_seq - 1 || afterSeq > state.last_seq) return { messages: [], complete: false };
    if (afterSeq === state.last_seq) return { messages: [], complete: true };
    // Most subjects of a reconnecting client hold nothing newer: one lookup instead of a consumer.
    // null: the subject holds nothing; an error propagates (not knowing is not "nothing new": the client resyncs).
    const newest = await this.jsm.streams.getMessage(stream, { last_by_subj: this.prefix + subject });
    if (!newest || newest.seq <= afterSeq) return { messages: [], complete: true };
    const info = await this.jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSeq + 1,
      filter_subject: this.prefix + subject,
      inactive_threshold: nanos(30_000),
      mem_storage: true,
    });
    try {
      const want = Math.min(info.num_pending, max);
      const messages: LiveMessage[] = [];
      if (want > 0) {
        const consumer = await this.js.consumers.get(stream, info.name);
        while (messages.length < want) {
          const batch = await consumer.fetch({ max_messages: Math.min(want - messages.length, 1000), expires: 5000 });
          let got = 0;
          for await (const m of batch) {
            got++;
            messages.push({ seq: m.seq, subject: m.subject.slice(this.prefix.length), data: m.data });
          }
          if (got === 0) break; // the rest aged out meanwhile
        }
      }
      return { messages, complete: info.num_pending <= max };
    } finally {
      await this.jsm.consumers.delete(stream, info.name).catch(() => {});
    }
  }

  onReconnect(cb: () => void): () => void {
    this.reconnectListeners.add(cb);
    if (!this.watchingStatus) {
      this.watchingStatus = true;
      void (async () => {
        for await (const s of this.nc.status()) if (s.type === "reconnect") this.reconnectListeners.forEach((l) => l());
      })().catch(() => {});
    }
    return () => this.reconnectListeners.delete(cb);
  }

  async ping(): Promise<void> {
    await this.nc.flush();
    await this.jsm.getAccountInfo();
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }

  /** Test helper: removes this prefix's streams. */
  async deleteStreams(): Promise<void> {
    for (const s of STREAMS) await this.jsm.streams.delete(this.streamName(s.name)).catch(() => {});
  }
}

/** The publisher's own headers (NATS's Nats-* ones left out); undefined without any. */
function userHeaders(h: MsgHdrs | undefined): Record<string, string> | undefined {
  if (!h) return undefined;
  let out: Record<string, string> | undefined;
  for (const k of h.keys()) {
    if (k.startsWith("Nats-")) continue;
    (out ??= {})[k] = h.get(k);
  }
  return out;
}

function isNotFound(err: unknown): boolean {
  return /not found/i.test(String((err as Error)?.message ?? err));
}
