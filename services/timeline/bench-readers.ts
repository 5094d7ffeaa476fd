// The timeline bench's readers, in a worker thread with their own gRPC client:
// encoding requests, decoding 20 hydrated tweets per answer and keeping the
// latencies stay off the services' event loop, as with remote clients.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createClient } from "@connectrpc/connect";
import { TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { createUnaryGrpcTransport } from "../kit/grpc-unary-client.js";

export type ReadJob =
  /** `concurrency` callers back to back for `ms`. */
  | { kind: "closed"; readers: string[]; concurrency: number; ms: number }
  /** `total` reads started on schedule at `rate`/s, whatever the latency; latency counts from the scheduled start. */
  | { kind: "open"; readers: string[]; rate: number; total: number };

export interface ReadResult {
  latencies: number[];
  errors: number;
  firstError?: string | undefined;
  elapsedMs: number;
}

export class ReadLoad {
  private constructor(private readonly worker: Worker) {}

  /** `authorization` maps each reader id (decimal) to its header value. */
  static start(url: string, authorization: Record<string, string>): ReadLoad {
    // The worker loads this file through tsx (it does not inherit the loader hooks).
    const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    return new ReadLoad(new Worker(boot, { eval: true, workerData: { url, authorization } }));
  }

  run(job: ReadJob): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      this.worker.once("message", (r: ReadResult) => {
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
    const out: ReadResult = { latencies: [], errors: 0, elapsedMs: 0 };
    const fail = (why: string) => {
      out.errors++;
      out.firstError ??= why;
    };
    const t0 = performance.now();
    if (job.kind === "closed") {
      let n = 0;
      await Promise.all(
        Array.from({ length: job.concurrency }, async () => {
          while (performance.now() - t0 < job.ms) {
            const t = performance.now();
            await read(job.readers[n++ % job.readers.length]!);
            out.latencies.push(performance.now() - t);
          }
        }),
      );
    } else {
      const inFlight = new Set<Promise<void>>();
      let sent = 0;
      while (sent < job.total) {
        const due = Math.min(job.total, Math.floor(((performance.now() - t0) / 1000) * job.rate) + 1);
        for (; sent < due; sent++) {
          const scheduled = t0 + (sent / job.rate) * 1000;
          const p = read(job.readers[sent % job.readers.length]!)
            .then(
              (res) => (res.tweets.length === 0 ? fail("an empty page") : out.latencies.push(performance.now() - scheduled)),
              (err: Error) => fail(err.message),
            )
            .then(() => void inFlight.delete(p));
          inFlight.add(p);
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(inFlight);
    }
    out.elapsedMs = performance.now() - t0;
    parentPort!.postMessage(out);
  });
}

if (!isMainThread && (workerData as { url?: unknown } | null)?.url !== undefined) await workerMain();
