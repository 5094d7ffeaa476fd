// The in-process LIVE stream: the newest live messages with their sequences,
// bounded by count and age as JetStream bounds the real one. Sequences start
// at the clock (in microseconds), so an id from before a restart is older
// than anything kept and resumes as resync_required, never as a wrong replay.
import type { LiveMessage, LiveReplay, Subscription } from "./port.js";

interface Kept extends LiveMessage {
  at: number;
}

export class LiveRing {
  private kept: Kept[] = [];
  /** Index of the oldest kept message in `kept` (dropped ones are compacted away in bulk). */
  private head = 0;
  private lastSeq: number;
  private readonly subs = new Map<string, Set<(msg: LiveMessage) => void>>();

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    now = Date.now(),
  ) {
    this.lastSeq = now * 1000;
  }

  append(subject: string, data: Uint8Array, now: number): void {
    const msg: Kept = { seq: ++this.lastSeq, subject, data, at: now };
    this.kept.push(msg);
    this.expire(now);
    for (const cb of this.subs.get(subject) ?? []) {
      try {
        cb({ seq: msg.seq, subject, data });
      } catch {
        // A subscriber's failure is its own; the publisher and the others go on.
      }
    }
  }

  subscribe(subject: string, onMessage: (msg: LiveMessage) => void): Subscription {
    const set = this.subs.get(subject) ?? new Set();
    set.add(onMessage);
    this.subs.set(subject, set);
    return {
      stop: async () => {
        set.delete(onMessage);
        if (set.size === 0 && this.subs.get(subject) === set) this.subs.delete(subject);
      },
    };
  }

  replay(subject: string, afterSeq: number, max: number, now: number): LiveReplay {
    this.expire(now);
    const oldest = this.head < this.kept.length ? this.kept[this.head]!.seq : this.lastSeq + 1;
    if (afterSeq < oldest - 1 || afterSeq > this.lastSeq) return { messages: [], complete: false };
    const messages: LiveMessage[] = [];
    // Sequences are consecutive in `kept`: the first one after afterSeq is found by arithmetic.
    for (let i = this.head + (afterSeq + 1 - oldest); i < this.kept.length; i++) {
      const m = this.kept[i]!;
      if (m.subject !== subject) continue;
      if (messages.length === max) return { messages, complete: false };
      messages.push({ seq: m.seq, subject: m.subject, data: m.data });
    }
    return { messages, complete: true };
  }

  private expire(now: number): void {
    while (this.head < this.kept.length && (this.kept.length - this.head > this.capacity || this.kept[this.head]!.at < now - this.maxAgeMs)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
  }
}
