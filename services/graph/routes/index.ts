// The whole GraphService implementation, from one factory per concern.
import type { ServiceImpl } from "@connectrpc/connect";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import type { GraphContext } from "../context.js";
import { followRoutes } from "./follow.js";
import { listRoutes } from "./lists.js";
import { relationshipRoutes } from "./relationships.js";

export function graphRoutes(ctx: GraphContext): ServiceImpl<typeof GraphService> {
  const impl = { ...followRoutes(ctx), ...listRoutes(ctx), ...relationshipRoutes(ctx) };
  // Fail at start-up, not at the first call, if an RPC has no handler.
  const missing = GraphService.methods.filter((m) => !(m.localName in impl)).map((m) => m.name);
  if (missing.length) throw new Error(`GraphService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof GraphService>;
}
