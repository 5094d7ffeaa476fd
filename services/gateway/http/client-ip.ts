// The client's address for per-IP limits. Behind N trusted reverse proxies
// the client is the N-th X-Forwarded-For entry from the right (each proxy
// appends the peer it saw); entries further left are the client's own claims
// and are ignored. With no trusted proxies, the socket's peer is the client.
import type { IncomingMessage } from "node:http";

export function clientIp(req: IncomingMessage, trustedHops: number): string {
  const peer = normalize(req.socket.remoteAddress ?? "unknown");
  if (trustedHops === 0) return peer;
  const header = req.headers["x-forwarded-for"];
  const list = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) return peer;
  return normalize(list[Math.max(0, list.length - trustedHops)]!);
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
function normalize(ip: string): string {
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}
