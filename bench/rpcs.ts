// Internal calls per request: every Chirp process counts the RPCs it serves
// (rpc_server_requests_total on its /metrics). Scraped before and after a
// step, the difference divided by the requests sent says how many internal
// calls one outside request costs, by method: the first thing to look at
// when the time goes into RPC plumbing.
import { getText, samples } from "./scrape.js";

export type Counts = Map<string, number>;

/** RPCs served so far, by "Service.Method", summed over the given /metrics URLs. */
export async function scrapeRpcs(urls: string[]): Promise<Counts> {
  const out: Counts = new Map();
  for (const text of await Promise.all(urls.map((u) => getText(u)))) {
    for (const { labels, value } of samples(text, "rpc_server_requests_total")) {
      const key = `${(labels.service ?? "?").split(".").at(-1)}.${labels.method ?? "?"}`;
      out.set(key, (out.get(key) ?? 0) + value);
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
