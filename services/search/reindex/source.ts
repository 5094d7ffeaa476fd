// Where a rebuild reads from: the tweet and user stores themselves, scanned
// in pages from a resumable position (Cassandra: the partition token; LMDB:
// the key). Read only: the owning services keep running, and what changes
// under the scan arrives as events, which the index applies idempotently.
import type { IndexableTweet } from "../query/terms.js";
import type { IndexedUser } from "../store/port.js";

export interface ScanPage<T> {
  items: T[];
  /** Where the next page starts; undefined: the scan is done. */
  next: string | undefined;
  /** How far the scan has come, 0..1, for the progress bar. */
  done: number;
}

export interface SourceTweet extends IndexableTweet {
  /** A retweet has no text of its own; a deleted tweet is a tombstone. Neither is indexed. */
  retweet: boolean;
  deleted: boolean;
}

export interface ReindexSource {
  tweets(from: string | undefined, limit: number): Promise<ScanPage<SourceTweet>>;
  users(from: string | undefined, limit: number): Promise<ScanPage<IndexedUser>>;
  close(): Promise<void>;
}
