import test from "ava";
import { ConfigError } from "../kit/config.js";
import { readNotificationConfig } from "./config.js";

test("defaults: kept 90 days, grouped over 12 hours, 10 mentions a tweet", (t) => {
  t.deepEqual(readNotificationConfig({}), { retentionMs: 90 * 86_400_000, groupWindowMs: 12 * 3_600_000, maxMentions: 10 });
});

test("a bad value stops start-up, naming the variable", (t) => {
  t.throws(() => readNotificationConfig({ CHIRP_NOTIFICATION_RETENTION_DAYS: "0" }), { instanceOf: ConfigError, message: /CHIRP_NOTIFICATION_RETENTION_DAYS/ });
  t.throws(() => readNotificationConfig({ CHIRP_NOTIFICATION_GROUP_WINDOW_HOURS: "x" }), { instanceOf: ConfigError, message: /CHIRP_NOTIFICATION_GROUP_WINDOW_HOURS/ });
});
