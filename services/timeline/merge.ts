// Merging id lists newest first: the fanned-out timeline with large accounts'
// tweets at read time, and the pull-model baseline.

/** The `limit` newest distinct ids of all lists, newest first. */
export function mergeNewest(lists: ReadonlyArray<readonly bigint[]>, limit: number): bigint[] {
  const all = new Set<bigint>();
  for (const l of lists) for (const id of l) all.add(id);
  return [...all].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, limit);
}

export interface MergedPage {
  ids: bigint[];
  hasMore: boolean;
}

/**
 * One page from sources that each returned up to limit + 1 ids below the same
 * cursor. Each source's limit + 1 newest are enough to know the page's
 * limit newest exactly, and there is more iff the union has over limit ids.
 */
export function mergePage(lists: ReadonlyArray<readonly bigint[]>, limit: number): MergedPage {
  const top = mergeNewest(lists, limit + 1);
  return { ids: top.slice(0, limit), hasMore: top.length > limit };
}
