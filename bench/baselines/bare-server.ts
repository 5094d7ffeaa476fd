// The runtime's ceiling: a bare node:http server answering every request at
// once with the same bytes as a 20-tweet home page (the JSON body and
// content-type the gateway sent for a real reader's home timeline in the same
// run). No routing, no authentication, no storage: what is left is Node's
// HTTP/1.1 on this machine, loaded by the same generator as Chirp.
//   BENCH_BARE_PORT=18158 BENCH_BARE_BODY=page.json node --import tsx bench/baselines/bare-server.ts
import { readFileSync } from "node:fs";
import http from "node:http";

const port = Number(process.env.BENCH_BARE_PORT ?? 18158);
const file = process.env.BENCH_BARE_BODY;
if (!file) throw new Error("BENCH_BARE_BODY is required (the page's bytes)");
const body = readFileSync(file);
const headers = { "content-type": process.env.BENCH_BARE_CONTENT_TYPE || "application/json", "content-length": String(body.length) };

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(port, "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
