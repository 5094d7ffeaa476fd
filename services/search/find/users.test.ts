// People search over a real index (LMDB in a temporary folder): every page,
// followed by its cursor, is what ranking the whole window at once gives,
// for a viewer and for none, by one word and by two, while only about a
// page of accounts is hydrated per page. Accounts are looked up from a map,
// as the hydration cache would answer.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { UserSchema, type User } from "../../../gen/chirp/user/v1/user_pb.js";
import type { SearchContext } from "../context.js";
import type { PersonPlace } from "../cursor.js";
import { tokenize } from "../query/analyze.js";
import { LmdbSearchStore } from "../store/lmdb.js";
import { comparePlaces, findPeople, peopleWords } from "./users.js";

const dir = mkdtempSync(join(tmpdir(), "chirp-search-people-"));
const store = LmdbSearchStore.open(dir);
test.after.always(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const stem = `p${Date.now().toString(36).slice(-6)}`;
const users = new Map<bigint, User>();
const VIEWER = 1n;
const followed = new Set<bigint>();

test.before(async () => {
  // 90 accounts under the stem, followers spread over many ranks (with ties),
  // every third also named "Ann"; the viewer follows a few low-ranked ones.
  for (let i = 0; i < 90; i++) {
    const userId = 1000n + BigInt(i);
    const user = create(UserSchema, {
      userId,
      username: `${stem}_${i}`,
      displayName: i % 3 === 0 ? `Ann ${i}` : `Bob ${i}`,
      followerCount: BigInt(Math.round(2 ** ((i * 7) % 40 / 3))),
    });
    users.set(userId, user);
    await store.putUser(user);
    if (i % 17 === 5) followed.add(userId);
  }
});

function ctx(hydrated: bigint[][]): SearchContext {
  return {
    config: { maxCandidates: 1000, maxBuckets: 90, peopleWindow: 100, countFlushMs: 0 },
    store,
    clients: {
      user: {
        getUserByUsername: async ({ username }: { username: string }) => {
          const user = [...users.values()].find((u) => u.username === username);
          if (!user) throw new ConnectError("no such account", Code.NotFound);
          return { user };
        },
      },
      graph: {
        batchGetRelationships: async ({ targetIds }: { targetIds: bigint[] }) => ({
          relationships: targetIds.map((targetId) => ({ targetId, following: followed.has(targetId) })),
        }),
      },
    },
    hydration: {
      users: async (ids: readonly bigint[]) => {
        hydrated.push([...ids]);
        return new Map(ids.flatMap((id) => (users.has(id) ? [[id, users.get(id)!] as const] : [])));
      },
    },
  } as unknown as SearchContext;
}

/** The whole answer, ranked at once: what the pages must add up to. */
function reference(q: string, viewer: bigint | undefined): string[] {
  const words = peopleWords(q);
  const exact = q.trim();
  const places: Array<{ user: User; place: PersonPlace }> = [];
  for (const user of users.values()) {
    const names = [user.username.toLowerCase(), ...tokenize(user.displayName)];
    if (!words.every((w) => names.some((n) => n.startsWith(w)))) continue;
    const tier = user.username === exact ? 0 : viewer !== undefined && followed.has(user.userId) ? 1 : 2;
    places.push({ user, place: { tier, followers: user.followerCount, userId: user.userId } });
  }
  return places.sort((a, b) => comparePlaces(a.place, b.place)).map((p) => p.user.username);
}

async function walk(q: string, viewer: bigint | undefined, limit: number) {
  const hydrated: bigint[][] = [];
  const c = ctx(hydrated);
  const pages: string[][] = [];
  let after: PersonPlace | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const r = await findPeople(c, q, viewer, after, limit);
    pages.push(r.users.map((u) => u.username));
    if (!r.hasMore) return { pages, hydrated };
    after = r.last;
  }
  throw new Error("no end");
}

for (const viewer of [undefined, VIEWER]) {
  const who = viewer === undefined ? "anonymous" : "a viewer who follows some";
  test(`${who}: the pages add up to the whole ranking, each full but the last`, async (t) => {
    for (const q of [stem, `${stem}_4`, `${stem} ann`]) {
      const want = reference(q, viewer);
      t.true(want.length > 5, q);
      const { pages } = await walk(q, viewer, 5);
      t.deepEqual(pages.flat(), want, q);
      t.true(pages.slice(0, -1).every((p) => p.length === 5), JSON.stringify(pages));
    }
  });
}

test("a first page hydrates about a page of accounts, not the whole window", async (t) => {
  const hydrated: bigint[][] = [];
  const r = await findPeople(ctx(hydrated), stem, VIEWER, undefined, 5);
  t.deepEqual(r.users.map((u) => u.username), reference(stem, VIEWER).slice(0, 5));
  const count = hydrated.flat().length;
  // The first batch (6 by rank), then the followed accounts' groups and the groups that fill the page.
  t.true(count < 30, `${count} accounts hydrated for a page of 5 out of 90`);
});

test("the exact username comes first, hydrated with the first batch", async (t) => {
  const hydrated: bigint[][] = [];
  const r = await findPeople(ctx(hydrated), `${stem}_7`, undefined, undefined, 3);
  t.is(r.users[0]?.username, `${stem}_7`);
  t.deepEqual(r.users.map((u) => u.username), reference(`${stem}_7`, undefined).slice(0, 3));
  t.is(hydrated.length, 1, "one round trip when the first batch fills the page");
});
