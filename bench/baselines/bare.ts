// The bare node:http baseline (bare-server.ts): the page it answers with,
// taken from the gateway in the same run, and the server in its own process.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitForHttp200 } from "../http.js";
import { spawnBaseline } from "./child.js";
import type { Actor } from "../mix.js";

export interface HomePage {
  /** The body's bytes, as the gateway sent them. */
  body: Buffer;
  contentType: string;
  tweets: number;
  /** Whose home timeline it is (an index into the readers tried). */
  reader: number;
}

/**
 * A real home page from the gateway: the first of `readers` whose home
 * timeline has `want` tweets (else the fullest of those tried).
 */
export async function captureHomePage(gatewayUrl: string, readers: Actor[], path: string, want = 20, tries = 50): Promise<HomePage> {
  let best: HomePage | undefined;
  for (let i = 0; i < Math.min(tries, readers.length); i++) {
    const res = await fetch(`${gatewayUrl}${path}`, { headers: { authorization: `Bearer ${readers[i]!.token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`home timeline answered ${res.status}: ${body.toString("utf8", 0, 300)}`);
    const tweets = ((JSON.parse(body.toString("utf8")) as { tweets?: unknown[] }).tweets ?? []).length;
    if (!best || tweets > best.tweets) best = { body, contentType: res.headers.get("content-type") ?? "application/json", tweets, reader: i };
    if (tweets >= want) break;
  }
  if (!best) throw new Error("no reader to take a home page from");
  return best;
}

export interface BareServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBare(o: { repoRoot: string; port: number; page: HomePage; dir: string; logDir: string }): Promise<BareServer> {
  const bodyFile = join(o.dir, "home-page.json");
  writeFileSync(bodyFile, o.page.body);
  const { pid, exited, stop } = spawnBaseline({ repoRoot: o.repoRoot, script: "bench/baselines/bare-server.ts", env: { BENCH_BARE_PORT: String(o.port), BENCH_BARE_BODY: bodyFile, BENCH_BARE_CONTENT_TYPE: o.page.contentType }, logFile: join(o.logDir, "bare.log") });
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await waitForHttp200(`${url}/`, 30_000, () => !exited());
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid, stop };
}
