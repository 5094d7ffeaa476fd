// Every stream Chirp uses, in one place. Subjects are logical names; a
// deployment (or a test) may put a prefix in front of all of them.

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long events are kept for consumers that fall behind. */
  maxAgeMs: number;
  /** publish() with a msgId seen within this window is dropped as a duplicate. */
  duplicateWindowMs: number;
}

const DAY = 24 * 3600 * 1000;

export const STREAMS: StreamSpec[] = [
  { name: "TWEETS", subjects: ["tweet.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  { name: "GRAPH", subjects: ["graph.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  { name: "USERS", subjects: ["user.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  // Fan-out work items: a large follower list split into batches that several
  // workers share. Short-lived; the TWEETS stream is the durable source.
  { name: "FANOUT", subjects: ["fanout.>"], maxAgeMs: 1 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
];

export const SUBJECTS = {
  tweetCreated: "tweet.created",
  tweetDeleted: "tweet.deleted",
  tweetLiked: "tweet.liked",
  tweetUnliked: "tweet.unliked",
  tweetRetweeted: "tweet.retweeted",
  graphFollowed: "graph.followed",
  graphUnfollowed: "graph.unfollowed",
  userUpdated: "user.updated",
  fanoutBatch: "fanout.batch",
  /** Ephemeral: live home-timeline updates, one subject per user. */
  liveHome: (userId: bigint | string) => `live.home.${userId}`,
} as const;

/** Consumer defaults, overridable per consumer. */
export const CONSUMER_DEFAULTS = { maxDeliver: 10, ackWaitMs: 30_000, retryDelayMs: 1_000, concurrency: 16 };

export function streamFor(subject: string): StreamSpec {
  const stream = STREAMS.find((s) => s.subjects.some((p) => subjectMatches(p, subject)));
  if (!stream) throw new Error(`no stream carries subject '${subject}'`);
  return stream;
}

/** NATS wildcard matching: '*' one token, '>' the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
