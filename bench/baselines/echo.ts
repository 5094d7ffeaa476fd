// The framework ceiling: the same open-loop load against echo-server.ts (the
// kit's server stack with a stub that answers a canned 20-tweet page), over
// HTTP/1.1 with the Connect protocol (JSON, like the REST edge's clients) and
// over gRPC (like the gRPC-direct variant). Runs in its own process.
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import type { HttpClient } from "../http.js";
import { waitHealthy } from "../launch.js";
import { grpcOutcome, restOutcome, type Actor } from "../mix.js";
import type { Op } from "../openloop.js";
import { spawnBaseline } from "./child.js";
import { Rng } from "../rng.js";

export interface EchoServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startEcho(o: { repoRoot: string; port: number; publicKeyPem: string; logDir: string; logLevel: string }): Promise<EchoServer> {
  const { pid, exited, stop } = spawnBaseline({ repoRoot: o.repoRoot, script: "bench/baselines/echo-server.ts", env: { BENCH_ECHO_PORT: String(o.port), CHIRP_JWT_PUBLIC_KEY: o.publicKeyPem, CHIRP_LOG_LEVEL: o.logLevel }, logFile: join(o.logDir, "echo.log") });
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await waitHealthy(url, 60_000, () => !exited());
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid, stop };
}

const PATH = `/${TimelineService.typeName}/GetHomeTimeline`;
const BODY = JSON.stringify({ limit: 20 });

/** Connect protocol, JSON over HTTP/1.1, with the reader's token (the auth interceptor verifies it). */
export function echoHttpOps(http: HttpClient, actors: Actor[], seed: number): () => Op {
  const rng = new Rng(seed);
  return () => {
    const a = actors[rng.int(actors.length)]!;
    const headers = { authorization: `Bearer ${a.token}`, "content-type": "application/json" };
    return {
      kind: "echo",
      run: async () => restOutcome(await http.request("POST", PATH, headers, BODY)),
    };
  };
}

export function echoGrpcOps(url: string, actors: Actor[], seed: number): () => Op {
  const client = createClient(TimelineService, createGrpcTransport({ baseUrl: url, defaultTimeoutMs: 10_000 }));
  const rng = new Rng(seed);
  return () => {
    const a = actors[rng.int(actors.length)]!;
    return { kind: "echo", run: () => grpcOutcome(client.getHomeTimeline({ limit: 20 }, { headers: { authorization: `Bearer ${a.token}` } }), () => false) };
  };
}
