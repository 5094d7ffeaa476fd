// The event bus port. Two adapters share these semantics: JetStream in a
// cluster, in-process for the all-in-one mode and tests.
//
// - publish() is at-least-once and de-duplicated by msgId within the stream's
//   duplicate window: publishing the same msgId twice stores one message.
// - A durable consumer gets each message until its handler resolves (ack).
//   A handler that throws is retried after a delay, up to maxDeliver times;
//   handlers must therefore be idempotent.
// - Ephemeral (core) subjects: no storage, no retry, only subscribers
//   connected at that moment receive them.
// - Live subjects (`live.>`, the LIVE stream) are published with publish()
//   and kept for a while with a sequence, so a client can resume
//   (subscribeLive, replayLive; live-feed.ts).

export interface BusMessage {
  subject: string;
  data: Uint8Array;
  msgId: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** What the publisher put in the message's headers (the trace context: traced.ts). */
  headers?: Record<string, string> | undefined;
}

/** How far a durable consumer of this process is behind, for /metrics. */
export interface ConsumerLag {
  durable: string;
  /** The subject (JetStream: one consumer per subject) or subjects it takes. */
  subject: string;
  /** Messages not delivered yet. */
  pending: number;
  /** Delivered and not acknowledged yet. */
  ackPending: number;
  /** Delivered more than once and not acknowledged yet (failed handlers waiting for their retry). */
  redelivered: number;
}

export interface ConsumerSpec {
  /** Durable name: consumers with the same name share the work. */
  durable: string;
  /** Logical subjects (without the deployment prefix), e.g. "tweet.created". */
  subjects: string[];
  handler: (msg: BusMessage) => Promise<void>;
  /** Messages handled at once by this process. */
  concurrency?: number;
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Delay before a failed message is delivered again. */
  retryDelayMs?: number;
}

/** A message of the LIVE stream (`live.>`): its stream sequence is the id a client resumes from. */
export interface LiveMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

/** What a live subject holds after a sequence. */
export interface LiveReplay {
  /** In sequence order, each after the asked-for sequence. */
  messages: LiveMessage[];
  /**
   * False when messages after that sequence may be gone (past the stream's
   * age or size limit), or the sequence is not one of this stream's: the
   * client must reload (resync_required).
   */
  complete: boolean;
}

export interface Subscription {
  /** Stops taking new messages and waits for the ones in hand. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** `headers` travel with the message to its consumers (BusMessage.headers). */
  publish(subject: string, data: Uint8Array, msgId: string, headers?: Record<string, string>): Promise<void>;
  consume(spec: ConsumerSpec): Promise<Subscription>;
  publishEphemeral(subject: string, data: Uint8Array): void;
  subscribeEphemeral(subject: string, onMessage: (subject: string, data: Uint8Array) => void): Subscription;
  /**
   * Live subjects (the LIVE stream, published with publish()): every message
   * of this subject stored from now on, with its sequence, in sequence order.
   * Nothing is acked or retried; resolve ping() before relying on it.
   */
  subscribeLive?(subject: string, onMessage: (msg: LiveMessage) => void): Subscription;
  /** The subject's stored messages after `afterSeq`, at most `max` (the oldest first). */
  replayLive?(subject: string, afterSeq: number, max: number): Promise<LiveReplay>;
  /** Calls `cb` after the connection to the bus came back (live messages may have been missed meanwhile); returns the unsubscribe. */
  onReconnect?(cb: () => void): () => void;
  /** The lag of every durable consumer this process runs (consumer info); for /metrics. */
  consumerLag?(): Promise<ConsumerLag[]>;
  /** Resolves when the bus answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
