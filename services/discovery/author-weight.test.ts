import test from "ava";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import { NEW_ACCOUNT_MS, weighAuthors } from "./author-weight.js";

const NOW = 1_800_000_000_000;

function accounts(users: User[]) {
  const byId = new Map(users.map((u) => [u.userId, u]));
  const reads: bigint[][] = [];
  const lookup = async (ids: readonly bigint[]) => (reads.push([...ids]), new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!] as const] : []))));
  return { byId, reads, lookup };
}

const account = (userId: bigint, ageMs: number, followerCount: bigint) =>
  create(UserSchema, { userId, username: `u${userId}`, createdAt: timestampFromMs(NOW - ageMs), followerCount });

test("an old account with followers counts 2; a new one, one without followers, or an unknown one counts 1", async (t) => {
  const { lookup } = accounts([account(1n, 30 * NEW_ACCOUNT_MS, 5n), account(2n, NEW_ACCOUNT_MS / 2, 5n), account(3n, 30 * NEW_ACCOUNT_MS, 0n)]);
  const weigh = weighAuthors(lookup, { now: () => NOW });
  t.is(await weigh(1n, NOW), 2);
  t.is(await weigh(2n, NOW), 1);
  t.is(await weigh(2n, NOW + NEW_ACCOUNT_MS), 2, "the same account a week later, from what was kept");
  t.is(await weigh(3n, NOW), 1);
  t.is(await weigh(4n, NOW), 1);
});

test("an author is read once while kept, again after; an unknown one is read each time", async (t) => {
  const { byId, reads, lookup } = accounts([account(1n, 30 * NEW_ACCOUNT_MS, 0n)]);
  let now = NOW;
  const weigh = weighAuthors(lookup, { keepMs: 60_000, now: () => now });
  t.is(await weigh(1n, now), 1);
  byId.set(1n, account(1n, 30 * NEW_ACCOUNT_MS, 1n)); // a first follower
  now += 59_000;
  t.is(await weigh(1n, now), 1, "still the kept weight");
  now += 2_000;
  t.is(await weigh(1n, now), 2, "read again once the minute is over");
  await weigh(9n, now);
  await weigh(9n, now);
  t.deepEqual(reads, [[1n], [1n], [9n], [9n]]);
});
