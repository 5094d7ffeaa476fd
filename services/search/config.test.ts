import test from "ava";
import { ConfigError } from "../kit/config.js";
import { readSearchConfig } from "./config.js";

test("defaults: 2,000 candidates and 90 day buckets per request, 100 people ranked, counts written every 5 s", (t) => {
  t.deepEqual(readSearchConfig({}), { maxCandidates: 2000, maxBuckets: 90, peopleWindow: 100, countFlushMs: 5000 });
});

test("a bad value stops start-up, naming the variable", (t) => {
  t.throws(() => readSearchConfig({ CHIRP_SEARCH_MAX_CANDIDATES: "5" }), { instanceOf: ConfigError, message: /CHIRP_SEARCH_MAX_CANDIDATES/ });
  t.throws(() => readSearchConfig({ CHIRP_SEARCH_MAX_BUCKETS: "0" }), { instanceOf: ConfigError, message: /CHIRP_SEARCH_MAX_BUCKETS/ });
  t.throws(() => readSearchConfig({ CHIRP_SEARCH_PEOPLE_WINDOW: "many" }), { instanceOf: ConfigError, message: /CHIRP_SEARCH_PEOPLE_WINDOW/ });
});
