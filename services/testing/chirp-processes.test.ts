// The harness in child processes hands gateway settings to the gateway
// process as environment variables: every GatewayConfig field must survive
// the trip (a new field fails here until gatewayEnv passes it on).
import test from "ava";
import { readGatewayConfig, type GatewayConfig } from "../gateway/config.js";
import { LIVE_DEFAULTS } from "../gateway/live/config.js";
import { gatewayEnv } from "./chirp-processes.js";

test("gatewayEnv is the inverse of readGatewayConfig", (t) => {
  const config: GatewayConfig = {
    rateLimit: { perIpPerMinute: 7, perUserPerMinute: 0, timeoutMs: 1234 },
    cors: { origins: ["https://a.example.com", "http://localhost:3000"], maxAgeSeconds: 42 },
    maxBodyBytes: 4096,
    trustProxyHops: 2,
    sseKeepAliveMs: 300,
    readyCacheMs: 0,
    maxInFlight: 9,
    live: { ...LIVE_DEFAULTS, pingIntervalMs: 500, maxBufferedBytes: 4096, maxSubscriptions: 3 },
  };
  t.deepEqual(readGatewayConfig(gatewayEnv(config)), config);
  t.deepEqual(gatewayEnv({}), {}, "unset fields stay the gateway's defaults");
  t.deepEqual(readGatewayConfig(gatewayEnv({ trustProxyHops: 1 })), { ...readGatewayConfig({}), trustProxyHops: 1 });
});
