// One contract for every SearchStore adapter: store.test.ts runs it against
// LMDB and against Cassandra. Each test uses terms and ids of its own, so
// tests can share one store and run concurrently.
import { randomBytes } from "node:crypto";
import type { ExecutionContext, TestFn } from "ava";
import { bucketFloor } from "../buckets.js";
import { rankOf, type SearchStore } from "./port.js";

/** A term of a test's own. */
export const unique = (label: string) => `${label}${randomBytes(5).toString("hex")}`;
let seq = 0n;
/** An id in `bucket`, distinct within the run. */
export const idIn = (bucket: number) => bucketFloor(bucket) + (++seq << 22n) + BigInt(Math.floor(Math.random() * 1000));
const BASE = 500; // a day bucket well inside the Snowflake range
const randomUser = () => BigInt(randomBytes(6).readUIntBE(0, 6)) + 1n;

export function searchStoreContract(test: TestFn, name: string, getStore: () => Promise<SearchStore>) {
  const it = (title: string, body: (t: ExecutionContext, store: SearchStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => body(t, await getStore()));

  it("postings come newest first, page below a cursor and within a lower bound", async (t, s) => {
    const term = unique("w");
    const ids = [idIn(BASE), idIn(BASE), idIn(BASE), idIn(BASE)].sort((a, b) => (a < b ? -1 : 1));
    for (const id of ids) t.true(await s.addTweet(id, [term, "common"]));
    const desc = [...ids].reverse();
    t.deepEqual(await s.postings(term, BASE, undefined, undefined, 10), desc);
    t.deepEqual(await s.postings(term, BASE, undefined, undefined, 2), desc.slice(0, 2));
    t.deepEqual(await s.postings(term, BASE, desc[1], undefined, 10), desc.slice(2));
    t.deepEqual(await s.postings(term, BASE, undefined, ids[1], 10), desc.slice(0, 3), "atLeast is inclusive");
    t.deepEqual(await s.postings(term, BASE + 1, undefined, undefined, 10), []);
    const stranger = idIn(BASE);
    t.deepEqual(await s.contains(term, BASE, [ids[2]!, stranger, ids[0]!]), new Set([ids[2], ids[0]]));
    t.deepEqual(await s.contains(term, BASE + 1, [ids[0]!]), new Set(), "another bucket");
    t.deepEqual([...(await s.tweetTerms(ids[0]!))!].sort(), [term, "common"].sort());
  });

  it("a term's non-empty buckets come newest first with their counts, within bounds", async (t, s) => {
    const term = unique("b");
    for (const b of [BASE + 1, BASE + 3, BASE + 3, BASE + 7]) await s.addTweet(idIn(b), [term]);
    await s.flush();
    t.deepEqual(await s.buckets(term, BASE + 100, 0, 10), [
      { bucket: BASE + 7, count: 1 },
      { bucket: BASE + 3, count: 2 },
      { bucket: BASE + 1, count: 1 },
    ]);
    t.deepEqual((await s.buckets(term, BASE + 6, BASE + 2, 10)).map((b) => b.bucket), [BASE + 3]);
    t.deepEqual((await s.buckets(term, BASE + 100, 0, 1)).map((b) => b.bucket), [BASE + 7]);
    t.deepEqual(await s.buckets(term, BASE, BASE + 1, 10), []);
  });

  it("adding a tweet twice changes nothing; removing takes every posting out and counts it down", async (t, s) => {
    const a = unique("r");
    const b = unique("r");
    const id = idIn(BASE + 2);
    const other = idIn(BASE + 2);
    t.true(await s.addTweet(id, [a, b]));
    t.false(await s.addTweet(id, [a, b]), "a redelivery");
    await s.addTweet(other, [a]);
    await s.flush();
    t.deepEqual(await s.buckets(a, BASE + 2, BASE + 2, 5), [{ bucket: BASE + 2, count: 2 }]);
    t.true(await s.removeTweet(id));
    t.false(await s.removeTweet(id), "a redelivered delete");
    await s.flush();
    t.deepEqual(await s.postings(a, BASE + 2, undefined, undefined, 10), [other]);
    t.deepEqual(await s.postings(b, BASE + 2, undefined, undefined, 10), []);
    t.is((await s.buckets(a, BASE + 2, BASE + 2, 5))[0]?.count, 1);
    t.is(await s.tweetTerms(id), undefined);
  });

  it("a delete that overtakes its create keeps the tweet out of the index", async (t, s) => {
    const term = unique("o");
    const id = idIn(BASE + 4);
    t.false(await s.removeTweet(id));
    t.false(await s.addTweet(id, [term]));
    t.deepEqual(await s.postings(term, BASE + 4, undefined, undefined, 10), []);
  });

  it("people come by prefix, highest rank first, then by id; a re-put moves them", async (t, s) => {
    const stem = unique("p").slice(0, 9);
    const [u1, u2, u3] = [randomUser(), randomUser(), randomUser()];
    await s.putUser({ userId: u1, username: `${stem}ann`, displayName: "Ann Lee", followerCount: 5n });
    await s.putUser({ userId: u2, username: `${stem}bob`, displayName: "Bob", followerCount: 1000n });
    await s.putUser({ userId: u3, username: "zz" + stem.slice(2), displayName: `Carol ${stem}x`, followerCount: 0n });
    await s.putUser({ userId: u1, username: `${stem}ann`, displayName: "Ann Lee", followerCount: 5n });
    const hits = await s.byPrefix(stem, 10);
    t.deepEqual(hits.map((h) => h.userId), [u2, u1, u3]);
    t.deepEqual(hits.map((h) => h.rank), [rankOf(1000n), rankOf(5n), rankOf(0n)]);
    t.deepEqual((await s.byPrefix(`${stem}a`, 10)).map((h) => h.userId), [u1]);
    t.deepEqual((await s.byPrefix(stem, 1)).map((h) => h.userId), [u2]);

    await s.setFollowers(u1, 1_000_000n);
    t.deepEqual((await s.byPrefix(stem, 10)).map((h) => h.userId), [u1, u2, u3]);
    // A rename drops the old prefixes.
    await s.putUser({ userId: u1, username: `q${stem}`, displayName: "Ann", followerCount: 1_000_000n });
    t.deepEqual((await s.byPrefix(stem, 10)).map((h) => h.userId), [u2, u3]);
    t.deepEqual((await s.byPrefix(`q${stem}`, 10)).map((h) => h.userId), [u1]);
    t.true(await s.hasUser(u1));
    const stranger = randomUser();
    await s.setFollowers(stranger, 10n);
    t.false(await s.hasUser(stranger), "setFollowers does not index an account");
  });

  it("reindex progress is kept and cleared", async (t, s) => {
    const job = unique("job");
    t.is(await s.readProgress(job), undefined);
    await s.writeProgress(job, "42");
    t.is(await s.readProgress(job), "42");
    await s.writeProgress(job, undefined);
    t.is(await s.readProgress(job), undefined);
  });
}
