// The runtime's ceiling for a unary gRPC answer: a bare node:http2 server
// answering every request at once with the same bytes (one gRPC envelope,
// grpc-status 0 in the trailers) as the service answered a real caller in the
// same run. No routing, no authentication, no storage: what is left is Node's
// HTTP/2 on this machine, loaded by the same h2load open loop as the service.
//   BENCH_BARE_PORT=18159 BENCH_BARE_BODY=answer.bin node --import tsx bench/baselines/bare-grpc-server.ts
import { readFileSync } from "node:fs";
import http2 from "node:http2";

const port = Number(process.env.BENCH_BARE_PORT ?? 18159);
const file = process.env.BENCH_BARE_BODY;
if (!file) throw new Error("BENCH_BARE_BODY is required (the answer's envelope)");
const body = readFileSync(file);

const server = http2.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/grpc" });
    res.addTrailers({ "grpc-status": "0" });
    res.end(body);
  });
});
server.listen(port, "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
