// Cassandra settings, shared by every service that stores data there.
import { z } from "zod";
import { envs } from "../../kit/config.js";

const consistencies = ["ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"] as const;

export const cassandraEnv = {
  CHIRP_CASSANDRA_CONTACT_POINTS: z
    .string()
    .default("127.0.0.1:9042")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((p) => /^[A-Za-z0-9.\-]+(:\d{1,5})?$/.test(p)), {
      message: "expected a comma-separated list of host[:port]",
    }),
  CHIRP_CASSANDRA_LOCAL_DC: z.string().default("datacenter1"),
  CHIRP_CASSANDRA_KEYSPACE: z
    .string()
    .default("chirp")
    .refine((v) => /^[a-z][a-z0-9_]{0,47}$/.test(v), { message: "expected a keyspace name: [a-z][a-z0-9_]*" }),
  CHIRP_CASSANDRA_REPLICATION: z
    .string()
    .default("SimpleStrategy:1")
    .refine((v) => parseReplication(v) !== undefined, {
      message: "expected SimpleStrategy:<rf> or NetworkTopologyStrategy:<dc>=<rf>[,<dc>=<rf>…]",
    }),
  CHIRP_CASSANDRA_CONSISTENCY: z.enum(consistencies).default("LOCAL_QUORUM"),
  CHIRP_CASSANDRA_USERNAME: z.string().optional(),
  CHIRP_CASSANDRA_PASSWORD: z.string().optional(),
  CHIRP_MIGRATE_ON_START: envs.bool(false),
  /** Send the requests of one event-loop turn together (coalesce.ts). */
  CHIRP_CASSANDRA_COALESCE: envs.bool(true),
};

export interface CassandraConfig {
  contactPoints: string[];
  localDc: string;
  keyspace: string;
  replication: string;
  consistency: (typeof consistencies)[number];
  username?: string | undefined;
  password?: string | undefined;
  /** Requests of one event-loop turn share socket writes (coalesce.ts). */
  coalesce: boolean;
}

export function cassandraConfig(env: {
  CHIRP_CASSANDRA_CONTACT_POINTS: string[];
  CHIRP_CASSANDRA_LOCAL_DC: string;
  CHIRP_CASSANDRA_KEYSPACE: string;
  CHIRP_CASSANDRA_REPLICATION: string;
  CHIRP_CASSANDRA_CONSISTENCY: CassandraConfig["consistency"];
  CHIRP_CASSANDRA_USERNAME?: string | undefined;
  CHIRP_CASSANDRA_PASSWORD?: string | undefined;
  CHIRP_CASSANDRA_COALESCE: boolean;
}): CassandraConfig {
  return {
    contactPoints: env.CHIRP_CASSANDRA_CONTACT_POINTS,
    localDc: env.CHIRP_CASSANDRA_LOCAL_DC,
    keyspace: env.CHIRP_CASSANDRA_KEYSPACE,
    replication: env.CHIRP_CASSANDRA_REPLICATION,
    consistency: env.CHIRP_CASSANDRA_CONSISTENCY,
    username: env.CHIRP_CASSANDRA_USERNAME,
    password: env.CHIRP_CASSANDRA_PASSWORD,
    coalesce: env.CHIRP_CASSANDRA_COALESCE,
  };
}

/** "SimpleStrategy:3" or "NetworkTopologyStrategy:dc1=3,dc2=2" as a CQL map literal. */
export function parseReplication(spec: string): string | undefined {
  const simple = /^SimpleStrategy:(\d{1,2})$/.exec(spec);
  if (simple) return `{'class': 'SimpleStrategy', 'replication_factor': ${simple[1]}}`;
  const nts = /^NetworkTopologyStrategy:((?:[A-Za-z0-9_-]+=\d{1,2},?)+)$/.exec(spec);
  if (!nts) return undefined;
  const dcs = nts[1]!.split(",").filter(Boolean).map((p) => p.split("="));
  return `{'class': 'NetworkTopologyStrategy', ${dcs.map(([dc, rf]) => `'${dc}': ${rf}`).join(", ")}}`;
}
