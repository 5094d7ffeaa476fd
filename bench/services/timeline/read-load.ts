// The timeline bench's readers, in a worker thread with their own gRPC client:
// encoding requests, decoding 20 hydrated tweets per answer and keeping the
// latencies stay off the services' event loop, as with remote clients. Open
// loops use the mesh benchmark's generator (bench/openloop.ts).
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createClient } from "@connectrpc/connect";
import { grpcOutcome } from "../../mix.js";
import { runOpenLoop } from "../../openloop.js";
import { watchStalls, type Stalls } from "../../stalls.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { createUnaryGrpcTransport } from "../../../services/kit/grpc-unary-client.js";

export type ReadJob =
  /** `concurrency` callers back to back for `ms`. */
  | { kind: "closed"; readers: string[]; concurrency: number; ms: number }
  /** Reads started on schedule at `rate`/s for `seconds`, whatever the latency; latency counts from the scheduled start. */
  | { kind: "open"; readers: string[]; rate: number; seconds: number };

/** Latencies in ms; `rate` is answers per second. */
export interface ReadFigures {
  p50: number;
  p99: number;
  max: number;
  rate: number;
  /** Failed calls and empty pages. */
  errors: number;
  firstError?: string | undefined;
  /** Open loops: the readers' thread's own stalls, and how late it sent (its health, not the system's). */
  readers?: Stalls;
  dispatchLagMax?: number;
  /** Open loops not sent by this worker: what sent them. */
  generator?: string;
}

export class ReadLoad {
  private constructor(private readonly worker: Worker) {}

  /** `authorization` maps each reader id (decimal) to its header value. */
  static start(url: string, authorization: Record<string, string>): ReadLoad {
    // The worker loads this file through tsx (it does not inherit the loader hooks).
    const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    return new ReadLoad(new Worker(boot, { eval: true, workerData: { url, authorization } }));
  }

  run(job: ReadJob): Promise<ReadFigures> {
    return new Promise((resolve, reject) => {
      this.worker.once("message", (r: ReadFigures) => {
        this.worker.off("error", reject);
        resolve(r);
      });
      this.worker.once("error", reject);
      this.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

async function workerMain(): Promise<void> {
  const { url, authorization } = workerData as { url: string; authorization: Record<string, string> };
  const tl = createClient(TimelineService, createUnaryGrpcTransport({ baseUrl: url }));
  const read = (reader: string) => tl.getHomeTimeline({ limit: 20 }, { headers: { authorization: authorization[reader]! } });
  parentPort!.on("message", async (job: ReadJob) => {
    parentPort!.postMessage(job.kind === "closed" ? await closed(job) : await open(job));
  });

  async function closed(job: Extract<ReadJob, { kind: "closed" }>): Promise<ReadFigures> {
    const latencies: number[] = [];
    let n = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() - t0 < job.ms) {
          const t = performance.now();
          await read(job.readers[n++ % job.readers.length]!);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const rate = latencies.length / ((performance.now() - t0) / 1000);
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN, rate, errors: 0 };
  }

  async function open(job: Extract<ReadJob, { kind: "open" }>): Promise<ReadFigures> {
    const stalls = watchStalls();
    const r = await runOpenLoop({
      rate: job.rate,
      durationS: job.seconds,
      // Sent at the rate but not recorded: each phase reads with caches the
      // previous phase (other readers) and the pause before it let expire.
      warmupS: 1,
      arrivals: "uniform",
      seed: 1,
      next: (i) => ({ kind: "home", run: () => grpcOutcome(read(job.readers[i % job.readers.length]!), (res) => res.tweets.length === 0) }),
    });
    const empty = r.byKind.home?.empty ?? 0;
    const firstError = Object.values(r.errorSamples)[0] ?? (empty ? "an empty page" : undefined);
    return {
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      rate: r.throughput,
      errors: r.errorCount + empty,
      firstError,
      readers: stalls.stop(),
      dispatchLagMax: r.dispatchLag.max,
    };
  }
}

if (!isMainThread && (workerData as { url?: unknown } | null)?.url !== undefined) await workerMain();
