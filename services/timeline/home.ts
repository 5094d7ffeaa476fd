// One page of a home timeline as ids: the fanned-out part from the store
// (rebuilt first when missing) merged with the large accounts the reader
// follows, all bounded by the same cursor; with the reader's states version
// (when their states are cached), read in the same store call.
import { unavailable } from "../kit/errors.js";
import { mergePage, type MergedPage } from "./merge.js";
import type { ReadContext } from "./read-context.js";
import type { TimelinePage } from "./store/port.js";

export async function homePage(
  rc: ReadContext,
  userId: bigint,
  before: bigint | undefined,
  limit: number,
): Promise<MergedPage & { statesVersion: string | undefined }> {
  // limit + 1 from every source tells whether there is a next page.
  const [own, large] = await Promise.all([fannedOut(rc, userId, before, limit + 1), rc.large.followedBy(userId)]);
  const fromLarge = await Promise.all(large.map((a) => rc.large.idsBefore(a, before, limit + 1)));
  return { ...mergePage([own.ids, ...fromLarge], limit), statesVersion: own.statesVersion };
}

async function fannedOut(rc: ReadContext, userId: bigint, before: bigint | undefined, n: number): Promise<TimelinePage> {
  const withVersion = rc.hydration.statesCached;
  const page = await rc.store.page(userId, before, n, withVersion);
  if (page.built) return page;
  await rc.rebuilder.ensureBuilt(userId);
  const again = await rc.store.page(userId, before, n, withVersion);
  // Only if it expired again within milliseconds: not worth a loop.
  if (!again.built) throw unavailable("the home timeline could not be built; retry");
  return again;
}
