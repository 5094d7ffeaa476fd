// /readyz: ready when every service the gateway calls answers
// grpc.health.v1.Health/Check with SERVING. Answers are reused for a short
// while and concurrent probes share one round of checks, so a probe storm
// does not become a storm of health RPCs.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";

export interface ServiceProbe {
  /** Short name for the report, e.g. "user". */
  name: string;
  /** The gRPC service to ask about, e.g. "chirp.user.v1.UserService". */
  service: string;
  client: Client<typeof Health>;
}

export interface ReadyReport {
  ready: boolean;
  /** Short name → SERVING, NOT_SERVING, SERVICE_UNKNOWN or UNREACHABLE. */
  services: Record<string, string>;
}

export class Readiness {
  private cached?: { at: number; report: ReadyReport };
  private inFlight?: Promise<ReadyReport>;

  constructor(
    private readonly probes: ServiceProbe[],
    private readonly cacheMs: number,
    private readonly timeoutMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  async report(): Promise<ReadyReport> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return this.cached.report;
    this.inFlight ??= this.check().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async check(): Promise<ReadyReport> {
    const entries = await Promise.all(
      this.probes.map(async (p): Promise<[string, string]> => {
        try {
          const res = await p.client.check({ service: p.service }, { timeoutMs: this.timeoutMs });
          return [p.name, Status[res.status] ?? String(res.status)];
        } catch (err) {
          // NOT_FOUND: the server is up but does not serve that service.
          return [p.name, err instanceof ConnectError && err.code === Code.NotFound ? "SERVICE_UNKNOWN" : "UNREACHABLE"];
        }
      }),
    );
    const services = Object.fromEntries(entries);
    const report = { ready: entries.every(([, s]) => s === "SERVING"), services };
    this.cached = { at: this.now(), report };
    return report;
  }
}
