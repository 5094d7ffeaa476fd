// Test clients for the REST edge: JSON requests with fetch, and a raw
// server-sent-events reader (node:http, so a test can hang up mid-stream).
import http from "node:http";

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  json?: unknown;
  /** Sent as is (malformed JSON, other content types). */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

export async function call<T = Record<string, unknown>>(base: string, method: string, path: string, o: RequestOptions = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers["content-type"] ??= "application/json";
  } else if (o.raw !== undefined) body = o.raw;
  // A hung request fails the test instead of stalling the whole run.
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the test looks at .text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export interface SseEvent {
  event: string;
  data: string;
  /** The event's id line, when it has one. */
  id?: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Comment lines seen so far (": keep-alive"). */
  comments: string[];
  /** Resolves with the next event (waits for it). */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The raw body when the answer was not a stream (an error). */
  body(): Promise<string>;
  close(): void;
}

export function openSse(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      res.setEncoding("utf8");
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters: Array<() => void> = [];
      let buf = "";
      let raw = "";
      let ended = false;
      res.on("data", (chunk: string) => {
        raw += chunk;
        buf += chunk;
        let at: number;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          let event = "message";
          let id: string | undefined;
          const data: string[] = [];
          let isEvent = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("id:")) id = line.slice(3).trim();
            else if (line.startsWith("data:")) {
              data.push(line.slice(5).trim());
              isEvent = true;
            }
          }
          if (isEvent) events.push(id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id });
        }
        waiters.splice(0).forEach((w) => w());
      });
      res.on("end", () => {
        ended = true;
        waiters.splice(0).forEach((w) => w());
      });
      res.on("error", () => {});
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        comments,
        async next(timeoutMs = 5000) {
          const until = Date.now() + timeoutMs;
          while (events.length === 0) {
            if (ended) throw new Error("stream ended");
            if (Date.now() > until) throw new Error("no event in time");
            await new Promise<void>((r) => {
              const timer = setTimeout(r, Math.max(1, until - Date.now()));
              waiters.push(() => {
                clearTimeout(timer);
                r();
              });
            });
          }
          return events.shift()!;
        },
        async body() {
          while (!ended) await new Promise<void>((r) => waiters.push(r));
          return raw;
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", (err) => {
      if ((err as NodeJS.ErrnoException).code !== "ECONNRESET") reject(err);
    });
  });
}
