// Closed loops sent by wrk (a C load generator; bench/tools/wrk.sh fetches
// it): C connections over T threads, each sending its next request as soon
// as the last one is answered, for a fixed time. What it measures is
// throughput at that concurrency (and the latency that concurrency queues),
// not what a rate costs: the open loops (rest-mix.ts) do that.
//
// Every request carries the next reader's token (a Lua hook picks it from a
// file of tokens, one per line, each wrk thread starting at a different
// reader), so a home-timeline read goes round all the readers; a server
// that ignores the header (the bare node:http baseline) is loaded the same way.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolBinary } from "./tool-binary.js";

export interface WrkOptions {
  /** http://host:port */
  url: string;
  /** "/api/v1/timeline/home?limit=20" */
  path: string;
  /** One "Authorization: Bearer <token>" per request, in turn. */
  tokens: string[];
  connections: number;
  threads: number;
  seconds: number;
  /** A run of this length first, not recorded (connections, caches and JIT warm). */
  warmupS: number;
  timeoutS?: number;
  /** Called around the recorded run (CPU windows). */
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
  /** The wrk to run (tests); else wrkBinary(). */
  wrk?: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Answers per second (any status). */
  rate: number;
  /** Answers without a 2xx/3xx status, and socket errors, by kind. */
  errors: { status: number; connect: number; read: number; write: number; timeout: number };
  errorCount: number;
  /** wrk's own latency figures (ms): closed loop, so queueing at this concurrency, not from a schedule. */
  latency: { mean: number; p50: number; p90: number; p99: number; max: number };
  bytes: number;
  connections: number;
  threads: number;
  readers: number;
}

// The tokens file and the path come as the script's arguments (after `--`).
export const READERS_LUA = `
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local reqs = {}
local n = 0
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      reqs[n] = wrk.format("GET", args[2], { ["Authorization"] = "Bearer " .. line })
    end
  end
  i = (id * 7919) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"mean":%f,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

/** The wrk to run: $CHIRP_WRK, else the one bench/tools/wrk.sh finds or fetches. */
export const wrkBinary = (): string => toolBinary("wrk", "CHIRP_WRK");

/** The figures the Lua hook's done() prints. */
export function parseWrkResult(text: string, o: Pick<WrkOptions, "connections" | "threads"> & { readers: number }): WrkResult {
  const line = text.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (!line) throw new Error(`wrk printed no result: ${text.trim().slice(-500)}`);
  const j = JSON.parse(line.slice("WRK_RESULT ".length)) as Record<string, number>;
  const seconds = j.duration_us! / 1e6;
  const errors = { status: j.status!, connect: j.connect!, read: j.read!, write: j.write!, timeout: j.timeout! };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    requests: j.requests!,
    seconds,
    rate: seconds > 0 ? j.requests! / seconds : 0,
    errors,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    latency: { mean: ms(j.mean!), p50: ms(j.p50!), p90: ms(j.p90!), p99: ms(j.p99!), max: ms(j.max!) },
    bytes: j.bytes!,
    connections: o.connections,
    threads: o.threads,
    readers: o.readers,
  };
}

export async function wrkClosedLoop(o: WrkOptions): Promise<WrkResult> {
  const wrk = o.wrk ?? wrkBinary();
  if (o.tokens.length === 0) throw new Error("wrk: no reader tokens");
  const dir = mkdtempSync(join(tmpdir(), "chirp-wrk-"));
  try {
    writeFileSync(join(dir, "readers.lua"), READERS_LUA);
    writeFileSync(join(dir, "tokens"), o.tokens.join("\n") + "\n");
    const threads = Math.max(1, Math.min(o.threads, o.connections));
    const args = (seconds: number) => [
      `-t${threads}`,
      `-c${o.connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      `--timeout=${o.timeoutS ?? 10}s`,
      "-s",
      join(dir, "readers.lua"),
      `${o.url}${o.path}`,
      "--",
      join(dir, "tokens"),
      o.path,
    ];
    if (o.warmupS > 0) await run(wrk, args(o.warmupS));
    o.onMeasureStart?.();
    let out: string;
    try {
      out = await run(wrk, args(o.seconds));
    } finally {
      o.onMeasureEnd?.();
    }
    return parseWrkResult(out, { connections: o.connections, threads, readers: o.tokens.length });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out.trim().slice(-500)}`))));
  });
}
