import { readFileSync } from "node:fs";
import net from "node:net";
import test from "ava";
import { freePorts } from "./ports.js";

test("freePorts gives distinct ports below the ephemeral range that can be bound", async (t) => {
  const ports = await freePorts(6);
  t.is(new Set(ports).size, ports.length);
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  t.true(ports.every((p) => p >= 10_000 && p < ephemeralLow), `ports ${ports.join(", ")}, ephemeral range from ${ephemeralLow}`);
  for (const port of ports) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
    await new Promise((r) => server.close(r));
  }
});
