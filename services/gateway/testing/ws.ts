// A real `ws` client for tests of /api/v1/streaming: collects the frames,
// waits for the ones a test expects, and reports how the socket closed.
import WebSocket from "ws";

export interface Frame {
  stream: string | null;
  event: string;
  id: string | null;
  payload: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface WsClient {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the first frame (from `from` on) that matches; rejects after the timeout. */
  next(match: (f: Frame) => boolean, timeoutMs?: number, from?: number): Promise<Frame>;
  /** Resolves with the close code (and reason) once closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(msg: unknown): void;
  close(): void;
}

export type Refused = { refused: true; status: number; body: string };

/** Opens a socket; `token` goes in the Authorization header, or as the subprotocol with `viaProtocol`. */
export function openWs(base: string, query: string, o: { token?: string; viaProtocol?: boolean; headers?: Record<string, string> } = {}): Promise<WsClient | Refused> {
  const url = `${base.replace(/^http/, "ws")}/api/v1/streaming${query}`;
  const headers: Record<string, string> = { ...o.headers };
  if (o.token && !o.viaProtocol) headers.authorization = `Bearer ${o.token}`;
  const ws = new WebSocket(url, o.token && o.viaProtocol ? [o.token] : [], { headers });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on("message", (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()) as Frame);
    waiters.forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => {
    resolve({ code, reason: reason.toString() });
    waiters.forEach((w) => w());
  }));
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ refused: true, status: res.statusCode ?? 0, body }));
    });
    ws.once("error", reject);
    ws.once("open", () => {
      ws.off("error", reject);
      ws.on("error", () => {});
      resolve({
        ws,
        frames,
        closed,
        send: (msg) => ws.send(typeof msg === "string" ? msg : JSON.stringify(msg)),
        close: () => ws.close(),
        async next(match, timeoutMs = 10_000, from = 0) {
          const until = Date.now() + timeoutMs;
          for (;;) {
            const f = frames.slice(from).find(match);
            if (f) return f;
            if (ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed; frames: ${JSON.stringify(frames).slice(0, 500)}`);
            if (Date.now() > until) throw new Error(`no matching frame in time; frames: ${JSON.stringify(frames).slice(0, 1000)}`);
            await new Promise<void>((r) => {
              const done = () => {
                clearTimeout(timer);
                waiters.delete(done);
                r();
              };
              const timer = setTimeout(done, Math.max(1, until - Date.now()));
              waiters.add(done);
            });
          }
        },
      });
    });
  });
}

export function isRefused(c: WsClient | Refused): c is Refused {
  return "refused" in c;
}

/** A socket that must open. */
export async function mustOpen(base: string, query: string, o: Parameters<typeof openWs>[2] = {}): Promise<WsClient> {
  const c = await openWs(base, query, o);
  if (isRefused(c)) throw new Error(`upgrade refused: ${c.status} ${c.body}`);
  return c;
}
