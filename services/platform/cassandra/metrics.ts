// Cassandra figures on the process's /metrics: query latency by statement
// (the driver's request tracker), and per host the requests in flight per
// connection against the driver's limit per connection (past it, the driver
// refuses with BusyConnectionError: the pool is exhausted).
import cassandra from "cassandra-driver";
import { Gauge, Histogram, type Registry } from "prom-client";

type Query = string | Array<{ query: string; params?: unknown }>;

const MAX_STATEMENTS = 500;
const names = new Map<string, string>();

/**
 * A bounded label for a statement: its verb and table ("select tweets_by_id",
 * "insert users_by_username lwt", "batch insert tweets_by_user"), never its values.
 */
export function statementOf(query: Query): string {
  if (Array.isArray(query)) return query.length === 0 ? "batch" : `batch ${statementOf(query[0]!.query)}`;
  let name = names.get(query);
  if (name === undefined) {
    name = describe(query);
    if (names.size < MAX_STATEMENTS) names.set(query, name);
  }
  return name;
}

function describe(cql: string): string {
  const q = cql.replace(/\s+/g, " ").trim();
  const table = (re: RegExp) => re.exec(q)?.[1]?.split(".").at(-1)?.replace(/"/g, "") ?? "?";
  const lwt = / IF (NOT EXISTS|EXISTS|\w+ ?[=<>!])/i.test(q) ? " lwt" : "";
  const verb = q.split(" ", 1)[0]!.toLowerCase();
  switch (verb) {
    case "select":
      return `select ${table(/ FROM ([\w."]+)/i)}`;
    case "insert":
      return `insert ${table(/^INSERT INTO ([\w."]+)/i)}${lwt}`;
    case "update":
      return `update ${table(/^UPDATE ([\w."]+)/i)}${lwt}`;
    case "delete":
      return `delete ${table(/ FROM ([\w."]+)/i)}${lwt}`;
    default:
      return /^[a-z]+$/.test(verb) ? verb : "other";
  }
}

interface Watched {
  clients: Set<cassandra.Client>;
  tracker: cassandra.tracker.RequestTracker;
}

const made = new WeakMap<Registry, Watched>();

/** The registry's Cassandra metrics (made once per registry); returns the request tracker a client is built with. */
export function cassandraMetrics(registry: Registry): Watched {
  let w = made.get(registry);
  if (w) return w;
  const clients = new Set<cassandra.Client>();
  const duration = new Histogram({
    name: "chirp_cassandra_query_duration_seconds",
    help: "Cassandra request time as the driver measures it, by statement (verb and table) and outcome (ok, error).",
    labelNames: ["statement", "outcome"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const seconds = (latency: number[]) => latency[0]! + latency[1]! / 1e9;
  // The driver wants an instance of its own class (typed as an interface).
  const Base = (cassandra.tracker as unknown as { RequestTracker: new () => cassandra.tracker.RequestTracker }).RequestTracker;
  class Tracker extends Base {
    override onSuccess(_host: cassandra.Host, query: Query, _p: unknown, _o: unknown, _req: number, _res: number, latency: number[]): void {
      duration.observe({ statement: statementOf(query), outcome: "ok" }, seconds(latency));
    }
    override onError(_host: cassandra.Host, query: Query, _p: unknown, _o: unknown, _req: number, _err: Error, latency: number[]): void {
      duration.observe({ statement: statementOf(query), outcome: "error" }, seconds(latency));
    }
    override shutdown(): void {}
  }
  const tracker = new Tracker();
  // Read from the driver's state on each scrape.
  const perHost = (
    read: (state: cassandra.metadata.ClientState, host: cassandra.Host, client: cassandra.Client) => number,
    combine = (a: number, b: number) => a + b,
  ) => {
    return function (this: Gauge<"host">) {
      this.reset();
      const sums = new Map<string, number>();
      for (const client of clients) {
        const state = client.getState();
        for (const host of state.getConnectedHosts()) {
          const v = read(state, host, client);
          const was = sums.get(host.address);
          sums.set(host.address, was === undefined ? v : combine(was, v));
        }
      }
      for (const [host, v] of sums) this.set({ host }, v);
    };
  };
  new Gauge({
    name: "chirp_cassandra_inflight_requests",
    help: "Requests in flight to each Cassandra host from this process.",
    labelNames: ["host"],
    registers: [registry],
    collect: perHost((state, host) => state.getInFlightQueries(host)),
  });
  new Gauge({
    name: "chirp_cassandra_open_connections",
    help: "Open connections to each Cassandra host from this process.",
    labelNames: ["host"],
    registers: [registry],
    collect: perHost((state, host) => state.getOpenConnections(host)),
  });
  new Gauge({
    name: "chirp_cassandra_inflight_requests_per_connection",
    help: "Requests in flight per open connection to each Cassandra host (the driver spreads them over the pool); compare with chirp_cassandra_max_requests_per_connection.",
    labelNames: ["host"],
    registers: [registry],
    collect: perHost((state, host) => state.getInFlightQueries(host) / Math.max(1, state.getOpenConnections(host))),
  });
  new Gauge({
    name: "chirp_cassandra_max_requests_per_connection",
    help: "The driver's limit of requests in flight on one connection (pooling.maxRequestsPerConnection); past it a request fails with BusyConnectionError.",
    labelNames: ["host"],
    registers: [registry],
    // The driver fills in its default (2048 on protocol v3+) when it connects.
    collect: perHost((_state, _host, client) => (client as unknown as { options: cassandra.ClientOptions }).options.pooling?.maxRequestsPerConnection ?? 0, Math.max),
  });
  w = { clients, tracker };
  made.set(registry, w);
  return w;
}
