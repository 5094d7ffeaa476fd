// Small helpers for the bench commands: run N calls with bounded
// concurrency (bench/closed-loop.ts), print progress on long phases;
// run the services in a child process, so load and service each get a core.
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenSigner } from "../../../services/kit/auth.js";
import { generateKeyPairPem } from "../../../services/kit/keys.js";
import { networkClients, type TestClients } from "../../../services/testing/actions.js";
import { closedLoop, failedSuffix, type ClosedLoop } from "../../closed-loop.js";

export interface Figures {
  phase: string;
  /** Calls that succeeded; the latencies are theirs. */
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  firstError?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function measure(phase: string, count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<Figures> {
  let done = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    process.stderr.write(`  ${phase}: ${done}/${count} (${Math.round(done / s)}/s)\n`);
  }, 5000);
  let r: ClosedLoop;
  try {
    r = await closedLoop(0, count, concurrency, call, () => done++);
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...r.latencies].sort((a, b) => a - b);
  return {
    phase,
    count: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    failed: r.failed,
    ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
  };
}

/** measure(), plus the services' CPU time per call (from the child process). */
export async function measureServed(
  p: ServedPair,
  phase: string,
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<Figures & { cpuMsPerCall: number }> {
  const before = await p.cpuMs();
  const f = await measure(phase, count, concurrency, call);
  return { ...f, cpuMsPerCall: ((await p.cpuMs()) - before) / count };
}

export function print(f: Figures & { cpuMsPerCall?: number }, note = ""): void {
  if (f.cpuMsPerCall !== undefined) {
    const cpu = `services CPU ${(f.cpuMsPerCall * 1000).toFixed(0)} µs/call (≈${Math.round(1000 / f.cpuMsPerCall)}/s per core)`;
    note = note ? `${cpu}; ${note}` : cpu;
  }
  console.log(
    `${f.phase.padEnd(44)} ${String(f.count).padStart(7)} calls  ${f.perSecond.toFixed(0).padStart(6)}/s  ` +
      `p50 ${f.p50.toFixed(2).padStart(7)} ms  p99 ${f.p99.toFixed(2).padStart(7)} ms  max ${f.max.toFixed(1).padStart(7)} ms${note ? `  ${note}` : ""}${failedSuffix(f)}`,
  );
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
}

export interface ServedPair {
  user: TestClients["user"];
  graph: TestClients["graph"];
  userUrl: string;
  graphUrl: string;
  /** Call options with a valid access token for `userId`. */
  as(userId: bigint): Promise<{ headers: { authorization: string } }>;
  /** CPU time (user + system) the services' process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the user + graph services in a child process (see serve.ts). */
export async function serveInChild(mode: "embedded" | "cluster", label: string): Promise<ServedPair> {
  const keys = await generateKeyPairPem();
  const signer = await TokenSigner.fromPem(keys.privateKeyPem, { issuer: "chirp", audience: "chirp-api", ttlSeconds: 3600 });
  // BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof", profiles the services' side.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(dirname(fileURLToPath(import.meta.url)), "serve.ts")], {
    env: { ...process.env, BENCH_MODE: mode, BENCH_LABEL: label, BENCH_JWT_PUBLIC_KEY: keys.publicKeyPem, BENCH_JWT_PRIVATE_KEY: keys.privateKeyPem },
    stdio: ["pipe", "pipe", "inherit"],
  });
  // The child's stdout is a sequence of JSON lines: first the URLs, then one
  // answer per SIGUSR2.
  const waiting: Array<(line: string) => void> = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const line = await Promise.race([
    nextLine(),
    new Promise<never>((_, reject) => child.on("exit", (code) => reject(new Error(`bench services exited early (code ${code})`)))),
  ]);
  const urls = JSON.parse(line) as { userUrl: string; graphUrl: string };
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const clients = networkClients(() => ({ user: urls.userUrl, graph: urls.graphUrl }));
  return {
    user: clients.user,
    graph: clients.graph,
    ...urls,
    async as(userId) {
      const { token } = await signer.sign({ userId, sessionId: "bench" });
      return { headers: { authorization: `Bearer ${token}` } };
    },
    async cpuMs() {
      const answer = nextLine();
      child.kill("SIGUSR2");
      return (JSON.parse(await answer) as { cpuMicros: number }).cpuMicros / 1000;
    },
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}

/**
 * The server's own view of one RPC's latency, from its Prometheus histogram
 * (rpc_server_duration_seconds on /metrics): cumulative counts per bucket.
 */
export async function serverHistogram(baseUrl: string, method: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^rpc_server_duration_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
    const labels = m[1]!;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le && labels.includes(`method="${method}"`)) out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** "share of calls the server finished within each bound", between two scrapes. */
export function describeHistogram(before: Map<string, number>, after: Map<string, number>): string {
  const total = (after.get("+Inf") ?? 0) - (before.get("+Inf") ?? 0);
  if (total === 0) return "no calls";
  return [...after.keys()]
    .filter((le) => ["0.001", "0.0025", "0.005", "0.01", "0.025"].includes(le))
    .map((le) => `≤${Number(le) * 1000} ms: ${((100 * ((after.get(le) ?? 0) - (before.get(le) ?? 0))) / total).toFixed(1)}%`)
    .join(", ");
}
