// grpc.health.v1.Health backed by real dependency checks. Checks run on an
// interval (so probes are cheap and a slow backend cannot pile up calls) and
// once at start; Check answers from the latest result, Watch streams changes.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventEmitter, on } from "node:events";
import {
  Health,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "../../gen/grpc/health/v1/health_pb.js";
import { notFound } from "./errors.js";
import type { Logger } from "./logger.js";

export { Status as ServingStatus };

export interface DependencyCheck {
  /** e.g. "cassandra", "redis", "nats", "user-service". */
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check: () => Promise<void>;
}

export interface HealthOptions {
  /** Fully-qualified gRPC service names this process serves. */
  services: string[];
  checks: DependencyCheck[];
  logger: Logger;
  intervalMs?: number;
  timeoutMs?: number;
}

export class HealthMonitor {
  private status = Status.NOT_SERVING;
  private failing: string[] = ["starting"];
  private shuttingDown = false;
  private timer?: NodeJS.Timeout;
  private readonly changes = new EventEmitter();
  private readonly services: Set<string>;

  constructor(private readonly opts: HealthOptions) {
    this.services = new Set(["", ...opts.services]);
    this.changes.setMaxListeners(0);
  }

  async start(): Promise<void> {
    await this.runChecks();
    this.timer = setInterval(() => void this.runChecks(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Marks everything NOT_SERVING for good (graceful shutdown). */
  stop(): void {
    clearInterval(this.timer);
    this.shuttingDown = true;
    this.set(Status.NOT_SERVING, ["shutting down"]);
    this.changes.emit("closed");
  }

  get current(): { status: Status; failing: string[] } {
    return { status: this.status, failing: [...this.failing] };
  }

  async runChecks(): Promise<void> {
    if (this.shuttingDown) return;
    const timeoutMs = this.opts.timeoutMs ?? 2000;
    const results = await Promise.all(
      this.opts.checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            c.check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return undefined;
        } catch (err) {
          return { name: c.name, reason: err instanceof Error ? err.message : String(err) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const failed = results.filter((r) => r !== undefined);
    if (this.shuttingDown) return;
    for (const f of failed) this.opts.logger.warn({ dependency: f.name, reason: f.reason }, "dependency check failed");
    this.set(failed.length ? Status.NOT_SERVING : Status.SERVING, failed.map((f) => f.name));
  }

  private set(status: Status, failing: string[]): void {
    const changed = status !== this.status;
    this.status = status;
    this.failing = failing;
    if (changed) {
      this.opts.logger.info({ status: Status[status], failing }, "health changed");
      this.changes.emit("change", status);
    }
  }

  private response(service: string): HealthCheckResponse {
    return create(HealthCheckResponseSchema, {
      status: this.services.has(service) ? this.status : Status.SERVICE_UNKNOWN,
    });
  }

  impl(): Partial<ServiceImpl<typeof Health>> {
    return {
      check: (req) => {
        if (!this.services.has(req.service)) throw notFound(`unknown service '${req.service}'`);
        return this.response(req.service);
      },
      watch: (req, ctx) => this.watch(req.service, ctx.signal),
    };
  }

  private async *watch(service: string, signal: AbortSignal): AsyncGenerator<HealthCheckResponse> {
    let last = this.response(service);
    yield last;
    const abort = new AbortController();
    const stopOnClose = () => abort.abort();
    this.changes.once("closed", stopOnClose);
    signal.addEventListener("abort", stopOnClose, { once: true });
    try {
      for await (const _ of on(this.changes, "change", { signal: abort.signal })) {
        const next = this.response(service);
        if (next.status !== last.status) yield (last = next);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      this.changes.off("closed", stopOnClose);
      signal.removeEventListener("abort", stopOnClose);
    }
    const final = this.response(service);
    if (this.shuttingDown && final.status !== last.status) yield final;
  }
}

export { Health };
