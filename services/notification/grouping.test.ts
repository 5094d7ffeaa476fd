import test from "ava";
import { snowflakeTime } from "../kit/snowflake.js";
import { groupKey, notificationId } from "./grouping.js";

const H = 3_600_000;

test("likes, retweets and follows of one target in one window share a key; other targets or windows do not", (t) => {
  const at = 1_000 * H + 60_000;
  t.is(groupKey("like", 5n, at, 1n, 12 * H), groupKey("like", 5n, at + 3 * H, 2n, 12 * H));
  t.not(groupKey("like", 5n, at, 1n, 12 * H), groupKey("like", 6n, at, 1n, 12 * H));
  t.not(groupKey("like", 5n, at, 1n, 12 * H), groupKey("retweet", 5n, at, 1n, 12 * H));
  t.not(groupKey("like", 5n, at, 1n, 12 * H), groupKey("like", 5n, at + 12 * H, 1n, 12 * H));
  t.is(groupKey("follow", 0n, at, 1n, 12 * H), groupKey("follow", 0n, at + H, 9n, 12 * H));
});

test("replies and mentions are never grouped", (t) => {
  t.is(groupKey("reply", 5n, 0, 42n, H), "ungrouped-42");
  t.is(groupKey("mention", 5n, 0, 43n, H), "ungrouped-43");
});

test("a notification's id is the event's time, the same for the same recipient and source, different for others", (t) => {
  const at = Date.UTC(2026, 5, 1, 12);
  const id = notificationId(at, 7n, "like:1:2");
  t.is(snowflakeTime(id), at);
  t.is(notificationId(at, 7n, "like:1:2"), id);
  t.not(notificationId(at, 8n, "like:1:2"), id);
  t.not(notificationId(at, 7n, "like:1:3"), id);
});
