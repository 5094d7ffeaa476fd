// Internal calls per request: every Chirp process counts the RPCs it serves
// (rpc_server_requests_total on its /metrics). Scraped before and after a
// step, the difference divided by the requests sent says how many internal
// calls one outside request costs, by method: the first thing to look at
// when the time goes into RPC plumbing.
import http from "node:http";

export type Counts = Map<string, number>;

/** The body of a 200 answer, else "" (a process that does not answer counts as having nothing). */
export function getText(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString("utf8") : ""));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(""));
  });
}

const LINE = /^rpc_server_requests_total\{([^}]*)\}\s+([0-9.eE+-]+)/;

/** RPCs served so far, by "Service.Method", summed over the given /metrics URLs. */
export async function scrapeRpcs(urls: string[]): Promise<Counts> {
  const out: Counts = new Map();
  for (const text of await Promise.all(urls.map((u) => getText(u)))) {
    for (const line of text.split("\n")) {
      const m = LINE.exec(line);
      if (!m) continue;
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
      const key = `${(labels.service ?? "?").split(".").at(-1)}.${labels.method ?? "?"}`;
      out.set(key, (out.get(key) ?? 0) + Number(m[2]));
    }
  }
  return out;
}

/** Calls per outside request, by method, largest first. */
export function perRequest(before: Counts, after: Counts, requests: number): Record<string, number> {
  const rows: Array<[string, number]> = [];
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0 && requests > 0) rows.push([k, Math.round((d / requests) * 100) / 100]);
  }
  return Object.fromEntries(rows.sort((a, b) => b[1] - a[1]));
}
