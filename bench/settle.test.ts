import assert from "node:assert/strict";
import { test } from "node:test";
import { consumerBacklog } from "./settle.js";

test("the consumers' backlog: pending and ack-pending per durable, the largest figure where processes share one, summed", () => {
  const timeline = [
    '# HELP chirp_bus_consumer_pending_messages Messages of the stream a durable consumer has not been delivered yet.',
    'chirp_bus_consumer_pending_messages{durable="fanout",subject="tweet.>"} 120',
    'chirp_bus_consumer_ack_pending_messages{durable="fanout",subject="tweet.>"} 16',
    'chirp_bus_consumer_redelivered_messages{durable="fanout",subject="tweet.>"} 3',
    'rpc_server_requests_total{service="x",method="y"} 99',
  ].join("\n");
  // A second process sharing the fan-out durable sees the same figures a moment later.
  const fanoutToo = 'chirp_bus_consumer_pending_messages{durable="fanout",subject="tweet.>"} 110\nchirp_bus_consumer_pending_messages{durable="search-index",subject="tweet.>"} 5000';
  assert.equal(consumerBacklog([timeline, fanoutToo]), 120 + 16 + 5000);
  assert.equal(consumerBacklog(["", 'chirp_bus_consumer_pending_messages{durable="a",subject="b"} 0']), 0);
});
