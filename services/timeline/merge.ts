// Merging id lists newest first: the fanned-out timeline with large accounts'
// tweets at read time, and the pull-model baseline.

/** The `limit` newest distinct ids of all lists, newest first. */
export function mergeNewest(lists: ReadonlyArray<readonly bigint[]>, limit: number): bigint[] {
  // Most home pages have one source (no large accounts followed), already in order.
  const only = soleDescending(lists);
  if (only) return only.slice(0, limit);
  const all = new Set<bigint>();
  for (const l of lists) for (const id of l) all.add(id);
  return [...all].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, limit);
}

/** The one non-empty list, if there is exactly one and it is strictly newest first. */
function soleDescending(lists: ReadonlyArray<readonly bigint[]>): readonly bigint[] | undefined {
  let only: readonly bigint[] | undefined;
  for (const l of lists) {
    if (l.length === 0) continue;
    if (only) return undefined;
    only = l;
  }
  if (only) for (let i = 1; i < only.length; i++) if (only[i - 1]! <= only[i]!) return undefined;
  return only;
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
  const hasMore = top.length > limit;
  if (hasMore) top.length = limit;
  return { ids: top, hasMore };
}
