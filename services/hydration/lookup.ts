// Read-through over the hydration cache: the entries present come from one
// cache read; the missing ones from the owning service in one batched call
// (per 100, the contracts' limit), written back with the generation the read
// saw. If the cache itself fails (Redis down, flushed mid-read), reads go to
// the services: slower, still correct.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Counter } from "prom-client";
import type { Registry } from "prom-client";
import { chunk } from "../kit/chunk.js";
import { unavailable } from "../kit/errors.js";
import { snowflakeTime } from "../kit/snowflake.js";
import type { Logger } from "../kit/logger.js";
import type { CacheRead, HydrationCache, Kind } from "./port.js";
import { share } from "./shared-message.js";

/** Values by id for a list of ids; ids the owner does not know are left out. */
export type BatchLookup<V> = (ids: readonly bigint[]) => Promise<Map<bigint, V>>;

const BATCH = 100;

export interface LookupMetrics {
  requests: Counter<"kind" | "result">;
}

export function lookupMetrics(registry: Registry): LookupMetrics {
  const name = "chirp_hydration_cache_requests_total";
  const existing = registry.getSingleMetric(name) as Counter<"kind" | "result"> | undefined;
  return {
    requests:
      existing ??
      new Counter({
        name,
        help: "Hydration cache lookups by entry kind and result (hit, miss, error: the cache could not be read)",
        labelNames: ["kind", "result"],
        registers: [registry],
      }),
  };
}

/** At most one log line a second for the same trouble, with how many there were. */
export function throttled(logger: Logger, msg: string) {
  let last = 0;
  let count = 0;
  return (err: unknown) => {
    count++;
    const now = Date.now();
    if (now - last < 1000) return;
    logger.warn({ err, count }, msg);
    last = now;
    count = 0;
  };
}

export function cachedLookup<S extends DescMessage>(o: {
  cache: HydrationCache;
  kind: Kind;
  schema: S;
  /** The owning service's batch read, given a deadline. */
  load: (ids: bigint[], timeoutMs: number) => Promise<Map<bigint, MessageShape<S>>>;
  timeoutMs: number;
  logger: Logger;
  metrics: LookupMetrics;
}): BatchLookup<MessageShape<S>> {
  const readFailed = throttled(o.logger, `hydration cache (${o.kind}) could not be read; reading the owning service`);
  const fillFailed = throttled(o.logger, `hydration cache (${o.kind}) could not be filled`);
  const owner = o.kind === "tweet" ? "tweet" : "user";
  const decode = (bytes: Uint8Array): MessageShape<S> => fromBinary(o.schema, bytes);
  // Decoded once per entry and shared by every reader: frozen, so a reader cannot change what the others see.
  const decodeShared = (bytes: Uint8Array): MessageShape<S> => share(decode(bytes));

  const load = async (ids: bigint[]) => {
    try {
      return await o.load(ids, o.timeoutMs);
    } catch (err) {
      const code = ConnectError.from(err).code;
      if (code === Code.DeadlineExceeded || code === Code.Unavailable || code === Code.Canceled) {
        throw unavailable(`the ${owner} service did not answer in time; retry`);
      }
      throw err;
    }
  };

  /** Read-throughs in flight, by id: the cache generation they started from, and their batch. */
  const inflight = new Map<bigint, { generation: number; batch: Promise<Map<bigint, MessageShape<S>>> }>();

  return async (ids) => {
    if (ids.length === 0) return new Map();
    const unique = [...new Set(ids)];
    let read: CacheRead<MessageShape<S>>;
    try {
      read = o.cache.readDecoded ? await o.cache.readDecoded(o.kind, unique, decodeShared) : decodeHits(await o.cache.read(o.kind, unique), decode);
    } catch (err) {
      readFailed(err);
      o.metrics.requests.inc({ kind: o.kind, result: "error" }, unique.length);
      read = { hits: new Map(), misses: new Map(unique.map((id) => [id, -1])) };
    }
    // The answer: the hits, and the read-throughs added to them.
    const found = read.hits;
    o.metrics.requests.inc({ kind: o.kind, result: "hit" }, found.size);
    if (read.misses.size === 0) return found;
    o.metrics.requests.inc({ kind: o.kind, result: "miss" }, read.misses.size);
    // A miss the same generation of which is being read through already (an
    // entry just invalidated, wanted by several readers at once) waits for
    // that read: one call to the owner per entry and change, not per reader.
    const missing: bigint[] = [];
    const joined: Array<Promise<void>> = [];
    for (const [id, generation] of read.misses) {
      const f = generation >= 0 ? inflight.get(id) : undefined;
      if (f && f.generation === generation) {
        joined.push(f.batch.then((m) => void (m.has(id) && found.set(id, m.get(id)!))));
      } else missing.push(id);
    }
    const batches = chunk(missing, BATCH).map((ids) => {
      const batch = load(ids);
      // Undecodable entries (generation -1) are not shared: their next reader reads them again.
      const entries = ids.flatMap((id) => {
        const generation = read.misses.get(id)!;
        return generation >= 0 ? [[id, { generation, batch }] as const] : [];
      });
      for (const [id, entry] of entries) inflight.set(id, entry);
      const settled = () => {
        for (const [id, entry] of entries) if (inflight.get(id) === entry) inflight.delete(id);
      };
      void batch.then(settled, settled);
      return batch;
    });
    const [loaded] = await Promise.all([Promise.all(batches), Promise.all(joined)]);
    const fills: Array<readonly [bigint, Uint8Array, number]> = [];
    for (const batch of loaded) {
      for (const [id, value] of batch) {
        found.set(id, value);
        const generation = read.misses.get(id);
        if (generation !== undefined && generation >= 0) fills.push([id, toBinary(o.schema, value), generation]);
      }
    }
    // Written back behind the answer; a failed fill only costs the next reader a miss.
    if (fills.length) o.cache.fill(o.kind, fills).catch(fillFailed);
    return found;
  };
}

/**
 * Writes entries just created, as their creation event carries them, so
 * their first readers do not read them through. It writes at generation 0,
 * an entry's first: a change since (its invalidation) makes it a no-op, and
 * so does an entry present. Only ids younger than `windowMs` (by their
 * Snowflake time) are written, while such a change's marker still stands:
 * keep it under the cache's marker lifetime (HydrationConfig.markerTtlMs).
 */
export async function primeCreated<S extends DescMessage>(
  cache: HydrationCache,
  kind: Kind,
  schema: S,
  entries: ReadonlyArray<readonly [bigint, MessageShape<S>]>,
  windowMs: number,
): Promise<void> {
  const since = Date.now() - windowMs;
  const fresh = entries.filter(([id]) => snowflakeTime(id) > since);
  if (fresh.length > 0) await cache.fill(kind, fresh.map(([id, value]) => [id, toBinary(schema, value), 0] as const));
}

/** The hits decoded; an undecodable one (another version wrote it) becomes a miss that is read through and not filled. */
function decodeHits<V>(read: CacheRead, decode: (bytes: Uint8Array) => V): CacheRead<V> {
  const hits = new Map<bigint, V>();
  for (const [id, bytes] of read.hits) {
    try {
      hits.set(id, decode(bytes));
    } catch {
      read.misses.set(id, -1);
    }
  }
  return { hits, misses: read.misses };
}
