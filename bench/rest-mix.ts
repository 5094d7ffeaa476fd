// The REST mixed load, open loop, sent by a load generator written in C, not
// by a Node process sharing the two cores with what it measures (openloop.ts,
// which the gRPC series and the Node-side baselines still use).
//
// A home read needs the reader's own token, so the load is planned as
// streams, one per identity and kind, each sending its kind's share of the
// rate split evenly over that kind's streams:
//   - home: one stream per reader (its token), GET /api/v1/timeline/home?limit=20;
//     a fresh seeded sample of readers every step, about PER_STREAM.home
//     reads a second each (so more readers at higher rates), at most
//     --readers of them;
//   - user: a few streams, each with a viewer's token and a list of user
//     timelines drawn by popularity (GET /api/v1/timeline/user/{id}?limit=20),
//     sent in turn;
//   - post: one stream per poster (its token), POST /api/v1/tweets with a
//     JSON body.
// Each stream is one HTTP/1.1 keep-alive connection that sends a fixed number
// of requests (the warm-up's and the window's) evenly at its rate, one at a
// time, and logs when each left, its status and how long its answer took.
// Two generators send them: mixload (bench/tools/mixload.c, the default), one
// process for every stream; or h2load (--h1 -c1 -m1 --rps -n -i -H
// --log-file), one process per stream, because h2load takes its headers per
// process; those processes cost two to five times mixload's CPU per request
// (bench/README.md), CPU the measured system then lacks.
//
// Latency counts from when each request was due on its stream's even
// schedule (its first departure + i / rate), not from when it was sent: a
// request that waited behind a slow answer on its connection counts the
// wait, so a slow server cannot slow the load down unseen (no coordinated
// omission). A request never answered (the step ran past its deadline, or
// stopped early once its backlog alone had failed it) is an error.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { h2loadBinary, parseLog, type LogRow } from "./h2load.js";
import { toolBinary } from "./tool-binary.js";
import { Latency } from "./histogram.js";
import type { Mix, OpKind, Population } from "./mix.js";
import type { KindResult, OpenLoopResult } from "./openloop.js";
import { Rng } from "./rng.js";

export const HOME_PATH = "/api/v1/timeline/home?limit=20";
export const userPath = (id: bigint): string => `/api/v1/timeline/user/${id}?limit=20`;
export const POST_PATH = "/api/v1/tweets";

/** Requests per second one stream of each kind sends at most: above that, more streams (up to the caps). */
export const PER_STREAM: Record<OpKind, number> = { home: 5, user: 25, post: 5 };
/**
 * And at least this many (fewer streams at very low rates): a connection
 * idle for longer than the server's keep-alive timeout (Node's: 5 s) would be
 * closed under the process, and its next request lost.
 */
export const MIN_STREAM_RATE = 0.5;

export interface MixStream {
  kind: OpKind;
  /** The actor (index into the population) whose token it sends. */
  actor: number;
  token: string;
  /** Paths sent in turn (the generator cycles through them). */
  paths: string[];
  /** JSON body: a POST; a GET without. */
  body?: string;
  rate: number;
  /** Requests sent during the warm-up (not recorded). */
  warm: number;
  /** Requests in all: the warm-up's and the window's. */
  count: number;
}

export interface MixPlanOptions {
  rate: number;
  mix: Mix;
  pop: Population;
  seed: number;
  warmupS: number;
  durationS: number;
  /** At most this many home-reader streams (distinct readers). */
  maxReaders: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** The streams of one step: which identities send what, at which rates. Seeded. */
export function planMix(o: MixPlanOptions): MixStream[] {
  const rng = new Rng(o.seed);
  const n = o.pop.actors.length;
  const rateOf: Record<OpKind, number> = {
    home: (o.rate * o.mix.home) / 100,
    user: (o.rate * o.mix.user) / 100,
    post: (o.rate * o.mix.post) / 100,
  };
  const caps: Record<OpKind, number> = { home: Math.max(1, o.maxReaders), user: 40, post: Math.max(2, Math.ceil(o.maxReaders / 4)) };
  const floors: Record<OpKind, number> = { home: 10, user: 2, post: 2 };
  const out: MixStream[] = [];
  for (const kind of ["home", "user", "post"] as const) {
    const kindRate = rateOf[kind];
    if (!(kindRate > 0)) continue;
    const procs = Math.max(1, Math.min(n, Math.floor(kindRate / MIN_STREAM_RATE), clamp(Math.ceil(kindRate / PER_STREAM[kind]), floors[kind], caps[kind])));
    // Distinct actors within a kind: the first `procs` of a seeded shuffle.
    const actors = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, procs);
    const rate = kindRate / procs;
    const warm = Math.round(rate * o.warmupS);
    const count = warm + Math.max(1, Math.round(rate * o.durationS));
    actors.forEach((actor, k) => {
      const token = o.pop.actors[actor]!.token;
      if (kind === "home") out.push({ kind, actor, token, paths: [HOME_PATH], rate, warm, count });
      else if (kind === "user") {
        const paths = Array.from({ length: count }, () => userPath(o.pop.actors[o.pop.popular.sample(rng)]!.id));
        out.push({ kind, actor, token, paths, rate, warm, count });
      } else {
        const body = JSON.stringify({ content: `load ${o.seed}-${k} #chirpbench what a day for a benchmark: open loop from C, p99 under fifty ms` });
        out.push({ kind, actor, token, paths: [POST_PATH], body, rate, warm, count });
      }
    });
  }
  return out;
}

/** What sends the streams: one mixload process, or one h2load process per stream. */
export type MixTool = "mixload" | "h2load";

export interface RestMixOptions {
  /** http://host:port of the gateway. */
  url: string;
  streams: MixStream[];
  /** The step's offered rate (the streams' rates add up to it). */
  rate: number;
  warmupS: number;
  durationS: number;
  /** After the window, how long answers may still come before the rest count as unanswered. */
  drainS?: number;
  /** Stop early once this many due requests are unanswered after the warm-up (the step has failed already). */
  abortBacklog?: number;
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
  tool?: MixTool;
  /** The generator's binary (tests); else $CHIRP_MIXLOAD or bench/tools/mixload.sh, or h2loadBinary(). */
  binary?: string;
}

export interface RestMixResult extends OpenLoopResult {
  generator: {
    tool: MixTool;
    /** Streams (connections; with h2load, processes) by kind. */
    processes: Record<string, number>;
    /** Requests they were to send in all, the warm-up's included. */
    requests: number;
    /** CPU of the generator's processes over the whole step (start-up and warm-up included), if they ended by themselves. */
    cpuMs?: number;
    wallMs: number;
  };
}

/** Milliseconds of CPU the shell's children used, from `times` (its second line). */
export function parseTimes(text: string): number | undefined {
  const lines = text.trim().split("\n").filter((l) => /\d+m[\d.]+s\s+\d+m[\d.]+s/.test(l));
  const m = lines.at(-1)?.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (!m) return undefined;
  return Math.round((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000);
}

export interface ProcessRows {
  rows: LogRow[];
}

/**
 * Judges one stream's log: latency of request i from when it was due (its
 * first departure + i / rate), the warm-up's requests left out.
 */
export function scoreStream(p: Pick<MixStream, "rate" | "warm" | "count">, rows: readonly LogRow[]) {
  const sorted = [...rows].sort((a, b) => a.startUs - b.startUs);
  const t0 = sorted[0]?.startUs;
  const measured: Array<{ status: number; latencyMs: number; lagMs: number }> = [];
  let answeredInWindow = 0;
  if (t0 !== undefined) {
    const from = t0 + (p.warm * 1e6) / p.rate;
    const to = t0 + (p.count * 1e6) / p.rate;
    sorted.forEach((r, i) => {
      const end = r.startUs + r.durationUs;
      if (end >= from && end <= to) answeredInWindow++;
      if (i < p.warm) return;
      const due = t0 + (i * 1e6) / p.rate;
      const lag = Math.max(0, r.startUs - due);
      measured.push({ status: r.status, latencyMs: (lag + r.durationUs) / 1000, lagMs: lag / 1000 });
    });
  }
  const unanswered = Math.max(0, Math.min(p.count - p.warm, p.count - sorted.length));
  return { measured, unanswered, answeredInWindow };
}

const isOk = (status: number) => status >= 200 && status < 400;
const statusLabel = (status: number) => (status < 0 ? "connection_error" : String(status));

/** One stream's requests as mixload sends them, in turn: the raw HTTP/1.1 bytes. */
export function rawRequests(url: URL, p: MixStream): Buffer[] {
  return p.paths.map((path) => {
    const head = [`${p.body === undefined ? "GET" : "POST"} ${path} HTTP/1.1`, `host: ${url.host}`, `authorization: Bearer ${p.token}`, "accept: */*"];
    if (p.body !== undefined) head.push("content-type: application/json", `content-length: ${Buffer.byteLength(p.body)}`);
    return Buffer.from(`${head.join("\r\n")}\r\n\r\n${p.body ?? ""}`);
  });
}

/** mixload's plan (bench/tools/mixload.c): every stream's rate, count, log file and requests. */
export function mixloadPlan(url: URL, streams: readonly MixStream[], logOf: (i: number) => string): Buffer {
  const parts: Buffer[] = [Buffer.from(`streams ${streams.length}\n`)];
  streams.forEach((p, i) => {
    const reqs = rawRequests(url, p);
    parts.push(Buffer.from(`stream ${p.rate} ${p.count} ${logOf(i)} ${reqs.length}\n`));
    for (const r of reqs) parts.push(Buffer.from(`${r.length}\n`), r);
  });
  return Buffer.concat(parts);
}

/** The shell lines that start the generator's processes in `dir`, each stream logging to log.<i>. */
function generatorLines(o: RestMixOptions, dir: string): string[] {
  const q = shellQuote;
  if ((o.tool ?? "mixload") === "mixload") {
    const url = new URL(o.url);
    writeFileSync(join(dir, "plan"), mixloadPlan(url, o.streams, (i) => join(dir, `log.${i}`)));
    return [`${[o.binary ?? toolBinary("mixload", "CHIRP_MIXLOAD"), url.hostname, url.port || "80", "plan"].map(q).join(" ")} >out.0 2>&1 &`];
  }
  return o.streams.map((p, i) => {
    writeFileSync(join(dir, `uris.${i}`), p.paths.map((path) => `${o.url}${path}`).join("\n") + "\n");
    const args = [
      o.binary ?? h2loadBinary(),
      "--h1",
      "-c1",
      "-m1",
      `--rps=${p.rate}`,
      `-n${p.count}`,
      `-i`,
      `uris.${i}`,
      "-H",
      `authorization: Bearer ${p.token}`,
      `--log-file=log.${i}`,
    ];
    if (p.body !== undefined) {
      writeFileSync(join(dir, `body.${i}`), p.body);
      args.push(`-dbody.${i}`, "-H", "content-type: application/json");
    }
    return `${args.map(q).join(" ")} >out.${i} 2>&1 &`;
  });
}

export async function runRestMix(o: RestMixOptions): Promise<RestMixResult> {
  const tool = o.tool ?? "mixload";
  const drainS = o.drainS ?? 10;
  const dir = mkdtempSync(join(tmpdir(), "chirp-restmix-"));
  try {
    const lines = ["cd " + shellQuote(dir), ...generatorLines(o, dir), "wait", "times"];
    writeFileSync(join(dir, "run.sh"), lines.join("\n") + "\n");

    // One shell starts the generator (its own process group, so a stop reaches every process).
    const started = performance.now();
    const child = spawn("/bin/sh", [join(dir, "run.sh")], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let shellOut = "";
    child.stdout.on("data", (d: Buffer) => (shellOut += d.toString()));
    child.stderr.on("data", (d: Buffer) => (shellOut += d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      child.on("error", () => resolve(-1));
      child.on("close", (code) => resolve(code));
    });
    let done = false;
    void exited.then(() => (done = true));
    const stop = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone already */
      }
    };

    // Watch the logs grow: answers so far against requests due so far.
    const counted = o.streams.map(() => ({ fd: -1, pos: 0, rows: 0 }));
    const buf = Buffer.alloc(64 * 1024);
    const answeredSoFar = () => {
      let total = 0;
      counted.forEach((c, i) => {
        if (c.fd < 0) {
          const f = join(dir, `log.${i}`);
          if (!existsSync(f)) return;
          c.fd = openSync(f, "r");
        }
        for (;;) {
          const n = readSync(c.fd, buf, 0, buf.length, c.pos);
          if (n <= 0) break;
          c.pos += n;
          for (let k = 0; k < n; k++) if (buf[k] === 10) c.rows++;
        }
        total += c.rows;
      });
      return total;
    };
    // h2load processes start one after another: allow for the spread.
    const startGraceS = 1 + (tool === "h2load" ? o.streams.length * 0.004 : 0);
    const dueSoFar = (elapsedS: number) => o.streams.reduce((a, p) => a + Math.min(p.count, Math.floor(p.rate * Math.max(0, elapsedS - startGraceS))), 0);
    const abortBacklog = o.abortBacklog ?? Math.max(100, o.rate);
    const deadlineS = o.warmupS + o.durationS + startGraceS + drainS;
    let measuring = false;
    let measureEnded = false;
    let aborted: string | undefined;
    let stoppedAtS: number | undefined;
    let checkedAtS = 0;
    while (!done) {
      await new Promise((r) => setTimeout(r, 100));
      const elapsedS = (performance.now() - started) / 1000;
      if (!measuring && elapsedS >= o.warmupS) {
        measuring = true;
        o.onMeasureStart?.();
      }
      if (measuring && !measureEnded && elapsedS >= o.warmupS + o.durationS) {
        measureEnded = true;
        o.onMeasureEnd?.();
      }
      if (done) break;
      if (elapsedS > deadlineS) {
        stoppedAtS = elapsedS;
        stop();
        break;
      }
      if (measuring && !measureEnded && elapsedS - checkedAtS >= 0.5) {
        checkedAtS = elapsedS;
        const backlog = dueSoFar(elapsedS) - answeredSoFar();
        if (backlog > abortBacklog) {
          aborted = `overloaded: ${backlog} due requests unanswered after ${(elapsedS - o.warmupS).toFixed(1)} s of the window`;
          stoppedAtS = elapsedS;
          stop();
          break;
        }
      }
    }
    await exited;
    const wallMs = performance.now() - started;
    if (!measuring) o.onMeasureStart?.();
    if (!measureEnded) o.onMeasureEnd?.();
    for (const c of counted) if (c.fd >= 0) closeSync(c.fd);

    // --- score every stream's log ------------------------------------
    const all = new Latency();
    const lag = new Latency();
    const kinds = new Map<string, { latency: Latency; count: number; errors: number }>();
    const errors: Record<string, number> = {};
    const errorSamples: Record<string, string> = {};
    let ok = 0;
    let sent = 0;
    let answeredInWindow = 0;
    // Answers per second, summed over the streams, each over its own window (its schedule's measured part).
    let answeredRate = 0;
    let unfinished = 0;
    const byKindProcs: Record<string, number> = {};
    o.streams.forEach((p, i) => {
      byKindProcs[p.kind] = (byKindProcs[p.kind] ?? 0) + 1;
      const logFile = join(dir, `log.${i}`);
      const rows = existsSync(logFile) ? parseLog(readFileSync(logFile, "utf8")) : [];
      const s = scoreStream(p, rows);
      let k = kinds.get(p.kind);
      if (!k) kinds.set(p.kind, (k = { latency: new Latency(), count: 0, errors: 0 }));
      const measuredCount = p.count - p.warm;
      sent += measuredCount;
      k.count += measuredCount;
      answeredInWindow += s.answeredInWindow;
      answeredRate += s.answeredInWindow / (measuredCount / p.rate);
      for (const r of s.measured) {
        lag.record(r.lagMs);
        if (isOk(r.status)) {
          ok++;
          all.record(r.latencyMs);
          k.latency.record(r.latencyMs);
        } else {
          const label = statusLabel(r.status);
          k.errors++;
          errors[label] = (errors[label] ?? 0) + 1;
          errorSamples[label] ??= `${p.kind}: ${r.status < 0 ? "the request failed on its connection (reset or closed)" : `HTTP ${r.status}`} (the generator logs statuses, not bodies: the services' logs say why)`;
        }
      }
      if (s.unanswered > 0) {
        unfinished += s.unanswered;
        k.errors += s.unanswered;
        errors.unanswered = (errors.unanswered ?? 0) + s.unanswered;
        if (!errorSamples.unanswered) {
          const outFile = join(dir, `out.${tool === "h2load" ? i : 0}`);
          const out = existsSync(outFile) ? readFileSync(outFile, "utf8").trim() : "";
          errorSamples.unanswered = `${p.kind}: ${s.unanswered} of ${measuredCount} not answered${aborted ? " before the step stopped" : stoppedAtS !== undefined ? ` within ${drainS} s after the window` : ""}${rows.length === 0 && out ? `; ${tool}: ${out.split("\n").slice(-3).join(" / ").slice(0, 200)}` : ""}`;
        }
      }
    });
    const windowS = aborted && stoppedAtS !== undefined ? Math.max(0.001, stoppedAtS - o.warmupS) : o.durationS;
    if (aborted) sent = Math.min(sent, Math.round(o.rate * windowS));
    const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
    const byKind: Record<string, KindResult> = {};
    for (const [name, k] of [...kinds].sort()) byKind[name] = { count: k.count, errors: k.errors, empty: 0, latency: k.latency.summary() };
    const lagS = lag.summary();
    const cpuMs = stoppedAtS === undefined ? parseTimes(shellOut) : undefined;
    return {
      targetRate: o.rate,
      durationS: windowS,
      sent,
      ok,
      errors,
      errorSamples,
      errorCount,
      errorRate: sent ? Math.min(1, errorCount / sent) : 0,
      throughput: aborted ? answeredInWindow / windowS : answeredRate,
      goodput: ok / windowS,
      latency: all.summary(),
      byKind,
      dispatchLag: { p99: lagS.p99, max: lagS.max },
      maxInFlight: o.streams.length,
      unfinished,
      ...(aborted ? { aborted } : {}),
      generator: { tool, processes: byKindProcs, requests: o.streams.reduce((a, p) => a + p.count, 0), ...(cpuMs !== undefined ? { cpuMs } : {}), wallMs: Math.round(wallMs) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
