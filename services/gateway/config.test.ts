import test from "ava";
import { ConfigError } from "../kit/config.js";
import { readGatewayConfig } from "./config.js";

test("defaults", (t) => {
  t.deepEqual(readGatewayConfig({}), {
    rateLimit: { perIpPerMinute: 1200, perUserPerMinute: 600, timeoutMs: 500 },
    cors: { origins: [], maxAgeSeconds: 600 },
    maxBodyBytes: 65536,
    trustProxyHops: 0,
    sseKeepAliveMs: 15000,
    readyCacheMs: 2000,
    maxInFlight: 64,
    // The documented limits: a ping every 30 s, 1 MiB of send buffer, 50 streams, 64 KiB frames.
    live: { pingIntervalMs: 30_000, maxBufferedBytes: 1024 * 1024, maxSubscriptions: 50, maxFrameBytes: 64 * 1024, closeGraceMs: 5000 },
  });
});

test("values from the environment", (t) => {
  const c = readGatewayConfig({
    CHIRP_RATE_LIMIT_PER_IP: "10",
    CHIRP_RATE_LIMIT_PER_USER: "0",
    CHIRP_CORS_ORIGINS: "https://app.example.com, http://localhost:3000",
    CHIRP_MAX_BODY_BYTES: "2048",
  });
  t.deepEqual(c.rateLimit, { perIpPerMinute: 10, perUserPerMinute: 0, timeoutMs: 500 });
  t.deepEqual(c.cors.origins, ["https://app.example.com", "http://localhost:3000"]);
  t.is(c.maxBodyBytes, 2048);
  t.deepEqual(readGatewayConfig({ CHIRP_CORS_ORIGINS: "*" }).cors.origins, ["*"]);
});

test("bad values fail with the variable's name", (t) => {
  t.throws(() => readGatewayConfig({ CHIRP_CORS_ORIGINS: "https://app.example.com/path" }), { instanceOf: ConfigError, message: /CHIRP_CORS_ORIGINS/ });
  t.throws(() => readGatewayConfig({ CHIRP_RATE_LIMIT_PER_IP: "-1" }), { instanceOf: ConfigError, message: /CHIRP_RATE_LIMIT_PER_IP/ });
  t.throws(() => readGatewayConfig({ CHIRP_MAX_BODY_BYTES: "lots" }), { instanceOf: ConfigError, message: /CHIRP_MAX_BODY_BYTES/ });
});
