// A Cassandra client with Chirp's defaults: token-aware, local-DC, prepared
// statements, native bigint for bigint columns.
import cassandra from "cassandra-driver";
import type { CassandraConfig } from "./config.js";
import { registerUnavailableError } from "../../kit/errors.js";
import { coalesceRequests } from "./coalesce.js";
import { cassandraMetrics } from "./metrics.js";
import type { Registry } from "prom-client";

registerUnavailableError("NoHostAvailableError");
registerUnavailableError("OperationTimedOutError");
registerUnavailableError("BusyConnectionError");

export type CassandraClient = cassandra.Client;
export const consistencies = cassandra.types.consistencies;

export function createCassandraClient(
  cfg: CassandraConfig,
  opts: { keyspace?: boolean; readTimeoutMs?: number; /** Query latency and pool figures go here (metrics.ts). */ metrics?: Registry } = {},
): CassandraClient {
  const watched = opts.metrics ? cassandraMetrics(opts.metrics) : undefined;
  const client = new cassandra.Client({
    contactPoints: cfg.contactPoints,
    localDataCenter: cfg.localDc,
    ...(opts.keyspace === false ? {} : { keyspace: cfg.keyspace }),
    ...(cfg.username ? { credentials: { username: cfg.username, password: cfg.password ?? "" } } : {}),
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
    queryOptions: {
      prepare: true,
      consistency: consistencies[camel(cfg.consistency)],
      serialConsistency: consistencies.localSerial,
    },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    socketOptions: { connectTimeout: 5000, readTimeout: opts.readTimeoutMs ?? 12000 },
    ...(watched ? { requestTracker: watched.tracker } : {}),
  });
  watched?.clients.add(client);
  if (cfg.coalesce) coalesceRequests(client);
  return client;
}

function camel(name: string): keyof typeof consistencies {
  return name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof typeof consistencies;
}

/** Health check: a cheap query that needs a live coordinator. */
export async function pingCassandra(client: CassandraClient): Promise<void> {
  await client.execute("SELECT release_version FROM system.local", [], { prepare: true });
}
