// The services side of the bench commands, in a process of its own so the
// load generator does not share its event loop: starts the user and graph
// services (isolated data, like the tests), prints their URLs as one JSON
// line, and stops and cleans up when stdin closes or on SIGTERM.
import { startPair } from "../../../services/user/testing.js";

const mode = process.env.BENCH_MODE === "cluster" ? "cluster" : "embedded";
const pair = await startPair(mode, process.env.BENCH_LABEL ?? "bench", {
  CHIRP_JWT_PUBLIC_KEY: process.env.BENCH_JWT_PUBLIC_KEY ?? "",
  CHIRP_JWT_PRIVATE_KEY: process.env.BENCH_JWT_PRIVATE_KEY ?? "",
});
process.stdout.write(`${JSON.stringify({ userUrl: pair.userUrl, graphUrl: pair.graphUrl })}\n`);

// SIGUSR2 asks for this process's CPU time so far (µs), as one JSON line:
// CPU per call is a figure that other load on the machine disturbs less
// than wall-clock throughput.
process.on("SIGUSR2", () => {
  const u = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMicros: u.user + u.system })}\n`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await pair.stop();
  process.exit(0);
}
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
