import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { consumerBacklog, settleNote, waitForConsumers } from "./settle.js";

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

test("waiting for the consumers: polls until the backlog has been zero twice, and the report says so", async () => {
  const backlogs = [40, 12, 0, 3, 0, 0, 0];
  let polls = 0;
  const server = http.createServer((_req, res) => {
    const n = backlogs[Math.min(polls++, backlogs.length - 1)];
    res.end(`chirp_bus_consumer_pending_messages{durable="search-index",subject="tweet.>"} ${n}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const s = await waitForConsumers([url], 30, 5);
    assert.equal(polls, 6, "a zero followed by a backlog does not count: it waits for two zeros in a row");
    assert.deepEqual([s.backlogAtStart, s.backlogAtEnd], [40, 0]);
    assert.match(settleNote(s) ?? "", /40 events behind; measuring began once they had caught up/);
    assert.equal(settleNote({ seconds: 0, backlogAtStart: 0, backlogAtEnd: 0 }), undefined);
  } finally {
    server.close();
  }
});
