// Every stream Chirp uses, in one place. Subjects are logical names; a
// deployment (or a test) may put a prefix in front of all of them.

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long events are kept for consumers that fall behind. */
  maxAgeMs: number;
  /** publish() with a msgId seen within this window is dropped as a duplicate. */
  duplicateWindowMs: number;
  /** Oldest messages go past this many (unset: no limit but the age). */
  maxMsgs?: number;
  /** Oldest messages go past this size (unset: no limit but the age). */
  maxBytes?: number;
}

const DAY = 24 * 3600 * 1000;

/** Live events, kept for resuming clients: at least 10 minutes' worth, within a bounded size. */
export const LIVE_STREAM: StreamSpec = {
  name: "LIVE",
  subjects: ["live.>"],
  maxAgeMs: 15 * 60 * 1000,
  duplicateWindowMs: 10 * 60 * 1000,
  maxMsgs: 2_000_000,
  maxBytes: 1024 * 1024 * 1024,
};

export const STREAMS: StreamSpec[] = [
  { name: "TWEETS", subjects: ["tweet.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  { name: "GRAPH", subjects: ["graph.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  { name: "USERS", subjects: ["user.>"], maxAgeMs: 7 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  // Fan-out work items: a large follower list split into batches that several
  // workers share. Short-lived; the TWEETS stream is the durable source.
  { name: "FANOUT", subjects: ["fanout.>"], maxAgeMs: 1 * DAY, duplicateWindowMs: 10 * 60 * 1000 },
  // Live updates for open streams (WebSocket, SSE, gRPC): the sequence is the
  // event id a client resumes from, so they are kept as long as a reconnect may take.
  LIVE_STREAM,
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
  /** Live (LIVE stream): a user's home timeline gained or lost a tweet (chirp.timeline.v1.StreamHomeTimelineResponse). */
  liveHome: (userId: bigint | string) => `live.home.${userId}`,
  /** Live: an account's new and deleted tweets (StreamHomeTimelineResponse). */
  liveUser: (userId: bigint | string) => `live.user.${userId}`,
  /** Live: new tweets with a hashtag, lower-cased (StreamHomeTimelineResponse). */
  liveHashtag: (tag: string) => `live.hashtag.${tag}`,
  /** A user's notifications, added or removed (chirp.notification.v1.NotificationLiveEvent). */
  liveNotifications: (userId: bigint | string) => `live.notifications.${userId}`,
} as const;

/** Consumer defaults, overridable per consumer. */
export const CONSUMER_DEFAULTS = { maxDeliver: 10, ackWaitMs: 30_000, retryDelayMs: 1_000, concurrency: 16 };

export function streamFor(subject: string): StreamSpec {
  const stream = STREAMS.find((s) => s.subjects.some((p) => subjectMatches(p, subject)));
  if (!stream) throw new Error(`no stream carries subject '${subject}'`);
  return stream;
}

/**
 * NATS wildcard matching: '*' one token, '>' the rest. Walks both strings in
 * place: every publish matches its subject against every consumer's
 * patterns, and splitting them each time was most of that cost.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  let pi = 0;
  // Start of the subject's current token; past its length once every token is used.
  let si = 0;
  for (;;) {
    let pe = pattern.indexOf(".", pi);
    if (pe < 0) pe = pattern.length;
    const star = pe - pi === 1 && pattern.charCodeAt(pi) === 42;
    if (pe - pi === 1 && pattern.charCodeAt(pi) === 62) return si <= subject.length;
    if (si > subject.length) return false;
    let se = subject.indexOf(".", si);
    if (se < 0) se = subject.length;
    if (!star) {
      if (se - si !== pe - pi) return false;
      for (let k = 0; k < pe - pi; k++) if (pattern.charCodeAt(pi + k) !== subject.charCodeAt(si + k)) return false;
    }
    si = se + 1;
    if (pe === pattern.length) return si > subject.length;
    pi = pe + 1;
  }
}
