// The timeline benchmark's open loops through h2load (bench/h2load-grpc.ts):
// one h2load process per reader, each with that reader's token, sending
// GetHomeTimeline(20). h2load cannot look inside the answers, so every
// reader's page is checked to hold tweets before its first loop.
import { create, toBinary } from "@bufbuild/protobuf";
import { h2loadGrpc } from "../../h2load-grpc.js";
import { GetHomeTimelineRequestSchema, TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import type { ReadFigures } from "./read-load.js";
import type { ChirpWithStore as System } from "../../../services/testing/chirp.js";

const REQUEST = toBinary(GetHomeTimelineRequestSchema, create(GetHomeTimelineRequestSchema, { limit: 20 }));

/**
 * Open loops of home reads by the first `clients` of the readers given
 * (`authorization`: each reader's header value), `seconds` long after a 1-s
 * warm-up.
 */
export function h2loadReads(s: System, authorization: Record<string, string>, clients: number, seconds: number) {
  const checked = new Set<string>();
  return async (readers: string[], rate: number, loadEnded?: () => void): Promise<ReadFigures> => {
    const mine = readers.slice(0, clients);
    for (const reader of mine.filter((id) => !checked.has(id))) {
      const page = await s.clients.timeline.getHomeTimeline({ limit: 20 }, { headers: { authorization: authorization[reader]! } });
      if (page.tweets.length === 0) throw new Error(`reader ${reader} has an empty home timeline: the set-up went wrong`);
      checked.add(reader);
    }
    const r = await h2loadGrpc({
      registry: s.rt.metrics.registry,
      url: s.urls.timeline!,
      method: TimelineService.method.getHomeTimeline,
      request: REQUEST,
      authorizations: mine.map((reader) => authorization[reader]!),
      rate,
      seconds,
      warmupS: 1,
      loadEnded,
    });
    return {
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      rate: r.rate,
      errors: r.errors,
      firstError: r.errorText,
      dispatchLagMax: r.sendLagMax,
      generator: `${mine.length} h2load processes, one reader each`,
    };
  };
}
