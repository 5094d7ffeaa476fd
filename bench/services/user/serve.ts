// The services side of the bench commands, in a process of its own so the
// load generator does not share its event loop: starts the user, graph and
// tweet services with the test harness (isolated data), prints their URLs as
// one JSON line, and stops and cleans up when stdin closes or on SIGTERM.
import { startChirp } from "../../../services/testing/chirp.js";

const mode = process.env.BENCH_MODE === "cluster" ? "cluster" : "embedded";
// Profiles carry tweet counts, so the tweet service runs too.
const pair = await startChirp({
  mode,
  label: process.env.BENCH_LABEL ?? "bench",
  targets: ["user", "graph", "tweet"],
  env: {
    CHIRP_JWT_PUBLIC_KEY: process.env.BENCH_JWT_PUBLIC_KEY ?? "",
    CHIRP_JWT_PRIVATE_KEY: process.env.BENCH_JWT_PRIVATE_KEY ?? "",
    // The services call each other over gRPC, as one process per target does.
    CHIRP_INPROCESS_CALLS: "false",
  },
});
// SIGUSR2 asks for this process's CPU time so far (µs), as one JSON line:
// CPU per call is a figure that other load on the machine disturbs less
// than wall-clock throughput. Listened for before the URLs go out: the
// parent may ask at once, and an unhandled SIGUSR2 ends the process.
process.on("SIGUSR2", () => {
  const u = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMicros: u.user + u.system })}\n`);
});
process.stdout.write(`${JSON.stringify({ userUrl: pair.urls.user, graphUrl: pair.urls.graph })}\n`);

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
