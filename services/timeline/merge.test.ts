import test from "ava";
import { mergeNewest, mergePage } from "./merge.js";

test("merges newest first without duplicates", (t) => {
  t.deepEqual(mergeNewest([[9n, 5n, 1n], [8n, 5n, 2n], []], 10), [9n, 8n, 5n, 2n, 1n]);
  t.deepEqual(mergeNewest([[9n, 5n, 1n], [8n, 5n, 2n]], 3), [9n, 8n, 5n]);
  t.deepEqual(mergeNewest([[2n ** 63n - 1n], [2n ** 53n + 1n, 2n ** 53n]], 5), [2n ** 63n - 1n, 2n ** 53n + 1n, 2n ** 53n]);
});

test("has_more is true exactly when something is left", (t) => {
  t.deepEqual(mergePage([[5n, 4n], [3n]], 3), { ids: [5n, 4n, 3n], hasMore: false });
  t.deepEqual(mergePage([[5n, 4n], [3n, 2n]], 3), { ids: [5n, 4n, 3n], hasMore: true });
  t.deepEqual(mergePage([[5n, 4n], [5n, 4n]], 2), { ids: [5n, 4n], hasMore: false }, "duplicates do not count as more");
});

test("paging a merge with limit+1 per source visits every id once, in order", (t) => {
  // Three sources with interleaved ids; each page asks each source for limit + 1 below the cursor.
  const sources = [
    Array.from({ length: 40 }, (_, i) => BigInt(1000 - i * 3)),
    Array.from({ length: 25 }, (_, i) => BigInt(999 - i * 7)),
    [1001n, 500n, 2n],
  ];
  const expected = mergeNewest(sources, 1000);
  for (const limit of [1, 2, 5, 7, 20]) {
    const seen: bigint[] = [];
    let before: bigint | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const lists = sources.map((s) => s.filter((id) => before === undefined || id < before).slice(0, limit + 1));
      const page = mergePage(lists, limit);
      seen.push(...page.ids);
      if (!page.hasMore) break;
      before = page.ids.at(-1);
    }
    t.deepEqual(seen, expected, `limit ${limit}`);
  }
});

test("one source in order is taken as it is; one out of order or with repeats is still merged", (t) => {
  const own = [9n, 7n, 3n];
  t.deepEqual(mergeNewest([[], own, []], 2), [9n, 7n]);
  t.deepEqual(own, [9n, 7n, 3n], "the source is not changed");
  t.deepEqual(mergePage([own], 3), { ids: [9n, 7n, 3n], hasMore: false });
  t.deepEqual(mergeNewest([[3n, 9n, 7n]], 5), [9n, 7n, 3n]);
  t.deepEqual(mergeNewest([[9n, 9n, 3n]], 5), [9n, 3n]);
  t.deepEqual(mergeNewest([[], []], 5), []);
});
