// "Publish or outbox before ack": an event is published to the bus before the
// client hears back; when the bus does not answer in time, the event is written
// to the store's outbox instead (the client is still acknowledged) and a relay
// publishes it once the bus is back, oldest first, then deletes it. The bus
// de-duplicates by msgId, so a publish that did get through before timing out,
// or a relay that dies between publish and delete, still reaches consumers once.
//
// Several processes may relay the same rows at once; the msgId makes the
// second publish a duplicate the bus drops (within its 10-minute window).
//
// Order: while the outbox holds events, new ones queue behind them instead of
// overtaking (a tweet.deleted must not reach consumers before its tweet.created).
//
// A queued event keeps the trace of the request that made it (its
// traceparent), and the relay publishes it as part of that trace.
import type { Logger } from "../kit/logger.js";
import type { Snowflake } from "../kit/snowflake.js";
import { currentTraceparent, withTraceparent } from "../kit/tracing.js";
import { idKey } from "../platform/embedded/lmdb.js";
import type { EventBus } from "../platform/bus/port.js";
import type { OutboxEvent, OutboxStore } from "./store/port.js";

export interface OutboxOptions {
  store: OutboxStore;
  bus: EventBus;
  ids: Snowflake;
  logger: Logger;
  publishTimeoutMs?: number;
  relayIntervalMs?: number;
  /** Events read per relay step. */
  batchSize?: number;
}

export interface OutgoingEvent {
  subject: string;
  msgId: string;
  payload: Uint8Array;
}

/** Restart the relay's scan from the beginning every this many passes (see relayOnce). */
const RESCAN_EVERY = 30;

export class EventOutbox {
  private readonly timeoutMs: number;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  // True while the outbox may hold events: new events then go behind them.
  // Starts true: a previous process may have left some.
  private backlog = true;
  private timer?: NodeJS.Timeout | undefined;
  private running?: Promise<number> | undefined;
  private floor?: string | undefined;
  // Counts events put in the outbox, so a pass that found it empty knows
  // whether one arrived meanwhile (and the backlog is not over after all).
  private queued = 0;
  private passes = 0;

  constructor(private readonly opts: OutboxOptions) {
    this.timeoutMs = opts.publishTimeoutMs ?? 2000;
    this.intervalMs = opts.relayIntervalMs ?? 1000;
    this.batchSize = opts.batchSize ?? 200;
  }

  /** Resolves once the event is on the bus or safely in the outbox; rejects only when neither worked. */
  async emit(e: OutgoingEvent): Promise<"published" | "queued"> {
    if (!this.backlog) {
      try {
        await this.publish(e);
        return "published";
      } catch (err) {
        this.opts.logger.warn({ err, msgId: e.msgId }, "event bus unavailable; event goes to the outbox");
      }
    }
    this.backlog = true;
    this.queued++;
    const traceparent = currentTraceparent();
    await this.opts.store.put({ ...e, eventId: idKey(this.opts.ids.next()), createdAt: new Date(), ...(traceparent ? { traceparent } : {}) });
    return "queued";
  }

  private async publish(e: OutgoingEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const sent = this.opts.bus.publish(e.subject, e.payload, e.msgId);
    sent.catch(() => {}); // may still settle after the timeout
    try {
      await Promise.race([
        sent,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no publish ack within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts relaying on an interval (and once right away). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.relayOnce().catch((err) => this.opts.logger.warn({ err }, "outbox relay pass failed"));
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => 0);
  }

  /** One pass: publishes what the outbox holds, oldest first; returns how many went out. */
  relayOnce(): Promise<number> {
    // One pass at a time: overlapping passes would publish the same rows twice.
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    // Deleted rows stay behind as tombstones until compaction; starting each
    // pass after the last row removed avoids scanning them again. A full scan
    // now and then picks up rows other processes wrote with older ids.
    if (++this.passes % RESCAN_EVERY === 0) this.floor = undefined;
    let sent = 0;
    for (;;) {
      const queued = this.queued;
      const batch = await this.opts.store.list(this.batchSize, this.floor);
      if (batch.length === 0) {
        if (queued === this.queued) this.backlog = false;
        return sent;
      }
      const done = await this.publishInOrder(batch);
      await this.opts.store.remove(done.map((e) => e.eventId));
      sent += done.length;
      if (done.length > 0) this.floor = done.at(-1)!.eventId;
      if (done.length > 0) this.opts.logger.info({ sent: done.length }, "outbox relay published events");
      if (done.length < batch.length) return sent;
    }
  }

  /**
   * Publishes one event at a time (a concurrent later event could land
   * before an earlier one that fails); stops at the first failure and
   * returns the events acknowledged before it.
   */
  private async publishInOrder(batch: OutboxEvent[]): Promise<OutboxEvent[]> {
    const done: OutboxEvent[] = [];
    for (const e of batch) {
      try {
        await withTraceparent(e.traceparent, () => this.publish(e));
      } catch (err) {
        this.opts.logger.warn({ err, waiting: batch.length - done.length }, "outbox relay: event bus still unavailable");
        break;
      }
      done.push(e);
    }
    return done;
  }
}
