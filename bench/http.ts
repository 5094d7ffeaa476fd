// A lean HTTP/1.1 client for the load: keep-alive sockets from one agent
// (a request waiting for a free socket is still on the clock, since latency
// is measured from its intended send time), a deadline per request, and the
// outcome as a status label ("200", "503", "timeout", "ECONNRESET", ...).
import http from "node:http";

export interface HttpOutcome {
  status: string;
  ok: boolean;
  body: Buffer;
  /** What went wrong on the client side (timeout, reset, refused). */
  detail?: string;
}

export class HttpClient {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    connections: number,
    private readonly timeoutMs = 10_000,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: "fifo" });
  }

  request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: HttpOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = http.request({ agent: this.agent, host: this.host, port: this.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          done({ status: String(status), ok: status >= 200 && status < 300, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
        });
        res.on("error", (err: NodeJS.ErrnoException) => done({ status: err.code ?? "response_error", ok: false, body: Buffer.alloc(0), detail: err.message }));
      });
      const timer = setTimeout(() => {
        done({ status: "timeout", ok: false, body: Buffer.alloc(0), detail: `no answer within ${this.timeoutMs / 1000} s` });
        req.destroy();
      }, this.timeoutMs);
      req.on("error", (err: NodeJS.ErrnoException) => done({ status: err.code ?? "request_error", ok: false, body: Buffer.alloc(0), detail: err.message }));
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  async json<T>(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: string; data: T }> {
    const h = body === undefined ? headers : { ...headers, "content-type": "application/json" };
    const o = await this.request(method, path, h, body === undefined ? undefined : JSON.stringify(body));
    let data: T;
    try {
      data = JSON.parse(o.body.toString("utf8") || "null") as T;
    } catch {
      data = undefined as T;
    }
    return { status: o.status, data };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** GETs url until it answers 200 or the deadline passes. */
export async function waitForHttp200(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`gave up waiting for ${url}: the process exited`);
    last = await new Promise<string>((resolve) => {
      const req = http.get(url, { timeout: 2000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve(err.message));
    });
    if (last === "200") return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s (last: ${last})`);
}
