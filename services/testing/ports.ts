// Ports for processes a test or the mesh launcher starts and must name in advance.
import { readFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";

/**
 * Free ports on host, all different, from below the kernel's ephemeral range:
 * a port that listen(0) handed out could be taken again, before the child
 * binds it, by any outgoing connection or listen(0) in the meantime (a
 * parallel test suite's clients). Each candidate is bound once to check it.
 */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const [low, high] = [10_000, ephemeralLow() - 1];
  const held: net.Server[] = [];
  try {
    for (let tries = 0; held.length < n; tries++) {
      if (tries > 50 * n) throw new Error(`no ${n} free ports between ${low} and ${high} on ${host}`);
      const port = low + Math.floor(Math.random() * (high - low + 1));
      const s = await new Promise<net.Server | undefined>((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(undefined));
        server.listen(port, host, () => resolve(server));
      });
      if (s) held.push(s);
    }
    return held.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/** The first port of Linux's ephemeral range (32768 where it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}
