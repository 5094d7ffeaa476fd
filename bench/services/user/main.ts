// Benchmark of the user service through its gRPC API (usage below).
// Register and Login are bound by argon2id (19 MiB, t=2, on libuv's 4
// threads): their throughput is the machine's hashing rate, by design.
// The user and graph services run in a child process; this one makes the load.
import { randomBytes } from "node:crypto";
import { benchArgs } from "../../args.js";
import { machine, measureServed, print, serveInChild } from "./kit.js";

const USAGE = `node --import tsx bench/services/user/main.ts [--mode=embedded|cluster] [--users=400] [--concurrency=16]
`;
const args = benchArgs(USAGE, { mode: "embedded", users: "400", concurrency: "16" });
const mode = args.mode();
const users = args.num("users");
const concurrency = args.num("concurrency");
console.log(`user bench, ${mode} mode, ${users} accounts, concurrency ${concurrency}; ${machine()}`);

const p = await serveInChild(mode, "benchuser");
try {
  const tag = randomBytes(3).toString("hex");
  const names = Array.from({ length: users }, (_, i) => `b${tag}_${i}`);
  const ids: bigint[] = [];
  print(
    await measureServed(p, "Register (argon2id hash)", users, concurrency, async (i) => {
      const res = await p.user.register({ username: names[i]!, email: `${names[i]}@bench.example`, password: "Bench-password-1" });
      ids[i] = res.user!.userId;
    }),
    "hash-bound",
  );
  print(
    await measureServed(p, "Login (argon2id verify + session + JWT)", users, concurrency, (i) =>
      p.user.login({ login: names[i]!, password: "Bench-password-1" }),
    ),
    "hash-bound",
  );
  print(
    await measureServed(p, "Login, unknown user (dummy verify)", Math.min(users, 200), concurrency, (i) =>
      p.user.login({ login: `nobody_${i}`, password: "Bench-password-1" }).catch(() => undefined),
    ),
    "hash-bound",
  );
  print(await measureServed(p, "GetUser (+ graph BatchGetCounts)", 5000, concurrency, (i) => p.user.getUser({ userId: ids[i % ids.length]! })));
  print(
    await measureServed(p, "BatchGetUsers x100 (+ one BatchGetCounts)", 500, concurrency, (i) =>
      p.user.batchGetUsers({ userIds: Array.from({ length: 100 }, (_, k) => ids[(i + k) % ids.length]!) }),
    ),
  );
} finally {
  await p.stop();
}
