import test from "ava";
import { z } from "zod";
import { ConfigError, envs, readEnv } from "./config.js";

const schema = z.object({
  CHIRP_PORT: envs.port(50051),
  CHIRP_WORKER_ID: envs.int(0, 0, 1023),
  CHIRP_DEBUG: envs.bool(false),
  CHIRP_REDIS_URL: envs.url("redis://127.0.0.1:6379", ["redis:", "rediss:"]),
  CHIRP_LOG_LEVEL: envs.logLevel(),
});

test("defaults apply when variables are unset or empty", (t) => {
  const cfg = readEnv(schema, { CHIRP_PORT: "" });
  t.deepEqual(cfg, {
    CHIRP_PORT: 50051,
    CHIRP_WORKER_ID: 0,
    CHIRP_DEBUG: false,
    CHIRP_REDIS_URL: "redis://127.0.0.1:6379",
    CHIRP_LOG_LEVEL: "info",
  });
});

test("values are parsed into their types", (t) => {
  const cfg = readEnv(schema, { CHIRP_PORT: "6000", CHIRP_WORKER_ID: "12", CHIRP_DEBUG: "yes", CHIRP_LOG_LEVEL: "debug" });
  t.is(cfg.CHIRP_PORT, 6000);
  t.is(cfg.CHIRP_WORKER_ID, 12);
  t.true(cfg.CHIRP_DEBUG);
  t.is(cfg.CHIRP_LOG_LEVEL, "debug");
});

test("every bad variable is named, with the value given", (t) => {
  const err = t.throws(
    () => readEnv(schema, { CHIRP_PORT: "70000", CHIRP_WORKER_ID: "abc", CHIRP_REDIS_URL: "http://x", CHIRP_DEBUG: "maybe" }),
    { instanceOf: ConfigError },
  );
  t.regex(err.message, /CHIRP_PORT: .*\(got "70000"\)/);
  t.regex(err.message, /CHIRP_WORKER_ID: .*\(got "abc"\)/);
  t.regex(err.message, /CHIRP_REDIS_URL: expected a URL starting with redis:\/\/ or rediss:\/\//);
  t.regex(err.message, /CHIRP_DEBUG: expected true or false/);
});

test("a required variable that is missing says so", (t) => {
  const required = z.object({ CHIRP_JWT_PUBLIC_KEY: z.string() });
  const err = t.throws(() => readEnv(required, {}), { instanceOf: ConfigError });
  t.regex(err.message, /CHIRP_JWT_PUBLIC_KEY: .*\(not set\)/);
});
