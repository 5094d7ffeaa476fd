// The WebSocket clients of the gateway benchmark (websocket.ts), in a process
// of their own so the gateway's memory and event loop are only the gateway's.
// Opens one socket per token (WS_BENCH_CONFIG: a JSON file {url, tokens, query}), says "ready"
// once all are subscribed, then prints "U <tweetId> <epochMs>" for each live
// update and exits when its stdin closes.
import { readFileSync } from "node:fs";
import WebSocket from "ws";

const { url, tokens, query } = JSON.parse(readFileSync(process.env.WS_BENCH_CONFIG!, "utf8")) as { url: string; tokens: string[]; query: string };
const sockets: WebSocket[] = [];

async function open(token: string): Promise<void> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/v1/streaming${query}`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  sockets.push(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.includes('"subscribed"')) return resolve();
      const f = JSON.parse(text) as { event: string; payload?: { tweet?: { tweet_id?: string } } };
      if (f.event === "update") process.stdout.write(`U ${f.payload?.tweet?.tweet_id} ${Date.now()}\n`);
    });
  });
}

// A hundred handshakes at a time: the gateway's accept queue is not what is measured.
for (let i = 0; i < tokens.length; i += 100) await Promise.all(tokens.slice(i, i + 100).map(open));
process.stdout.write(`ready ${sockets.length}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
