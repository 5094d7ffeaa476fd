import assert from "node:assert/strict";
import { test } from "node:test";
import { buildGraph, followerDistribution, followersOf, specKey, username, type GraphSpec } from "./graph.js";
import { parseOptions, type Options } from "./options.js";

const spec: GraphSpec = { users: 2000, avgFollowing: 30, popularAccounts: 3, popularAccountFollowers: 10_000, tweets: 20_000, zipf: 0.8, seed: 1 };

test("the same spec gives the same graph", () => {
  const a = buildGraph(spec);
  const b = buildGraph(spec);
  assert.equal(a.edges, b.edges);
  assert.deepEqual(Array.from(a.followerCounts), Array.from(b.followerCounts));
  assert.equal(specKey(spec), specKey({ ...spec }));
  assert.notEqual(specKey(spec), specKey({ ...spec, seed: 2 }));
  assert.equal(specKey(spec), specKey({ ...spec, tweets: 1 }), "the tweet count is topped up, not a new graph");
});

test("the fingerprint, and so the dataset's name, is the one the datasets were first seeded under", () => {
  assert.equal(specKey(spec), "03310c77");
  assert.equal(specKey({ ...spec, users: 200, avgFollowing: 15, popularAccounts: 2, tweets: 2000 }), "e169a411");
});

test("no self-follows, no duplicates, counts add up", () => {
  const g = buildGraph(spec);
  let edges = 0;
  g.following.forEach((list, u) => {
    assert.ok(!list.includes(u), `user ${u} follows itself`);
    assert.equal(new Set(list).size, list.length);
    edges += list.length;
  });
  assert.equal(edges, g.edges);
  assert.equal(Array.from(g.followerCounts).reduce((a, b) => a + b, 0), edges);
  assert.equal(Array.from(g.tweetsPerUser).reduce((a, b) => a + b, 0), spec.tweets);
});

test("skewed: most users have tens of followers, the popular accounts the scaled-down size", () => {
  const g = buildGraph(spec);
  const d = followerDistribution(g);
  assert.ok(d.p50 >= 10 && d.p50 < 100, `median ${d.p50}`);
  assert.ok(d.max >= 1000, `max ${d.max}`);
  assert.equal(g.popularAccountFollowers, Math.floor(0.8 * 1999));
  for (const c of g.popularAccounts) assert.ok(g.followerCounts[c]! >= g.popularAccountFollowers);
  assert.match(g.notes[0] ?? "", /scaled down from 10,000 to 1,599/);
  assert.equal(followersOf(g, g.popularAccounts[0]!).length, g.followerCounts[g.popularAccounts[0]!]);
});

test("full-size popular accounts when there are enough users", () => {
  const g = buildGraph({ ...spec, users: 12_600, avgFollowing: 5, popularAccounts: 1, tweets: 0 });
  assert.equal(g.popularAccountFollowers, 10_000);
  assert.equal(g.notes.length, 0);
  assert.ok(g.followerCounts[g.popularAccounts[0]!]! >= 10_000);
});

test("usernames fit the user service's rules", () => {
  assert.equal(username(0), "bench_u000001");
  assert.match(username(999_998), /^[A-Za-z0-9_]{3,15}$/);
});

test("the default graph has a heavy tail (issue 29): >= 2,000 users, >= 40,000 follows, accounts with thousands of followers, most following 20 to 100", () => {
  for (const argv of [[], ["--mode=cluster"]]) {
    const spec = (parseOptions(argv) as Options).graph;
    const g = buildGraph(spec);
    assert.ok(spec.users >= 2000, `users ${spec.users}`);
    assert.ok(g.edges >= 40_000, `follows ${g.edges}`);
    const counts = Array.from(g.followerCounts).sort((a, b) => b - a);
    assert.ok(counts[2]! >= 2000, `the three most followed have ${counts.slice(0, 3).join(", ")} followers`);
    const d = followerDistribution(g);
    assert.ok(d.p50 < 100 && d.p99 < 1000, `a tail, not a crowd: median ${d.p50}, p99 ${d.p99}`);
    const following = g.following.map((l) => l.length);
    const within = following.filter((n) => n >= 20 && n <= 100).length;
    assert.ok(within >= 0.9 * spec.users, `${within} of ${spec.users} users follow 20 to 100 accounts`);
  }
});
