import test from "ava";
import { decodeJob, encodeJob, encodeJobs, jobMsgId, type FanoutJob } from "./job.js";

test("a job survives encoding, ids up to 2^63 - 1 included", (t) => {
  const job: FanoutJob = { op: "add", tweetId: 2n ** 63n - 1n, authorId: 7n, followerIds: [1n, 2n ** 62n + 3n, 99n] };
  t.deepEqual(decodeJob(encodeJob(job)), job);
  const empty: FanoutJob = { op: "remove", tweetId: 5n, authorId: 6n, followerIds: [] };
  t.deepEqual(decodeJob(encodeJob(empty)), empty);
});

test("1,000 followers take 8 KB", (t) => {
  const job: FanoutJob = { op: "add", tweetId: 1n, authorId: 2n, followerIds: Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)) };
  t.is(encodeJob(job).length, 18 + 8000);
});

test("garbage is refused with a reason", (t) => {
  t.throws(() => decodeJob(new Uint8Array(5)), { message: /bad length/ });
  const wrongVersion = encodeJob({ op: "add", tweetId: 1n, authorId: 1n, followerIds: [] });
  wrongVersion[0] = 9;
  t.throws(() => decodeJob(wrongVersion), { message: /version 9/ });
  const wrongOp = encodeJob({ op: "add", tweetId: 1n, authorId: 1n, followerIds: [] });
  wrongOp[1] = 7;
  t.throws(() => decodeJob(wrongOp), { message: /unknown op 7/ });
});

test("message ids name the tweet and the batch", (t) => {
  t.is(jobMsgId("add", 12n, 3), "fanout:12:3");
  t.is(jobMsgId("remove", 12n, 3), "fanout-remove:12:3");
});

test("jobs for several tweets share the followers, each with its own tweet id", (t) => {
  const followerIds = [3n, 2n ** 62n + 1n, 9n];
  const jobs = encodeJobs("remove", [11n, 12n, 13n], 7n, followerIds);
  t.deepEqual(jobs.map(decodeJob), [11n, 12n, 13n].map((tweetId) => ({ op: "remove", tweetId, authorId: 7n, followerIds })));
  t.deepEqual(encodeJobs("add", [], 7n, followerIds), []);
});
