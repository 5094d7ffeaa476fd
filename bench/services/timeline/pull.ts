// The pull model, as a baseline for the benchmark: no stored timeline, each
// read fetches the newest tweets of everyone the reader follows and merges
// them. Cheap to write, expensive to read; the fan-out design exists to beat it.
import { hydrate, type HydrateDeps, type Hydrated } from "../../../services/timeline/hydrate.js";
import { mergeNewest } from "../../../services/timeline/merge.js";
import { mapLimit, type TimelineSource } from "../../../services/timeline/source.js";

/** The first page (`limit` newest) of userId's home timeline, computed at read time. */
export async function pullHomeTimeline(
  deps: HydrateDeps,
  source: TimelineSource,
  userId: bigint,
  limit: number,
  concurrency = 32,
): Promise<Hydrated & { ids: bigint[] }> {
  const followees = await source.following(userId);
  const lists = await mapLimit([userId, ...followees], concurrency, async (a) => (await source.tweets(a, limit, "")).ids);
  const ids = mergeNewest(lists, limit);
  return { ids, ...(await hydrate(deps, { id: userId }, ids)) };
}
