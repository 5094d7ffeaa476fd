// Settings of the notification service, read once at start-up and checked as a whole.
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";

const schema = z.object({
  /** How long a notification is kept after the end of its month (store/months.ts: the Cassandra TTL; LMDB reads skip older months). */
  CHIRP_NOTIFICATION_RETENTION_DAYS: envs.int(90, 1, 3650),
  /** Likes, retweets and follows of one target within a window of this many hours form one group. */
  CHIRP_NOTIFICATION_GROUP_WINDOW_HOURS: envs.int(12, 1, 24 * 30),
  /** At most this many @mentions of one tweet are notified. */
  CHIRP_NOTIFICATION_MAX_MENTIONS: envs.int(10, 0, 50),
});

export interface NotificationConfig {
  retentionMs: number;
  groupWindowMs: number;
  maxMentions: number;
}

export function readNotificationConfig(env: Env = process.env): NotificationConfig {
  const e = readEnv(schema, env);
  return {
    retentionMs: e.CHIRP_NOTIFICATION_RETENTION_DAYS * 86_400_000,
    groupWindowMs: e.CHIRP_NOTIFICATION_GROUP_WINDOW_HOURS * 3_600_000,
    maxMentions: e.CHIRP_NOTIFICATION_MAX_MENTIONS,
  };
}
