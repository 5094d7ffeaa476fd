import test from "ava";
import type { IncomingMessage } from "node:http";
import { clientIp } from "./client-ip.js";

const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff ? { "x-forwarded-for": xff } : {} }) as unknown as IncomingMessage;

test("without trusted proxies the peer is the client, whatever the header says", (t) => {
  t.is(clientIp(req("::ffff:10.0.0.1", "1.2.3.4"), 0), "10.0.0.1");
});

test("behind N proxies: the N-th entry from the right", (t) => {
  t.is(clientIp(req("10.0.0.1", "6.6.6.6, 198.51.100.7"), 1), "198.51.100.7");
  t.is(clientIp(req("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2"), 2), "198.51.100.7");
  t.is(clientIp(req("10.0.0.1", "198.51.100.7"), 3), "198.51.100.7");
  t.is(clientIp(req("10.0.0.1"), 1), "10.0.0.1");
});
