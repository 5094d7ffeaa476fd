// A unary call's context as services/kit/handler-context.ts builds it
// (LightHeaders, one AbortController) against Connect's createHandlerContext
// with Fetch Headers, in one run: what every in-process and gRPC fast-path
// call pays before its interceptors run. Each variant does what a call does
// with its context: the client's headers built from a record, the context
// with a 10-s deadline and the caller's signal, the headers the interceptors
// read and write, the response headers copied out, the context ended.
// Variants take turns for --rounds rounds; the median round is reported.
//
//   node --import tsx bench/services/kit/call-context.ts [--seconds=2] [--rounds=5]
import { createHandlerContext } from "@connectrpc/connect";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { callContext } from "../../../services/kit/handler-context.js";
import { LightHeaders } from "../../../services/kit/light-headers.js";
import { benchArgs } from "../../args.js";
import { calibrationLine, commitId, openingLine } from "../../machine.js";

const USAGE = "node --import tsx bench/services/kit/call-context.ts [--seconds=2] [--rounds=5]\n";
const args = benchArgs(USAGE, { seconds: "2", rounds: "5" });
const seconds = args.num("seconds");
const rounds = args.num("rounds");

const method = TimelineService.method.getHomeTimeline;
const record = { "x-request-id": "0b5c3a3e-8f1e-4a57-9d57-3c1a1f0e6a11", "x-chirp-internal": "0", authorization: `Bearer ${"x".repeat(180)}` };
const caller = new AbortController().signal;

function use(h: { requestHeader: Headers; responseHeader: Headers; abort(): void }): number {
  const n = (h.requestHeader.get("x-request-id")?.length ?? 0) + (h.requestHeader.get("authorization")?.length ?? 0);
  h.responseHeader.set("x-request-id", "0b5c3a3e");
  const out: Record<string, string> = {};
  h.responseHeader.forEach((v, k) => (out[k] = v));
  h.abort();
  return n;
}

const variants: Array<{ name: string; run: () => number }> = [
  {
    name: "Connect: createHandlerContext, Fetch Headers",
    run: () => {
      const header = new Headers(record);
      header.set("x-chirp-internal", "1");
      return use(createHandlerContext({ service: method.parent, method, protocolName: "in-process", requestMethod: "POST", url: "/x", timeoutMs: 10_000, requestSignal: caller, requestHeader: header }));
    },
  },
  {
    name: "kit: callContext, LightHeaders",
    run: () => {
      const header = new LightHeaders(record);
      header.set("x-chirp-internal", "1");
      return use(callContext({ method, protocolName: "in-process", url: "/x", timeoutMs: 10_000, requestSignal: caller, requestHeader: header }));
    },
  },
];

function perSecond(run: () => number): number {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < until) for (let i = 0; i < 100; i++, n++) run();
  return n / seconds;
}

console.log(openingLine("in process", calibrationLine()));
console.log(`commit ${commitId()}, ${new Date().toISOString()}, ${seconds} s per variant, ${rounds} rounds`);
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) results.get(v.name)!.push(perSecond(v.run));
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}
for (const [name, xs] of results) {
  const median = xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${name.padEnd(46)} ${Math.round(median).toLocaleString("en-US").padStart(10)} calls/s  ${(1e6 / median).toFixed(2).padStart(7)} µs/call`);
}
