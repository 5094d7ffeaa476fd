// The timeline benchmark's open loops through h2load (bench/h2load.ts): one
// h2load process per reader, each with that reader's token, sending
// GetHomeTimeline(20) over gRPC. h2load sees HTTP statuses only, so whether
// each call succeeded is read off the timeline service's own counters (calls
// by gRPC code, and calls refused by the admission limit) over the phase, and
// every reader's page is checked to hold tweets before the first loop.
import { create, toBinary } from "@bufbuild/protobuf";
import { h2loadOpenLoop } from "../../bench/h2load.js";
import { GetHomeTimelineRequestSchema, TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { envelope } from "../kit/grpc-wire.js";
import type { ReadFigures } from "./bench-readers.js";
import type { System } from "./testing/system.js";

const METHOD = TimelineService.method.getHomeTimeline;
const BODY = envelope(toBinary(GetHomeTimelineRequestSchema, create(GetHomeTimelineRequestSchema, { limit: 20 })));

/** GetHomeTimeline calls the timeline service counted so far, by gRPC code ("OK", ...) and "shed". */
async function homeCalls(s: System): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const add = (k: string, n: number) => out.set(k, (out.get(k) ?? 0) + n);
  for (const m of (await s.rt.metrics.registry.getMetricsAsJSON()) as Array<{ name: string; values: Array<{ value: number; labels: Record<string, string | number> }> }>) {
    if (m.name !== "rpc_server_requests_total" && m.name !== "rpc_server_shed_total") continue;
    for (const v of m.values) {
      if (v.labels.service !== METHOD.parent.typeName || v.labels.method !== METHOD.name) continue;
      add(m.name === "rpc_server_shed_total" ? "shed" : String(v.labels.code), v.value);
    }
  }
  return out;
}

/**
 * Open loops of home reads by the first `clients` of the readers given
 * (`authorization`: each reader's header value), `seconds` long after a 1-s
 * warm-up.
 */
export function h2loadReads(s: System, authorization: Record<string, string>, clients: number, seconds: number) {
  const checked = new Set<string>();
  return async (readers: string[], rate: number): Promise<ReadFigures> => {
    const mine = readers.slice(0, clients);
    for (const r of mine.filter((r) => !checked.has(r))) {
      const page = await s.tl.getHomeTimeline({ limit: 20 }, { headers: { authorization: authorization[r]! } });
      if (page.tweets.length === 0) throw new Error(`reader ${r} has an empty home timeline: the set-up went wrong`);
      checked.add(r);
    }
    const before = await homeCalls(s);
    const r = await h2loadOpenLoop({
      url: s.timeline.url!,
      path: `/${METHOD.parent.typeName}/${METHOD.name}`,
      body: BODY,
      headers: { "content-type": "application/grpc", te: "trailers" },
      clients: mine.map((reader) => ({ authorization: authorization[reader]! })),
      rate,
      seconds,
      warmupS: 1,
    });
    const after = await homeCalls(s);
    // Calls the service did not answer OK (warm-up included), and requests of
    // the window h2load got no 2xx answer to (resets, time-outs).
    const failed = [...after].filter(([code]) => code !== "OK").map(([code, n]) => [code, n - (before.get(code) ?? 0)] as const).filter(([, n]) => n > 0);
    const errors = failed.reduce((a, [, n]) => a + n, 0) + r.unsuccessful;
    const firstError = [...failed.map(([code, n]) => `${n} ${code}`), ...(r.unsuccessful ? [`${r.unsuccessful} without a 2xx answer`] : [])].join(", ");
    return {
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      rate: r.rate,
      errors,
      firstError: firstError || undefined,
      dispatchLagMax: r.sendLagMax,
      generator: `${mine.length} h2load processes, one reader each`,
    };
  };
}
