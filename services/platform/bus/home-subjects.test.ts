import test from "ava";
import { HomeSubjects, MAX_LARGE_FOLLOWEES } from "./home-subjects.js";

function sink() {
  const held = new Set<string>();
  return { held, add: (s: string) => void held.add(s), remove: (s: string) => void held.delete(s) };
}

test("follows the large accounts' user subjects, adds and drops as they change, and keeps them when the lookup fails", async (t) => {
  const s = sink();
  let followees: bigint[] | Error = [1n, 2n];
  const errors: unknown[] = [];
  const home = new HomeSubjects(s, 9n, { of: async () => (followees instanceof Error ? Promise.reject(followees) : followees) }, (e) => errors.push(e));
  await home.refresh();
  t.deepEqual([...s.held].sort(), ["live.user.1", "live.user.2"]);
  t.true(home.has("live.user.1"));
  followees = [2n, 3n];
  await home.refresh();
  t.deepEqual([...s.held].sort(), ["live.user.2", "live.user.3"]);
  t.false(home.has("live.user.1"));
  followees = new Error("graph down");
  await home.refresh();
  t.deepEqual([...s.held].sort(), ["live.user.2", "live.user.3"], "a failed lookup keeps what was followed");
  t.is(errors.length, 1);
  home.clear();
  t.deepEqual([...s.held], []);
  t.false(home.has("live.user.2"));
});

test("follows at most MAX_LARGE_FOLLOWEES accounts", async (t) => {
  const s = sink();
  const home = new HomeSubjects(s, 9n, { of: async () => Array.from({ length: MAX_LARGE_FOLLOWEES + 5 }, (_, i) => BigInt(i + 1)) }, () => {});
  await home.refresh();
  t.is(s.held.size, MAX_LARGE_FOLLOWEES);
});
