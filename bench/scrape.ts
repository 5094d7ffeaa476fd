// Reading the services' /metrics (Prometheus text): the page, and the samples
// of one metric with their labels.
import http from "node:http";

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


export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of metric `name` in a /metrics text (comment lines and other metrics skipped). */
export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    const close = line.indexOf("}");
    const labelText = line[name.length] === "{" ? line.slice(name.length + 1, close) : "";
    const value = Number(line.slice((line[name.length] === "{" ? close : name.length) + 1).trim().split(" ")[0]);
    if (!Number.isFinite(value)) continue;
    out.push({ labels: Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!])), value });
  }
  return out;
}
