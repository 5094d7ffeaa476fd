// The pull model for home timelines, as a baseline for the fan-out design:
// no stored timeline; each read lists everyone the reader follows, fetches
// each one's newest tweets, merges and hydrates (bench/services/timeline/pull.ts,
// on the timeline service's merge and sources, over the same gRPC services).
// It runs in the benchmark's process, so the merge's CPU is spent here
// rather than in the timeline service; its partner is the fan-out read (GetHomeTimeline over
// gRPC, 100% home reads), stepped the same way. The hydration is the
// timeline service's own (createHydration), over a cache in this process.
import { pino } from "pino";
import { readHydrationConfig } from "../../services/hydration/config.js";
import { MemoryHydrationCache } from "../../services/hydration/memory.js";
import { createMetrics } from "../../services/kit/metrics.js";
import { requestScope } from "../../services/kit/request-context.js";
import { createServiceClients } from "../../services/runtime/clients.js";
import { readTimelineConfig } from "../../services/timeline/config.js";
import { pullHomeTimeline } from "../services/timeline/pull.js";
import { createHydration } from "../../services/timeline/read-context.js";
import { clientSource } from "../../services/timeline/source.js";
import type { ChirpConfig } from "../../services/runtime/config.js";
import { grpcOutcome, type Actor, type GrpcClients } from "../mix.js";
import type { Op } from "../openloop.js";
import { Rng } from "../rng.js";

export function pullOps(
  addrs: { user: string; graph: string; tweet: string; timeline: string },
  mode: ChirpConfig["mode"],
  actors: Actor[],
  seed: number,
): () => Op {
  // The timeline service's own read wiring (its hydration caches, its source
  // over the graph and tweet services), pointed at the running services.
  const clients = createServiceClients(addrs);
  // A hydration cache of this process's own (not kept current by events: a
  // baseline's counts may lag, its cost is what is measured).
  const hydrationConfig = readHydrationConfig();
  const cache = new MemoryHydrationCache({ ttlMs: hydrationConfig.ttlMs, maxEntries: hydrationConfig.maxEntries });
  const hydration = createHydration(
    { clients, config: readTimelineConfig(), mode, logger: pino({ level: "silent" }), metrics: createMetrics({ defaultMetrics: false }) },
    cache,
    hydrationConfig,
  );
  const source = clientSource(clients);
  const rng = new Rng(seed);
  let n = 0;
  return () => {
    const a = actors[rng.int(actors.length)]!;
    const scope = { requestId: `bench-pull-${++n}`, authorization: `Bearer ${a.token}` };
    return {
      kind: "pull",
      run: () => grpcOutcome(requestScope.run(scope, () => pullHomeTimeline(hydration, source, a.id, 20)), (r) => r.tweets.length === 0),
    };
  };
}

export function fanoutHomeOps(c: GrpcClients, actors: Actor[], seed: number): () => Op {
  const rng = new Rng(seed);
  return () => {
    const a = actors[rng.int(actors.length)]!;
    return {
      kind: "fanout",
      run: () => grpcOutcome(c.timeline.getHomeTimeline({ limit: 20 }, { headers: { authorization: `Bearer ${a.token}` } }), (r) => r.tweets.length === 0),
    };
  };
}
