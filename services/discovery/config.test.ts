import test from "ava";
import { ConfigError } from "../kit/config.js";
import { readDiscoveryConfig } from "./config.js";

test("defaults: trends once a minute, 5 authors, score 2, half-life 4 hours; suggestions kept 15 minutes", (t) => {
  const c = readDiscoveryConfig({});
  t.deepEqual(c.trends, { deny: [], intervalMs: 60_000, minAuthors: 5, minScore: 2, halfLifeMs: 4 * 3_600_000 });
  t.is(c.suggestions.cacheMs, 900_000);
  t.is(c.suggestions.followsCacheMs, 900_000);
});

test("the deny list is normalised as tags are, with or without '#'", (t) => {
  t.deepEqual(readDiscoveryConfig({ CHIRP_TRENDS_DENY: " #Spam, ＧＩＶＥＡＷＡＹ ,,straße" }).trends.deny, ["spam", "giveaway", "strasse"]);
});

test("a bad value stops start-up, naming the variable", (t) => {
  t.throws(() => readDiscoveryConfig({ CHIRP_TRENDS_DENY: "ok,2024" }), { instanceOf: ConfigError, message: /CHIRP_TRENDS_DENY: not hashtags: 2024/ });
  t.throws(() => readDiscoveryConfig({ CHIRP_TRENDS_INTERVAL_MS: "5" }), { instanceOf: ConfigError, message: /CHIRP_TRENDS_INTERVAL_MS/ });
  t.throws(() => readDiscoveryConfig({ CHIRP_TRENDS_MIN_SCORE: "-1" }), { instanceOf: ConfigError, message: /CHIRP_TRENDS_MIN_SCORE/ });
});
