import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { restLagTransport } from "./lag.js";

const author = { id: 7n, token: "t" };

test("REST lag probes read the tweet id from the gateway's answer (proto field names)", async () => {
  const answer = { tweet: { tweet_id: "123", author_id: "7", content: "probe", reply_to_tweet_id: "0" } };
  const rest = restLagTransport("http://127.0.0.1:9", async () => ({ status: "200", body: Buffer.from(JSON.stringify(answer)) }));
  assert.equal(await rest.post(author, "probe"), "123");
  const refused = restLagTransport("http://127.0.0.1:9", async () => ({ status: "429", body: Buffer.from('{"code":"resource_exhausted"}') }));
  assert.equal(await refused.post(author, "probe"), undefined);
});

test("REST lag probes see tweets on the live stream: live at the first keep-alive, then each tweet's id", async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("retry: 3000\n\n");
    res.write(`event: keep_alive\ndata: ${JSON.stringify({ keep_alive: { sent_at: "2026-01-02T03:04:05Z" } })}\n\n`);
    res.write(`event: tweet\ndata: ${JSON.stringify({ tweet: { tweet: { tweet_id: "456", author_id: "7" }, author: { user_id: "7" }, liked: false } })}\n\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const abort = new AbortController();
  try {
    const rest = restLagTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => ({ status: "500", body: Buffer.alloc(0) }));
    const seen = new Promise<string>((resolve) => void rest.watch(author, resolve, abort.signal));
    assert.equal(await seen, "456");
  } finally {
    abort.abort();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
