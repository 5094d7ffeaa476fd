import test from "ava";
import { IdList } from "./id-list.js";

/** The same operations on a plain sorted array, as the list must answer. */
function model() {
  let ids: bigint[] = [];
  return {
    insert: (id: bigint) => void (ids.includes(id) || (ids = [...ids, id].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)))),
    trimTo: (cap: number) => void (ids = ids.slice(0, cap)),
    dropBelow: (oldest: bigint) => void (ids = ids.filter((id) => id >= oldest)),
    removeAll: (gone: Set<bigint>) => void (ids = ids.filter((id) => !gone.has(id))),
    page: (before: bigint | undefined, limit: number) => ids.filter((id) => before === undefined || id < before).slice(0, limit),
    get ids() {
      return ids;
    },
  };
}

test("matches a sorted array through appends, inserts out of order, duplicates, trims, drops and removals", (t) => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const list = new IdList();
  const m = model();
  let next = 1000n;
  for (let step = 0; step < 20_000; step++) {
    const r = rnd(100);
    if (r < 60) {
      next += BigInt(1 + rnd(3));
      list.insert(next);
      m.insert(next);
    } else if (r < 80) {
      const id = BigInt(900 + rnd(Number(next - 900n) + 1));
      list.insert(id);
      m.insert(id);
    } else if (r < 88) {
      const cap = 5 + rnd(300);
      list.trimTo(cap);
      m.trimTo(cap);
    } else if (r < 92) {
      const gone = new Set(m.ids.filter(() => rnd(10) === 0));
      list.removeAll(gone);
      m.removeAll(gone);
    } else if (r < 93 && m.ids.length) {
      const oldest = m.ids[rnd(m.ids.length)]!;
      list.dropBelow(oldest);
      m.dropBelow(oldest);
    }
    const before = rnd(4) === 0 ? undefined : BigInt(900 + rnd(Number(next - 900n) + 2));
    const limit = 1 + rnd(40);
    if (step % 97 === 0 || r >= 93) t.deepEqual(list.page(before, limit), m.page(before, limit), `step ${step}`);
    if (list.length !== m.ids.length || list.oldest() !== m.ids.at(-1)) return t.fail(`step ${step}: length or oldest differ`);
  }
  t.deepEqual(list.page(undefined, 1_000_000), m.ids);
});
