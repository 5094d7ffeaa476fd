// Starts bare-grpc-server.ts in a process of its own, answering with `answer`
// (a unary method's response message), and resolves once it accepts connections.
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { envelope } from "../../services/kit/grpc-wire.js";
import { spawnBaseline } from "./child.js";

export interface BareGrpc {
  url: string;
  stop(): Promise<void>;
}

export async function startBareGrpc(o: { repoRoot: string; port: number; answer: Uint8Array; dir: string }): Promise<BareGrpc> {
  const file = join(o.dir, `bare-grpc-${o.port}.bin`);
  writeFileSync(file, envelope(o.answer));
  const child = spawnBaseline({ repoRoot: o.repoRoot, script: "bench/baselines/bare-grpc-server.ts", env: { BENCH_BARE_PORT: String(o.port), BENCH_BARE_BODY: file }, logFile: join(o.dir, "bare-grpc.log") });
  const deadline = Date.now() + 30_000;
  while (!(await accepts(o.port))) {
    if (child.exited() || Date.now() > deadline) {
      await child.stop();
      throw new Error(`the bare gRPC server did not listen on ${o.port} (log: ${join(o.dir, "bare-grpc.log")})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${o.port}`, stop: child.stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}
