// Open loops driven by nghttp2's h2load (bench/tools/h2load.sh), for the
// tweet and timeline benchmarks: one h2load process per client identity (its
// headers, say a caller's token), each sending `rate / clients` requests a
// second on one HTTP/2 connection for `seconds` after a warm-up.
//
// Why not the Node generator (openloop.ts) for these: at 1,000 requests/s on
// two cores a Node client's own garbage collection lands in every latency it
// measures, several times the transport's own tail (bench/HISTORY.md).
//
// h2load logs when each request left and how long its answer took. It sends
// on a timer and, when late, catches up in a burst, timing each request from
// when it actually left; latencies here are measured from when the request
// was due on an even schedule instead (its index over the client's rate), so
// a late generator cannot hide a slow server (no coordinated omission).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchArgs } from "./args.js";
import { Latency, type LatencySummary } from "./histogram.js";
import { toolBinary } from "./tool-binary.js";

/**
 * The options of a per-service benchmark whose open loops h2load can send:
 * --generator (h2load, or the benchmark's Node client) and --h2load-clients
 * (h2load processes, one caller token each).
 */
export const GENERATOR_USAGE = "[--generator=h2load|node] [--h2load-clients=20]";
export const GENERATOR_DEFAULTS = { generator: "h2load", "h2load-clients": "20" };

export function generatorArgs(args: BenchArgs<keyof typeof GENERATOR_DEFAULTS>): { generator: "h2load" | "node"; clients: number } {
  return { generator: args.choice("generator", ["h2load", "node"]), clients: args.num("h2load-clients") };
}

export interface H2loadOptions {
  /** http://host:port */
  url: string;
  /** "/package.Service/Method" */
  path: string;
  /** The whole request body as sent, e.g. one gRPC envelope. */
  body: Uint8Array;
  /** Headers every request carries (content-type, te, ...). */
  headers: Record<string, string>;
  /** One generator process per entry, with these headers added. */
  clients: Array<Record<string, string>>;
  rate: number;
  seconds: number;
  warmupS: number;
  /**
   * Called when the h2load processes have exited, before their logs are
   * read: reading ~30,000 lines holds this thread for tens of milliseconds,
   * which a caller watching this thread's stalls should not count.
   */
  loadEnded?: () => void;
}

export interface H2loadResult {
  /** Answers in the measured window, by HTTP status ("200", ...). */
  byStatus: Record<string, number>;
  answered: number;
  /** h2load's own count over the measured window: requests without a 2xx/3xx answer (error statuses, resets, time-outs). */
  unsuccessful: number;
  /** Answers per second of window. */
  rate: number;
  /** Every answer's latency from when it was due, whatever its status. */
  latency: LatencySummary;
  /** How late h2load itself sent, at worst (its own health, not the server's), in ms. */
  sendLagMax: number;
}

/** One logged request: when it left (µs since the epoch), its HTTP status, how long until its answer ended (µs). */
export interface LogRow {
  startUs: number;
  status: number;
  durationUs: number;
}

export function parseLog(text: string): LogRow[] {
  const rows: LogRow[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [start, status, duration] = line.split("\t").map(Number);
    if (!Number.isFinite(start) || !Number.isFinite(status) || !Number.isFinite(duration)) throw new Error(`h2load log: cannot read line ${JSON.stringify(line)}`);
    rows.push({ startUs: start!, status: status!, durationUs: duration! });
  }
  return rows;
}

/**
 * Latencies (ms) of one client's requests from when each was due: the i-th
 * request sent is due at the first one's departure plus i / rate.
 */
export function latenciesFromSchedule(rows: readonly LogRow[], rate: number): { latencies: number[]; sendLagMax: number } {
  const sorted = [...rows].sort((a, b) => a.startUs - b.startUs);
  const t0 = sorted[0]?.startUs ?? 0;
  let sendLagMax = 0;
  const latencies = sorted.map((r, i) => {
    const due = t0 + (i * 1e6) / rate;
    const lag = Math.max(0, r.startUs - due);
    sendLagMax = Math.max(sendLagMax, lag);
    return (lag + r.durationUs) / 1000;
  });
  return { latencies, sendLagMax: sendLagMax / 1000 };
}

/** The h2load to run: $CHIRP_H2LOAD, else the project's copy (fetched once by bench/tools/h2load.sh). */
export const h2loadBinary = (): string => toolBinary("h2load", "CHIRP_H2LOAD");

export async function h2loadOpenLoop(opts: H2loadOptions, h2load = h2loadBinary()): Promise<H2loadResult> {
  const dir = mkdtempSync(join(tmpdir(), "chirp-h2load-"));
  try {
    const bodyFile = join(dir, "body");
    writeFileSync(bodyFile, opts.body);
    const perClient = opts.rate / opts.clients.length;
    const headerArgs = (h: Record<string, string>) => Object.entries(h).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const commands = opts.clients.map((extra, i) =>
      [
        h2load,
        "-c1",
        // Streams one connection may have open: enough that a stall of the
        // server never holds back a request that is due.
        "-m256",
        `--rps=${perClient}`,
        `-D${opts.seconds}`,
        `--warm-up-time=${opts.warmupS}`,
        `-d${bodyFile}`,
        ...headerArgs({ ...opts.headers, ...extra }),
        `--log-file=${join(dir, `log.${i}`)}`,
        `${opts.url}${opts.path}`,
      ]
        .map(shellQuote)
        .join(" ") + ` >${shellQuote(join(dir, `out.${i}`))} 2>&1 &`,
    );
    // One shell starts them all: forking this (large) process once per client
    // would hold up its event loop, which may be the one being measured.
    await run([...commands, "wait"].join("\n"));
    opts.loadEnded?.();
    const runs = opts.clients.map((_, i) => {
      const summary = readFileSync(join(dir, `out.${i}`), "utf8");
      const m = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(summary);
      if (!m) throw new Error(`h2load printed no request counts: ${summary.trim().slice(-500)}`);
      return { rows: parseLog(readFileSync(join(dir, `log.${i}`), "utf8")), unsuccessful: Number(m[1]) + Number(m[2]) + Number(m[3]) };
    });
    const byStatus: Record<string, number> = {};
    const latency = new Latency();
    let answered = 0;
    let unsuccessful = 0;
    let sendLagMax = 0;
    for (const { rows, unsuccessful: u } of runs) {
      unsuccessful += u;
      const r = latenciesFromSchedule(rows, perClient);
      for (const ms of r.latencies) latency.record(ms);
      answered += rows.length;
      sendLagMax = Math.max(sendLagMax, r.sendLagMax);
      for (const row of rows) byStatus[String(row.status)] = (byStatus[String(row.status)] ?? 0) + 1;
    }
    return { byStatus, answered, unsuccessful, rate: answered / opts.seconds, latency: latency.summary(), sendLagMax };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a shell script; rejects with its output if it fails. */
function run(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`h2load run exited ${code}: ${out.trim().slice(-500)}`))));
  });
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
