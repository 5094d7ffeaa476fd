// The process-wide context every target is built from: configuration,
// logger, metrics, traces, token keys, id generator, event bus, backend
// connections and clients for the other services. Tests build one with overrides.
import { join } from "node:path";
import { TokenSigner, TokenVerifier } from "../kit/auth.js";
import { ConfigError } from "../kit/config.js";
import { loadOrCreateKeyPair } from "../kit/keys.js";
import { createLogger, type Logger } from "../kit/logger.js";
import { createMetrics, type RpcMetrics } from "../kit/metrics.js";
import { Snowflake } from "../kit/snowflake.js";
import { createTracing, type Tracing } from "../kit/tracing.js";
import { JetStreamBus } from "../platform/bus/jetstream.js";
import { MemoryBus } from "../platform/bus/memory.js";
import { busMetrics } from "../platform/bus/metrics.js";
import { tracedBus } from "../platform/bus/traced.js";
import type { EventBus } from "../platform/bus/port.js";
import { createCassandraClient, type CassandraClient } from "../platform/cassandra/client.js";
import { cassandraMetrics } from "../platform/cassandra/metrics.js";
import { migrate } from "../platform/cassandra/migrate.js";
import { Addresses } from "./addresses.js";
import { createServiceClients, localServices, type ServiceClients } from "./clients.js";
import type { ChirpConfig } from "./config.js";
import type { LocalServices } from "./local-transport.js";

export interface Runtime {
  config: ChirpConfig;
  logger: Logger;
  metrics: RpcMetrics;
  /** Spans for calls, requests and events (kit/tracing.ts); off unless OTEL_* asks for an exporter. */
  tracing: Tracing;
  verifier: TokenVerifier;
  /** Present when the private key is known (the user service needs it). */
  signer?: TokenSigner | undefined;
  ids: Snowflake;
  bus: EventBus;
  /** Cluster mode only; connected to the configured keyspace. */
  cassandra?: CassandraClient | undefined;
  /** Where the other services are; targets started here record where they listen. */
  addrs: Addresses;
  clients: ServiceClients;
  /** Services started in this process, which `clients` call in memory (CHIRP_INPROCESS_CALLS). */
  local?: LocalServices | undefined;
  /** Registers a clean-up to run at close(), in reverse order. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export async function createRuntime(config: ChirpConfig, overrides: Partial<Runtime> = {}): Promise<Runtime> {
  const closers: Array<() => Promise<void> | void> = [];
  const logger = overrides.logger ?? createLogger({ name: "chirp", level: config.logLevel });
  const jwt = await resolveKeys(config, logger);
  const tokenSettings = { issuer: config.jwt.issuer, audience: config.jwt.audience };
  const verifier = overrides.verifier ?? (await TokenVerifier.fromPem(jwt.publicKeyPem, tokenSettings));
  const signer =
    overrides.signer ??
    (jwt.privateKeyPem
      ? await TokenSigner.fromPem(jwt.privateKeyPem, { ...tokenSettings, ttlSeconds: config.jwt.accessTtlSeconds })
      : undefined);

  const metrics = overrides.metrics ?? createMetrics();
  let tracing = overrides.tracing;
  if (!tracing) {
    const owned = await createTracing(config.tracing);
    // Last out: what the other clean-ups do is still traced and exported.
    closers.push(() => owned.shutdown());
    tracing = owned;
  }

  let bus = overrides.bus;
  if (!bus) {
    bus =
      config.mode === "cluster"
        ? await JetStreamBus.connect({ url: config.nats.url, prefix: config.nats.prefix, logger, name: `chirp-${config.workerId}` })
        : new MemoryBus({ onDeadLetter: (durable, msg, err) => logger.error({ durable, subject: msg.subject, err }, "event dropped") });
    const owned = bus;
    closers.push(() => owned.close());
  }
  busMetrics(metrics.registry, bus);
  if (tracing.enabled) bus = tracedBus(bus, tracing, config.mode === "cluster" ? "nats" : "in-process");

  let cassandra = overrides.cassandra;
  if (!cassandra && config.mode === "cluster") {
    if (config.migrateOnStart) await migrate(config.cassandra, { logger });
    const client = createCassandraClient(config.cassandra, { metrics: metrics.registry });
    await client.connect();
    closers.push(async () => {
      cassandraMetrics(metrics.registry).clients.delete(client);
      await client.shutdown();
    });
    cassandra = client;
  }

  const local = overrides.local ?? (config.inProcessCalls ? localServices(tracing) : undefined);
  const addrs = overrides.addrs ?? new Addresses(config);
  const rt: Runtime = {
    config,
    logger,
    metrics,
    tracing,
    verifier,
    signer,
    ids: overrides.ids ?? new Snowflake({ workerId: config.workerId, onClockBackwards: (ms) => logger.warn({ ms }, "clock stepped back") }),
    bus,
    cassandra,
    addrs,
    clients: overrides.clients ?? createServiceClients(addrs, local, tracing),
    local,
    onClose: (fn) => void closers.push(fn),
    async close() {
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch (err) {
          logger.warn({ err }, "error while closing");
        }
      }
    },
  };
  return rt;
}

async function resolveKeys(config: ChirpConfig, logger: Logger): Promise<{ publicKeyPem: string; privateKeyPem?: string | undefined }> {
  if (config.jwt.publicKeyPem) return { publicKeyPem: config.jwt.publicKeyPem, privateKeyPem: config.jwt.privateKeyPem };
  if (config.mode === "cluster") {
    throw new ConfigError("CHIRP_JWT_PUBLIC_KEY is required in cluster mode (and CHIRP_JWT_PRIVATE_KEY for the user service)");
  }
  const dir = join(config.dataDir, "keys");
  const pair = await loadOrCreateKeyPair(dir);
  if (pair.created) logger.warn({ dir }, "made a new token-signing key pair for the embedded mode");
  return pair;
}
