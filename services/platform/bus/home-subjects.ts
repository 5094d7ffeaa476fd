// The subjects of a live home stream beyond the reader's own live.home.<id>:
// the live.user subject of each large account the reader follows. Fan-out
// never writes a large account's tweets to its followers (they are merged
// at read time), so a home stream follows the account's own stream instead.
// Refreshed while the stream is open, so a follow or unfollow shows within a
// keep-alive or heartbeat round.
import { SUBJECTS } from "./streams.js";

/** Where the subjects go: a live-feed Tap, or a socket's view of one. */
export interface SubjectSink {
  add(subject: string): void;
  remove(subject: string): void;
}

export interface LargeFolloweesSource {
  /** The large accounts the user follows. */
  of(userId: bigint): Promise<bigint[]>;
}

/** Followed at most: each is a subject to replay on every resume. */
export const MAX_LARGE_FOLLOWEES = 100;

export class HomeSubjects {
  private current = new Set<string>();

  constructor(
    private readonly sink: SubjectSink,
    private readonly userId: bigint,
    private readonly followees: LargeFolloweesSource,
    /** A failed lookup keeps the subjects followed so far. */
    private readonly failed: (err: unknown) => void,
  ) {}

  has(subject: string): boolean {
    return this.current.has(subject);
  }

  async refresh(): Promise<void> {
    let ids: bigint[];
    try {
      ids = await this.followees.of(this.userId);
    } catch (err) {
      return this.failed(err);
    }
    const next = new Set(ids.slice(0, MAX_LARGE_FOLLOWEES).map((id) => SUBJECTS.liveUser(id)));
    for (const s of this.current) if (!next.has(s)) this.sink.remove(s);
    for (const s of next) if (!this.current.has(s)) this.sink.add(s);
    this.current = next;
  }

  /** Stops following them all. */
  clear(): void {
    for (const s of this.current) this.sink.remove(s);
    this.current = new Set();
  }
}
