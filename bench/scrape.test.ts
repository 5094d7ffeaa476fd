import assert from "node:assert/strict";
import { test } from "node:test";
import { samples } from "./scrape.js";

test("samples: one metric's values with their labels; other metrics, longer names and comments skipped", () => {
  const text = [
    "# HELP rpc_server_requests_total RPCs served.",
    "# TYPE rpc_server_requests_total counter",
    'rpc_server_requests_total{service="chirp.tweet.v1.TweetService",method="CreateTweet",code="ok"} 12',
    'rpc_server_requests_total_created{service="x"} 1700000000',
    "rpc_server_requests_total 3",
    'process_cpu_seconds_total 4.5',
    'rpc_server_requests_total{method="A"} 1e3 1733600000000',
  ].join("\n");
  assert.deepEqual(samples(text, "rpc_server_requests_total"), [
    { labels: { service: "chirp.tweet.v1.TweetService", method: "CreateTweet", code: "ok" }, value: 12 },
    { labels: {}, value: 3 },
    { labels: { method: "A" }, value: 1000 },
  ]);
  assert.deepEqual(samples(text, "process_cpu_seconds_total"), [{ labels: {}, value: 4.5 }]);
});
