// Calls the gateway once it is rolled out: its readiness, then one API path.
// Reaches it through the Kubernetes API server's service proxy (no port-forward
// needed), or straight at --gateway-url (e.g. after `make port-forward`).
import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export interface HttpAnswer {
  status: number;
  body: string;
}

export type Getter = (path: string) => Promise<HttpAnswer>;

/** GET through /api/v1/namespaces/<ns>/services/<service>:<port>/proxy<path>. */
export function viaApiServer(kc: KubeConfig, namespace: string, service: string, port: string, timeoutMs = 10_000): Getter {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster in the kubeconfig");
  const base = `${cluster.server.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}:${encodeURIComponent(port)}/proxy`;
  return async (path) => {
    const opts: https.RequestOptions = { method: "GET", headers: { accept: "application/json" }, timeout: timeoutMs };
    await kc.applyToHTTPSOptions(opts);
    return request(new URL(base + path), opts);
  };
}

/** GET straight at a base URL such as http://127.0.0.1:8080. */
export function direct(baseUrl: string, timeoutMs = 10_000): Getter {
  return (path) => request(new URL(path, baseUrl), { method: "GET", headers: { accept: "application/json" }, timeout: timeoutMs });
}

function request(url: URL, opts: https.RequestOptions): Promise<HttpAnswer> {
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url.host} within ${opts.timeout} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface SmokeResult {
  ok: boolean;
  lines: string[];
}

/** A Kubernetes Status object: the API server (not the gateway) answered, e.g. no endpoints. */
function fromApiServer(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { kind?: string; apiVersion?: string };
    return parsed.kind === "Status" && parsed.apiVersion === "v1";
  } catch {
    return false;
  }
}

export async function smoke(get: Getter, apiPath: string, expect: number[]): Promise<SmokeResult> {
  const lines: string[] = [];
  let ok = true;
  const check = async (path: string, accept: number[]) => {
    try {
      const r = await get(path);
      const good = accept.includes(r.status) && !fromApiServer(r.body);
      ok &&= good;
      lines.push(`${good ? "ok  " : "FAIL"} GET ${path} -> ${r.status} ${r.body.replace(/\s+/g, " ").slice(0, 200)}`);
    } catch (err) {
      ok = false;
      lines.push(`FAIL GET ${path} -> ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await check("/readyz", [200]);
  await check(apiPath, expect);
  return { ok, lines };
}
